"""Forms of the holder's space: idea, dossier with its budget, attachment."""

from __future__ import annotations

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

from budgetcitoyen.forms import AmountField, BaseForm
from budgetcitoyen.initiatives.rules import ACCOUNTS, SUMMARY_MAX_LENGTH


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class IdeaForm(BaseForm):
    """A short idea."""

    title = StringField("Titre de l'idée", validators=[DataRequired("Donnez un titre à votre idée."),
                                                       Length(max=150, message="Au plus 150 caractères.")])
    summary = TextAreaField(
        "Résumé", description=f"En quelques phrases : quoi, pour qui, où. {SUMMARY_MAX_LENGTH} caractères au plus.",
        validators=[DataRequired("Résumez votre idée en quelques phrases."),
                    Length(max=SUMMARY_MAX_LENGTH, message=f"Au plus {SUMMARY_MAX_LENGTH} caractères.")])
    territory_id = SelectField("Territoire", coerce=_optional_int,
                               validators=[DataRequired("Choisissez un territoire.")])
    commune = StringField("Commune principale (facultatif)", description="Nom, code postal ou code INSEE.",
                          validators=[Length(max=120)], render_kw={"list": "communes-62", "autocomplete": "off"})
    submit = SubmitField("Déposer mon idée")


class BudgetLineForm(BaseForm):
    """One budget line (sub-form)."""

    class Meta:
        csrf = False

    account = SelectField("Compte", choices=[SelectChoice("", "—"), *(SelectChoice(code, label)
                                                                    for code, (_, label) in ACCOUNTS.items())])
    label = StringField("Libellé", validators=[Length(max=200, message="Au plus 200 caractères.")])
    amount = AmountField("Montant (€)", places=2, validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                                              message="Montant entre 0 et 10 000 000 €.")],
                          render_kw={"inputmode": "decimal"})
    funder = StringField("Financeur (subventions)", validators=[Length(max=200, message="Au plus 200 caractères.")])
    is_departement = BooleanField("Demande au Département")


class DossierForm(BaseForm):
    """The full dossier; a draft may leave fields empty."""

    title = StringField("Titre de l'initiative", validators=[DataRequired("Donnez un titre à votre initiative."),
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
    public_addressed = TextAreaField("Public concerné", validators=[Length(max=5000, message="Au plus 5 000 caractères.")])
    ess_practices = TextAreaField("Pratiques d'économie sociale et solidaire",
                                  description="Gouvernance, utilité sociale, coopération, ancrage territorial, "
                                  "lucrativité limitée, environnement…",
                                  validators=[Length(max=10000, message="Au plus 10 000 caractères.")])
    territory_id = SelectField("Territoire", coerce=_optional_int, validators=[Optional()])
    communes = TextAreaField("Communes d'action", description="Une commune par ligne (nom, code postal ou code "
                             "INSEE).", validators=[Length(max=5000)], render_kw={"rows": 3})
    structure_type_id = SelectField("Type de structure", coerce=_optional_int, validators=[Optional()])
    structure_name = StringField("Nom de la structure", validators=[Length(max=200, message="Au plus 200 caractères.")])
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
    category_id = SelectField("Catégorie demandée", coerce=_optional_int, validators=[Optional()])
    amount_asked = AmountField("Montant demandé au Département (€)", places=2, validators=[
        Optional(), NumberRange(min=0.01, max=10_000_000, message="Montant entre 0,01 et 10 000 000 €.")],
        render_kw={"inputmode": "decimal"})
    starts_on = DateField("Date de début", validators=[Optional()])
    duration_months = IntegerField("Durée (en mois)", validators=[Optional(), NumberRange(1, 36, "Entre 1 et 36 mois.")])
    budget = FieldList(FormField(BudgetLineForm), min_entries=0, max_entries=60)
    save = SubmitField("Enregistrer le brouillon")
    add_lines = SubmitField("Ajouter des lignes au budget")
    file_dossier = SubmitField("Déposer le dossier")


class AttachmentForm(BaseForm):
    """Upload one attachment."""

    file = FileField("Pièce jointe (PDF, PNG ou JPEG, 10 Mo au plus)")
    submit = SubmitField("Joindre le fichier")


class ReasonForm(BaseForm):
    """A status change with its reason."""

    target = SelectField("Nouveau statut", validators=[DataRequired("Choisissez le nouveau statut.")])
    reason = TextAreaField("Motif", validators=[Length(max=1000, message="Au plus 1 000 caractères.")])
    reopen_until = DateField("Réouvert jusqu'au (inclus)", validators=[Optional()],
                             description="Seulement pour rendre un dossier au porteur : date limite des modifications.")
    submit = SubmitField("Changer le statut")


class WorkshopForm(BaseForm):
    """A comptoir, as the Mission ESS announces it."""

    territory_id = SelectField("Territoire", coerce=_optional_int, validators=[DataRequired("Choisissez un territoire.")])
    host_structure = StringField("Structure d'accueil", validators=[DataRequired("Indiquez la structure d'accueil."),
                                                                    Length(max=200)])
    address = StringField("Adresse", validators=[DataRequired("Indiquez l'adresse."), Length(max=300)])
    day = DateField("Date", validators=[DataRequired("Indiquez la date.")])
    starts = TimeField("Heure de début", validators=[DataRequired("Indiquez l'heure de début.")])
    ends = TimeField("Heure de fin", validators=[DataRequired("Indiquez l'heure de fin.")])
    capacity = IntegerField("Nombre de places", validators=[DataRequired("Indiquez le nombre de places."),
                                                            NumberRange(1, 1000, "Entre 1 et 1000 places.")])
    submit = SubmitField("Enregistrer le comptoir")
