"""The holder's profile form and the ESS service's membership switch."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from budgetcitoyen.forms import BaseForm, optional_int
from budgetcitoyen.structures import rules
from budgetcitoyen.structures.services import ProfileInput


class ProfileForm(BaseForm):
    """What the directory shows of the structure, and the opt-in itself."""

    published = BooleanField(
        "Publier ce profil dans l'annuaire des ambassadeurs",
        description="Décochez pour retirer le profil : il disparaît aussitôt de l'annuaire et de la carte.")
    name = StringField("Nom de la structure", validators=[
        Length(max=rules.NAME_MAX, message=f"Au plus {rules.NAME_MAX} caractères.")])
    territory_id = SelectField("Territoire", coerce=optional_int)
    commune = StringField("Commune (facultatif)", description="Nom, code postal ou code INSEE.",
                          validators=[Length(max=120)],
                          render_kw={"list": "communes-connues", "autocomplete": "off"})
    description = TextAreaField(
        "Présentation", description=f"Ce que fait la structure, pour qui. "
                                    f"{rules.DESCRIPTION_MAX} caractères au plus.",
        validators=[Length(max=rules.DESCRIPTION_MAX,
                           message=f"Au plus {rules.DESCRIPTION_MAX} caractères.")],
        render_kw={"rows": 6})
    website = StringField("Site web (facultatif)",
                          description="Adresse complète, par exemple https://exemple.fr",
                          validators=[Length(max=rules.WEBSITE_MAX)],
                          render_kw={"inputmode": "url", "autocomplete": "url"})
    submit = SubmitField("Enregistrer le profil")

    def to_input(self) -> ProfileInput:
        return ProfileInput(bool(self.published.data), self.name.data or "", self.territory_id.data,
                            self.commune.data or "", self.description.data or "", self.website.data or "")


class MembershipForm(BaseForm):
    """Mark or unmark a structure as a member of the collective (one button per row)."""

    member = HiddenField()
