"""Back-office forms of an edition: settings and budget line, calendar, categories, committee seats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from budgetcitoyen.accounts.models import COLLEGE_LABELS
from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.config import naming
from budgetcitoyen.editions.models import (
    BALLOT_SCOPE_LABELS,
    IDENTITY_POLICY_LABELS,
    PAPER_CLASH_LABELS,
    BallotScope,
    IdentityPolicy,
    PaperClashPolicy,
)
from budgetcitoyen.editions.rules import PHASE_LABELS, Phase
from budgetcitoyen.editions.services import CategoryInput, EditionInput
from budgetcitoyen.forms import AmountField, BaseForm, select_choices
from budgetcitoyen.money import euros_amount


def _choices(labels: dict[Any, str]) -> Any:
    return select_choices(labels.items(), blank=None)


def _money(label: str, required: bool = True, description: str = "") -> AmountField:
    validators = [InputRequired(f"Indiquez : {label.lower()}.")] if required else [Optional()]
    return AmountField(
        label, places=2, description=description,
        validators=[*validators,
                    NumberRange(min=0, max=999_999_999, message="Montant entre 0 et 999 999 999 €.")],
        render_kw={"inputmode": "decimal"},
    )


def _amount(value: Decimal | None) -> Decimal | None:
    return euros_amount(value) if value is not None else None


def _number(message: str, low: int, high: int, out_of_range: str) -> list[Any]:
    return [InputRequired(message), NumberRange(low, high, out_of_range)]


class EditionForm(BaseForm):
    """Settings and budget line of an edition."""

    year = IntegerField("Année", validators=_number(
        "Indiquez l'année.", 2000, 2200, "Année entre 2000 et 2200."))
    title = StringField("Titre", validators=[DataRequired("Indiquez un titre."),
                                             Length(max=200, message="Au plus 200 caractères.")])
    envelope = _money("Enveloppe ESS (€)", description="Montant réservé aux initiatives citoyennes.")
    operation_code = StringField("Code opération", validators=[Length(max=40)],
                                 description="Par exemple C01-650A01.")
    imputation = StringField("Imputation budgétaire", validators=[Length(max=40)],
                             description="Par exemple 6568//9365.")
    budget_label = StringField("Libellé de la ligne", validators=[Length(max=120)],
                               description="Par exemple le nom du service.")
    payment_credits = _money("Crédits de paiement (CP) de l'année (€)", required=False)
    credits_available = _money(
        "Disponible sur la ligne avant les propositions (€)", required=False,
        description="Première colonne « Disponible » du rapport à la Commission permanente. "
                    "Vide : tout le CP.")
    voting_min_age = IntegerField("Âge minimal pour voter", validators=_number(
        "Indiquez l'âge minimal.", 0, 120, "Entre 0 et 120 ans."))
    min_choices = IntegerField("Nombre minimal de choix par bulletin",
                               validators=_number("Indiquez un nombre.", 1, 50, "Entre 1 et 50."))
    max_choices = IntegerField("Nombre maximal de choix par bulletin",
                               validators=_number("Indiquez un nombre.", 1, 50, "Entre 1 et 50."))
    ballot_scope = SelectField("Périmètre du bulletin", choices=_choices(BALLOT_SCOPE_LABELS))
    paper_clash_policy = SelectField(
        "Si une personne vote en ligne et sur papier", choices=_choices(PAPER_CLASH_LABELS),
        default=PaperClashPolicy.ONLINE_WINS.value,
        invalid_choice_message="Choisissez une des règles proposées.",
        description="Le bulletin qui n'est pas retenu est annulé, avec son motif, dans le journal.")
    identity_policy = SelectField(
        "Identité des votants", choices=_choices(IDENTITY_POLICY_LABELS), default=IdentityPolicy.EITHER.value,
        invalid_choice_message="Choisissez une des règles proposées.",
        description="Une identité vérifiée (FranceConnect) ne peut voter qu'une fois, quel que soit le "
                    "compte. « Vérifiée obligatoire » exige un fournisseur d'identité configuré.")
    allocation_rule = SelectField("Règle de répartition de l'enveloppe",
                                  choices=_choices({rule: rule.label for rule in AllocationRule}))
    vote_threshold = IntegerField(
        "Nombre minimal de voix pour être financé", default=0,
        validators=_number("Indiquez un nombre (0 : pas de minimum).", 0, 10_000_000, "Au moins 0."),
        description="0 : pas de minimum.")
    mes_utility = SelectField(
        "Méthode des parts égales : satisfaction mesurée", default="cost",
        choices=_choices({"cost": "En euros (coût des projets soutenus)",
                          "card": "En nombre de projets soutenus"}),
        description="Ne sert qu'avec la méthode des parts égales.")
    reviewers_per_dossier = IntegerField("Évaluateurs par dossier", validators=_number(
        "Indiquez un nombre.", 1, 20, "Entre 1 et 20."))
    score_aggregation = SelectField("Agrégation des notes par axe", choices=_choices(
        {"mean": "Moyenne des membres", "median": "Médiane des membres"}))
    label_threshold = AmountField(
        "Seuil de labellisation suggéré (total pondéré sur 4)", places=2,
        validators=[InputRequired("Indiquez un seuil."), NumberRange(min=0, max=4, message="Entre 0 et 4.")])
    forbid_zero_axis = BooleanField("Ne pas suggérer le label si un axe est à 0")
    disagreement_spread = IntegerField("Écart signalant un désaccord à débattre (points)", validators=_number(
        "Indiquez un écart.", 1, 4, "Entre 1 et 4."))
    is_published = BooleanField("Publier l'édition sur le site public")
    catalogue_published = BooleanField(
        "Publier le catalogue des initiatives labellisées",
        description="Les initiatives labellisées deviennent visibles sur /initiatives et dans les "
                    "données ouvertes.")
    submit = SubmitField("Enregistrer")

    def validate_identity_policy(self, field: SelectField) -> None:
        if field.data != IdentityPolicy.VERIFIED.value:
            return
        config = current_app.config
        if not all(config.get(k) for k in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")):
            # Nobody could vote: no provider to verify anyone with.
            raise ValidationError("Aucun fournisseur d'identité n'est configuré (BUDGETCITOYEN_OIDC_*) : "
                                  "personne ne pourrait voter avec une identité vérifiée obligatoire.")

    @staticmethod
    def usual(year: int) -> dict[str, Any]:
        """What the form proposes for a new edition of `year`."""
        return {
            "year": year, "title": f"Budget citoyen {year}", "envelope": Decimal("400000"),
            "operation_code": "C01-650A01", "imputation": "6568//9365", "budget_label": naming().service.noun,
            "voting_min_age": 11, "min_choices": 3, "max_choices": 3,
            "ballot_scope": BallotScope.DEPARTMENT.value, "allocation_rule": AllocationRule.GREEDY.value,
            "vote_threshold": 0, "mes_utility": "cost",
            "paper_clash_policy": PaperClashPolicy.ONLINE_WINS.value,
            "identity_policy": IdentityPolicy.EITHER.value,
            "reviewers_per_dossier": 3, "score_aggregation": "mean", "label_threshold": Decimal("2.50"),
            "forbid_zero_axis": True, "disagreement_spread": 2,
        }

    def to_input(self) -> EditionInput:
        """The settings typed, for the use case."""
        return EditionInput(
            title=self.title.data.strip(),
            envelope=euros_amount(self.envelope.data),
            operation_code=(self.operation_code.data or "").strip(),
            imputation=(self.imputation.data or "").strip(),
            budget_label=(self.budget_label.data or "").strip(),
            payment_credits=_amount(self.payment_credits.data),
            credits_available=_amount(self.credits_available.data),
            voting_min_age=self.voting_min_age.data,
            min_choices=self.min_choices.data,
            max_choices=self.max_choices.data,
            ballot_scope=BallotScope(self.ballot_scope.data),
            paper_clash_policy=PaperClashPolicy(self.paper_clash_policy.data),
            identity_policy=IdentityPolicy(self.identity_policy.data),
            allocation_rule=AllocationRule(self.allocation_rule.data),
            vote_threshold=self.vote_threshold.data,
            mes_utility=self.mes_utility.data,
            is_published=bool(self.is_published.data),
            catalogue_published=bool(self.catalogue_published.data),
            reviewers_per_dossier=self.reviewers_per_dossier.data,
            score_aggregation=self.score_aggregation.data,
            label_threshold=euros_amount(self.label_threshold.data),
            forbid_zero_axis=bool(self.forbid_zero_axis.data),
            disagreement_spread=self.disagreement_spread.data,
        )


class PhaseDatesForm(BaseForm):
    """First and last day of one phase (sub-form)."""

    class Meta:
        csrf = False

    first = DateField("Premier jour", validators=[InputRequired("Indiquez le premier jour.")])
    last = DateField("Dernier jour", validators=[InputRequired("Indiquez le dernier jour.")])


class CalendarForm(BaseForm):
    """The six phases' dates (whole days, Paris time)."""

    submit = SubmitField("Enregistrer le calendrier")

    def fill(self, dates: dict[Phase, tuple[Any, Any]]) -> None:
        """Show the edition's current dates."""
        self.process(data={p.value: {"first": d[0], "last": d[1]} for p, d in dates.items()})

    def to_dates(self) -> dict[Phase, tuple[Any, Any]]:
        """The dates typed, phase by phase."""
        return {p: (getattr(self, p.value).first.data, getattr(self, p.value).last.data) for p in Phase}


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
        description="Total que les initiatives lauréates de cette catégorie ne peuvent dépasser ensemble. "
                    "Vide : pas de sous-enveloppe.")
    description = TextAreaField("Description",
                                validators=[Length(max=500, message="Au plus 500 caractères.")])


class CategoriesForm(BaseForm):
    """The categories of an edition."""

    categories = FieldList(FormField(CategoryForm), min_entries=0)
    submit = SubmitField("Enregistrer les catégories")

    def fill(self, categories: list[Any]) -> None:
        """Show the edition's categories."""
        self.process(data={"categories": [
            {"category_id": c.id, "name": c.name, "ceiling": c.ceiling, "sub_envelope": c.sub_envelope,
             "description": c.description}
            for c in categories
        ]})

    def to_changes(self) -> list[CategoryInput]:
        """The categories as typed; ValueError or TypeError when a hidden id was tampered with."""
        return [
            CategoryInput(int(entry.category_id.data), entry.form.name.data.strip(),
                          euros_amount(entry.form.ceiling.data), entry.form.description.data or "",
                          _amount(entry.form.sub_envelope.data))
            for entry in self.categories
        ]


class CommitteeAddForm(BaseForm):
    """Seat someone on the committee."""

    email = EmailField("Adresse e-mail du compte", validators=[DataRequired("Indiquez une adresse e-mail."),
                                                               Length(max=254)])
    college = SelectField("Collège", choices=_choices(COLLEGE_LABELS))
    submit = SubmitField("Ajouter au comité")
