"""Forms of the vote."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from budgetcitoyen.config import collectivite_in, collectivite_setting
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.reference.lookup import CommuneIndex, commune_datalist
from budgetcitoyen.reference.models import Commune
from budgetcitoyen.textsearch import alphabetical
from budgetcitoyen.voting.identity import Identity
from budgetcitoyen.voting.models import VoterProfile


def commune_field() -> StringField:
    """The declared commune of residence (a name, a postal code or an INSEE code), on both identity forms.
    A new field at each call: a form lists its fields in the order they were made."""
    return StringField(
        "Commune de résidence",
        validators=[DataRequired("Indiquez votre commune de résidence."), Length(max=100)],
        description="Nom de votre commune de résidence, son code postal ou son code INSEE.",
        render_kw={"list": "communes-connues", "autocomplete": "off"},
    )


class IdentityForm(BaseForm):
    """What a voter declares once, before a first ballot."""

    first_name = StringField(
        "Prénom", validators=[DataRequired("Indiquez votre prénom."), Length(max=100)],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        "Nom", validators=[DataRequired("Indiquez votre nom."), Length(max=100)],
        render_kw={"autocomplete": "family-name"},
    )
    birth_date = DateField(
        "Date de naissance",
        # ISO first: it is what a date input sends; jj/mm/aaaa for browsers showing a plain text box.
        format=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[DataRequired("Indiquez votre date de naissance, au format jj/mm/aaaa.")],
        description="Format jj/mm/aaaa, par exemple 14/07/1990.",
        render_kw={"autocomplete": "bday"},
    )
    commune = commune_field()
    submit = SubmitField("Enregistrer et continuer")

    def fill_from(self, profile: VoterProfile) -> None:
        """Show the identity already declared."""
        self.first_name.data = profile.first_name
        self.last_name.data = profile.last_name
        self.birth_date.data = profile.birth_date
        self.commune.data = f"{profile.commune.name} ({profile.commune_code})"


class CommuneForm(BaseForm):
    """A verified identity's page: the provider gives names and birth date, the commune stays declared."""

    commune = commune_field()
    submit = SubmitField("Enregistrer et continuer")

    def fill_from(self, profile: VoterProfile) -> None:
        self.commune.data = f"{profile.commune.name} ({profile.commune_code})"


def declared_identity(session: Session, form: IdentityForm) -> Identity | None:
    """The identity typed on a validated form, or None with a French error on the commune field."""
    commune_code = resolve_commune(session, form)
    if commune_code is None:
        return None
    return Identity(form.first_name.data, form.last_name.data, form.birth_date.data, commune_code)


def commune_options(session: Session) -> list[tuple[str, str]]:
    """(name, INSEE code) of every commune, for the identity forms' list of suggestions."""
    return commune_datalist(session)


def resolve_commune(session: Session, form: IdentityForm | CommuneForm) -> str | None:
    """The INSEE code of the commune typed on a voter's form, or None with a French error on the field."""
    index = CommuneIndex.load(session)
    code = index.resolve(form.commune.data)
    if code is not None:
        return code
    candidates = index.candidates(form.commune.data)
    if len(candidates) > 1:
        names = sorted(session.scalars(select(Commune.name).where(Commune.insee_code.in_(candidates))),
                       key=alphabetical)
        form.add_error("commune", "Ce code postal couvre plusieurs communes : indiquez le nom de la commune ("
                       + ", ".join(names[:12]) + ").")
    else:
        form.add_error("commune", f"Commune inconnue {collectivite_in()} : le vote est réservé aux "
                       f"habitants {collectivite_setting('COLLECTIVITE_OF')}. Vérifiez l'orthographe ou "
                       "indiquez le code postal.")
    return None


class PaperIdentityForm(IdentityForm):
    """A line of a town hall's attendance list, typed in by an agent, with the place of the vote."""

    polling_place = StringField(
        "Lieu de vote", validators=[DataRequired("Indiquez le lieu de vote (mairie)."), Length(max=200)],
        description="Par exemple : salle du conseil de la mairie.",
    )
    submit = SubmitField("Enregistrer le bulletin papier")


class BallotForm(BaseForm):
    """The ballot: the choices are checkboxes named `choix`, listed by the template (CSRF lives here)."""

    submit = SubmitField("Valider mon vote")


class VoidForm(BaseForm):
    """Voiding a ballot from the duplicates report."""

    reason = TextAreaField(
        "Motif de l'annulation",
        validators=[DataRequired("Indiquez le motif de l'annulation."), Length(max=500)],
    )
    submit = SubmitField("Annuler ce bulletin")


class LiveResultsForm(BaseForm):
    """Show or hide the running tally during the vote."""

    submit = SubmitField("Valider")
