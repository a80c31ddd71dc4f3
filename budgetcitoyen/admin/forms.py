"""Back-office forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from budgetcitoyen.accounts.models import COLLEGE_LABELS, ROLE_LABELS, Role
from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.editions.models import BALLOT_SCOPE_LABELS
from budgetcitoyen.editions.rules import PHASE_LABELS, Phase
from budgetcitoyen.forms import AmountField, BaseForm
from budgetcitoyen.voting.models import PAPER_CLASH_LABELS, PaperClashPolicy


def _choices(labels: dict) -> list[SelectChoice]:  # type: ignore[type-arg]
    return [SelectChoice(str(value), label) for value, label in labels.items()]


def _money(label: str, required: bool = True, description: str = "") -> AmountField:
    validators = [InputRequired(f"Indiquez : {label.lower()}.")] if required else [Optional()]
    return AmountField(
        label, places=2, description=description,
        validators=[*validators, NumberRange(min=0, max=999_999_999, message="Montant entre 0 et 999 999 999 €.")],
        render_kw={"inputmode": "decimal"},
    )


class EditionForm(BaseForm):
    """Settings and budget line of an edition."""

    year = IntegerField("Année", validators=[InputRequired("Indiquez l'année."),
                                             NumberRange(2000, 2200, "Année entre 2000 et 2200.")])
    title = StringField("Titre", validators=[DataRequired("Indiquez un titre."),
                                             Length(max=200, message="Au plus 200 caractères.")])
    envelope = _money("Enveloppe ESS (€)", description="Montant réservé aux initiatives citoyennes.")
    operation_code = StringField("Code opération", validators=[Length(max=40)],
                                 description="Par exemple C01-650A01.")
    imputation = StringField("Imputation budgétaire", validators=[Length(max=40)], description="Par exemple 6568//9365.")
    budget_label = StringField("Libellé de la ligne", validators=[Length(max=120)], description="Par exemple Mission ESS.")
    payment_credits = _money("Crédits de paiement (CP) de l'année (€)", required=False)
    credits_available = _money(
        "Disponible sur la ligne avant les propositions (€)", required=False,
        description="Première colonne « Disponible » du rapport à la Commission permanente. Vide : tout le CP.")
    voting_min_age = IntegerField("Âge minimal pour voter", validators=[InputRequired("Indiquez l'âge minimal."),
                                                                     NumberRange(0, 120, "Entre 0 et 120 ans.")])
    min_choices = IntegerField("Nombre minimal de choix par bulletin",
                               validators=[InputRequired("Indiquez un nombre."), NumberRange(1, 50, "Entre 1 et 50.")])
    max_choices = IntegerField("Nombre maximal de choix par bulletin",
                               validators=[InputRequired("Indiquez un nombre."), NumberRange(1, 50, "Entre 1 et 50.")])
    ballot_scope = SelectField("Périmètre du bulletin", choices=_choices(BALLOT_SCOPE_LABELS))
    paper_clash_policy = SelectField(
        "Si une personne vote en ligne et sur papier", choices=_choices(PAPER_CLASH_LABELS),
        default=PaperClashPolicy.ONLINE_WINS.value,
        invalid_choice_message="Choisissez une des règles proposées.",
        description="Le bulletin qui n'est pas retenu est annulé, avec son motif, dans le journal.")
    allocation_rule = SelectField("Règle de répartition de l'enveloppe",
                                  choices=_choices({rule: rule.label for rule in AllocationRule}))
    vote_threshold = IntegerField(
        "Nombre minimal de voix pour être financé", default=0,
        validators=[InputRequired("Indiquez un nombre (0 : pas de minimum)."), NumberRange(0, 10_000_000, "Au moins 0.")],
        description="0 : pas de minimum.")
    mes_utility = SelectField(
        "Méthode des parts égales : satisfaction mesurée", default="cost",
        choices=_choices({"cost": "En euros (coût des projets soutenus)", "card": "En nombre de projets soutenus"}),
        description="Ne sert qu'avec la méthode des parts égales.")
    reviewers_per_dossier = IntegerField("Évaluateurs par dossier", validators=[
        InputRequired("Indiquez un nombre."), NumberRange(1, 20, "Entre 1 et 20.")])
    score_aggregation = SelectField("Agrégation des notes par axe", choices=_choices(
        {"mean": "Moyenne des membres", "median": "Médiane des membres"}))
    label_threshold = AmountField("Seuil de labellisation suggéré (total pondéré sur 4)", places=2, validators=[
        InputRequired("Indiquez un seuil."), NumberRange(min=0, max=4, message="Entre 0 et 4.")])
    forbid_zero_axis = BooleanField("Ne pas suggérer le label si un axe est à 0")
    disagreement_spread = IntegerField("Écart signalant un désaccord à débattre (points)", validators=[
        InputRequired("Indiquez un écart."), NumberRange(1, 4, "Entre 1 et 4.")])
    is_published = BooleanField("Publier l'édition sur le site public")
    catalogue_published = BooleanField(
        "Publier le catalogue des initiatives labellisées",
        description="Les initiatives labellisées deviennent visibles sur /initiatives et dans les données ouvertes.")
    submit = SubmitField("Enregistrer")


class PhaseDatesForm(BaseForm):
    """First and last day of one phase (sub-form)."""

    class Meta:
        csrf = False

    first = DateField("Premier jour", validators=[InputRequired("Indiquez le premier jour.")])
    last = DateField("Dernier jour", validators=[InputRequired("Indiquez le dernier jour.")])


class CalendarForm(BaseForm):
    """The six phases' dates (whole days, Paris time)."""

    submit = SubmitField("Enregistrer le calendrier")


for _phase in Phase:
    setattr(CalendarForm, _phase.value, FormField(PhaseDatesForm, label=PHASE_LABELS[_phase]))


class CategoryForm(BaseForm):
    """One category (sub-form)."""

    class Meta:
        csrf = False

    category_id = HiddenField()
    name = StringField("Nom", validators=[DataRequired("Indiquez un nom."), Length(max=120)])
    ceiling = _money("Plafond de subvention (€)")
    sub_envelope = _money(
        "Sous-enveloppe de la catégorie (€)", required=False,
        description="Total que les lauréats de cette catégorie ne peuvent dépasser ensemble. Vide : pas de sous-enveloppe.")
    description = TextAreaField("Description", validators=[Length(max=500, message="Au plus 500 caractères.")])


class CategoriesForm(BaseForm):
    """The categories of an edition."""

    categories = FieldList(FormField(CategoryForm), min_entries=0)
    submit = SubmitField("Enregistrer les catégories")


class CommitteeAddForm(BaseForm):
    """Seat someone on the committee."""

    email = EmailField("Adresse e-mail du compte", validators=[DataRequired("Indiquez une adresse e-mail."),
                                                               Length(max=254)])
    college = SelectField("Collège", choices=_choices(COLLEGE_LABELS))
    submit = SubmitField("Ajouter au comité")


class RolesForm(BaseForm):
    """Global roles of one account."""

    holder = BooleanField(ROLE_LABELS[Role.HOLDER])
    agent = BooleanField(ROLE_LABELS[Role.AGENT])
    admin = BooleanField(ROLE_LABELS[Role.ADMIN])
    submit = SubmitField("Enregistrer les rôles")


class TerritoryForm(BaseForm):
    """Rename a territory."""

    name = StringField("Nom du territoire", validators=[DataRequired("Indiquez un nom."), Length(max=120)])
    submit = SubmitField("Renommer")
