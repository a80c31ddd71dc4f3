"""Forms of the submission phase (idea, dossier with its budget, attachment, status change, comptoir), and
their conversion from saved rows and to the use cases' inputs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from budgetcitoyen.clock import local_zone, to_local
from budgetcitoyen.config import naming
from budgetcitoyen.forms import AmountField, BaseForm, optional_int
from budgetcitoyen.initiatives.dossiers import DossierInput, IdeaInput
from budgetcitoyen.initiatives.models import Initiative, Workshop
from budgetcitoyen.initiatives.rules import ACCOUNTS, SUMMARY_MAX_LENGTH, BudgetLine
from budgetcitoyen.initiatives.workshops import WorkshopInput
from budgetcitoyen.money import euros_amount
from budgetcitoyen.reference.lookup import CommuneIndex, resolve_all, split_entries


class IdeaForm(BaseForm):
    """A short idea."""

    title = StringField("Titre de l'idée", validators=[DataRequired("Donnez un titre à votre idée."),
                                                       Length(max=150, message="Au plus 150 caractères.")])
    summary = TextAreaField(
        "Résumé",
        description=f"En quelques phrases : quoi, pour qui, où. {SUMMARY_MAX_LENGTH} caractères au plus.",
        validators=[DataRequired("Résumez votre idée en quelques phrases."),
                    Length(max=SUMMARY_MAX_LENGTH, message=f"Au plus {SUMMARY_MAX_LENGTH} caractères.")])
    territory_id = SelectField("Territoire", coerce=optional_int,
                               validators=[DataRequired("Choisissez un territoire.")])
    commune = StringField("Commune principale (facultatif)", description="Nom, code postal ou code INSEE.",
                          validators=[Length(max=120)],
                          render_kw={"list": "communes-connues", "autocomplete": "off"})
    submit = SubmitField("Déposer mon idée")

    def to_input(self) -> IdeaInput:
        """The idea as typed, for the use case."""
        return IdeaInput(self.title.data or "", self.summary.data or "", self.territory_id.data,
                         self.commune.data or "")


class BudgetLineForm(BaseForm):
    """One budget line (sub-form)."""

    class Meta:
        csrf = False

    account = SelectField("Compte", choices=[
        SelectChoice("", "—"), *(SelectChoice(code, label) for code, (_, label) in ACCOUNTS.items())])
    label = StringField("Libellé", validators=[Length(max=200, message="Au plus 200 caractères.")])
    amount = AmountField("Montant (€)", places=2, validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                                              message="Montant entre 0 et 10 000 000 €.")],
                          render_kw={"inputmode": "decimal"})
    funder = StringField("Financeur (subventions)",
                         validators=[Length(max=200, message="Au plus 200 caractères.")])
    is_departement = BooleanField("Demande à la collectivité")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_departement.label.text = f"Demande {naming().au}"

    def is_empty(self) -> bool:
        """An untouched row of the table."""
        return not (self.account.data or (self.label.data or "").strip() or self.amount.data is not None)

    def to_line(self) -> BudgetLine:
        """The row as a budget line (an amount left empty counts as zero)."""
        amount = euros_amount(self.amount.data) if self.amount.data is not None else Decimal("0")
        return BudgetLine(self.account.data or "", self.label.data or "", amount, self.funder.data or "",
                          bool(self.is_departement.data))


class DossierForm(BaseForm):
    """The full dossier; a draft may leave fields empty."""

    title = StringField("Titre de l'initiative",
                        validators=[DataRequired("Donnez un titre à votre initiative."),
                                    Length(max=150, message="Au plus 150 caractères.")])
    summary = TextAreaField("Résumé", description=f"{SUMMARY_MAX_LENGTH} caractères au plus.",
                            validators=[DataRequired("Résumez votre initiative en quelques phrases."),
                                        Length(max=SUMMARY_MAX_LENGTH,
                                               message=f"Au plus {SUMMARY_MAX_LENGTH} caractères.")])
    description = TextAreaField("Description de l'initiative", description="Mise en forme simple possible "
                                "(Markdown : **gras**, *italique*, listes avec « - »).",
                                validators=[Length(max=20000, message="Au plus 20 000 caractères.")])
    problem_addressed = TextAreaField("Problème ou besoin auquel l'initiative répond",
                                      validators=[Length(max=5000, message="Au plus 5 000 caractères.")])
    public_addressed = TextAreaField("Public concerné",
                                     validators=[Length(max=5000, message="Au plus 5 000 caractères.")])
    ess_practices = TextAreaField("Pratiques d'économie sociale et solidaire",
                                  description="Gouvernance, utilité sociale, coopération, ancrage "
                                  "territorial, lucrativité limitée, environnement…",
                                  validators=[Length(max=10000, message="Au plus 10 000 caractères.")])
    territory_id = SelectField("Territoire", coerce=optional_int, validators=[Optional()])
    communes = TextAreaField("Communes d'action",
                             description="Une commune par ligne (nom, code postal ou code INSEE).",
                             validators=[Length(max=5000)], render_kw={"rows": 3})
    structure_type_id = SelectField("Type de structure", coerce=optional_int, validators=[Optional()])
    structure_name = StringField("Nom de la structure",
                                 validators=[Length(max=200, message="Au plus 200 caractères.")])
    siret = StringField("Numéro SIRET", description="14 chiffres. Obligatoire pour une structure qui recevra "
                        "la subvention.", validators=[Length(max=20, message="Au plus 14 chiffres.")],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    structure_address = StringField("Adresse de la structure", validators=[Length(max=300)],
                                    render_kw={"autocomplete": "street-address"})
    contact_name = StringField("Nom et prénom du contact", validators=[Length(max=150)],
                               render_kw={"autocomplete": "name"})
    contact_email = EmailField("E-mail du contact", validators=[Optional(), Length(max=254),
                               Email("Indiquez une adresse e-mail valide.", check_deliverability=False)],
                               render_kw={"autocomplete": "email"})
    contact_phone = StringField("Téléphone du contact", validators=[Length(max=30)],
                                render_kw={"autocomplete": "tel", "inputmode": "tel"})
    category_id = SelectField("Catégorie demandée", coerce=optional_int, validators=[Optional()])
    amount_asked = AmountField("Montant demandé à la collectivité (€)", places=2, validators=[
        Optional(), NumberRange(min=0.01, max=10_000_000, message="Montant entre 0,01 et 10 000 000 €.")],
        render_kw={"inputmode": "decimal"})
    starts_on = DateField("Date de début", validators=[Optional()])
    duration_months = IntegerField("Durée (en mois)",
                                   validators=[Optional(), NumberRange(1, 36, "Entre 1 et 36 mois.")])
    budget = FieldList(FormField(BudgetLineForm), min_entries=0, max_entries=60)
    save = SubmitField("Enregistrer le brouillon")
    add_lines = SubmitField("Ajouter des lignes au budget")
    file_dossier = SubmitField("Déposer le dossier")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.amount_asked.label.text = f"Montant demandé {naming().au} (€)"

    def fill_from(self, initiative: Initiative, empty_rows: int) -> None:
        """Show the saved dossier, with `empty_rows` blank budget rows to fill."""
        data = _dossier_data(initiative)
        self.process(data=data)
        self.pad_budget(len(data["budget"]) + empty_rows)

    def pad_budget(self, rows: int) -> None:
        """Blank rows up to `rows` lines in the budget table (within its maximum)."""
        while len(self.budget.entries) < min(rows, self.budget.max_entries or 60):
            self.budget.append_entry()

    def to_input(self, communes: CommuneIndex) -> DossierInput:
        """The dossier as typed, for the use case: communes resolved (the unknown ones kept apart), blank
        budget rows left out, amounts to the cent, the contact e-mail in lower case."""
        codes, unresolved = resolve_all(communes, split_entries(self.communes.data or ""))
        ambiguous = {entry: communes.shared_postal_code(entry) for entry in unresolved}
        unknown = [entry for entry in unresolved if not ambiguous[entry]]
        amount = self.amount_asked.data
        return DossierInput(
            **{name: getattr(self, name).data or "" for name in _TEXTS},
            contact_email=(self.contact_email.data or "").strip().lower(),
            territory_id=self.territory_id.data, commune_codes=codes, unknown_communes=unknown,
            ambiguous_communes=[message for message in ambiguous.values() if message],
            structure_type_id=self.structure_type_id.data, category_id=self.category_id.data,
            amount_asked=euros_amount(amount) if amount is not None else None, starts_on=self.starts_on.data,
            duration_months=self.duration_months.data,
            budget=[entry.form.to_line() for entry in self.budget if not entry.form.is_empty()],
        )


# The dossier's free-text fields, read as typed ("" when left empty).
_TEXTS = ("title", "summary", "structure_name", "siret", "structure_address", "contact_name", "contact_phone",
          "description", "problem_addressed", "public_addressed", "ess_practices")


def _dossier_data(initiative: Initiative) -> dict[str, Any]:
    return {
        "title": initiative.title, "summary": initiative.summary, "description": initiative.description,
        "problem_addressed": initiative.problem_addressed, "public_addressed": initiative.public_addressed,
        "ess_practices": initiative.ess_practices, "territory_id": initiative.territory_id,
        # The idea's commune starts the list of communes of action.
        "communes": "\n".join(c.commune.name for c in initiative.action_communes)
        or (initiative.commune.name if initiative.commune else ""),
        "structure_type_id": initiative.structure_type_id, "structure_name": initiative.structure_name,
        "siret": initiative.siret, "structure_address": initiative.structure_address,
        "contact_name": initiative.contact_name, "contact_email": initiative.contact_email,
        "contact_phone": initiative.contact_phone, "category_id": initiative.category_id,
        "amount_asked": initiative.amount_asked, "starts_on": initiative.starts_on,
        "duration_months": initiative.duration_months,
        "budget": [{"account": b.account, "label": b.label, "amount": b.amount, "funder": b.funder,
                    "is_departement": b.is_departement} for b in initiative.budget_lines],
    }


class AttachmentForm(BaseForm):
    """Upload one attachment."""

    file = FileField("Pièce jointe (PDF, PNG ou JPEG, 10 Mo au plus)")
    submit = SubmitField("Joindre le fichier")


class PhotoForm(BaseForm):
    """Add, replace or describe the initiative's photo. The description's checks are the use case's
    (initiatives.images.check_alt_text), so the form and the service say the same."""

    photo = FileField(
        "Photo (JPEG ou PNG, 10 Mo au plus)",
        description="Au moins 480 pixels de large. Elle est redimensionnée et les informations cachées du "
                    "fichier (position GPS, appareil, date) sont retirées avant publication.")
    alt_text = StringField(
        "Description de la photo (texte alternatif)",
        validators=[Length(max=250, message="Au plus 250 caractères.")],
        description="Ce que montre la photo, en une phrase, pour les personnes qui ne la voient pas. "
                    "Par exemple : « Trois bénévoles réparent un vélo dans l'atelier ».")
    submit = SubmitField("Enregistrer la photo")


class ReasonForm(BaseForm):
    """A status change with its reason."""

    target = SelectField("Nouveau statut", validators=[DataRequired("Choisissez le nouveau statut.")])
    reason = TextAreaField("Motif", validators=[Length(max=1000, message="Au plus 1 000 caractères.")])
    reopen_until = DateField(
        "Réouvert jusqu'au (inclus)", validators=[Optional()],
        description="Seulement pour rendre un dossier au porteur : date limite des modifications.")
    submit = SubmitField("Changer le statut")


class WorkshopForm(BaseForm):
    """A comptoir, as the ESS service announces it."""

    territory_id = SelectField("Territoire", coerce=optional_int,
                               validators=[DataRequired("Choisissez un territoire.")])
    host_structure = StringField(
        "Structure d'accueil", validators=[DataRequired("Indiquez la structure d'accueil."), Length(max=200)])
    address = StringField("Adresse", validators=[DataRequired("Indiquez l'adresse."), Length(max=300)])
    day = DateField("Date", validators=[DataRequired("Indiquez la date.")])
    starts = TimeField("Heure de début", validators=[DataRequired("Indiquez l'heure de début.")])
    ends = TimeField("Heure de fin", validators=[DataRequired("Indiquez l'heure de fin.")])
    capacity = IntegerField("Nombre de places", validators=[DataRequired("Indiquez le nombre de places."),
                                                            NumberRange(1, 1000, "Entre 1 et 1000 places.")])
    submit = SubmitField("Enregistrer le comptoir")

    def fill_from(self, workshop: Workshop) -> None:
        """Show a saved comptoir (its times in the département's time)."""
        starts, ends = to_local(workshop.starts_at), to_local(workshop.ends_at)
        self.process(data={"territory_id": workshop.territory_id, "host_structure": workshop.host_structure,
                           "address": workshop.address, "day": starts.date(), "starts": starts.time(),
                           "ends": ends.time(), "capacity": workshop.capacity})

    def to_input(self) -> WorkshopInput:
        """The comptoir as typed, its day and times read in the département's time."""
        starts = datetime.combine(self.day.data, self.starts.data, tzinfo=local_zone())
        ends = datetime.combine(self.day.data, self.ends.data, tzinfo=local_zone())
        return WorkshopInput(self.territory_id.data, self.host_structure.data.strip(),
                             self.address.data.strip(),
                             starts, ends, self.capacity.data)
