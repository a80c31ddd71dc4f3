"""Labelling forms: a member's score sheet and interest, the back office's assignment, interest,
questionnaire and decision forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from budgetcitoyen.editions.models import Axis, Category
from budgetcitoyen.forms import AmountField, BaseForm, select_choices
from budgetcitoyen.french import euros
from budgetcitoyen.labelling.rules import MAX_SCORE, MIN_SCORE
from budgetcitoyen.labelling.services import AxisEdit


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _dossier_field(label: str) -> SelectField:
    return SelectField(label, coerce=_optional_int, validators=[DataRequired("Choisissez un dossier.")],
                       invalid_choice_message="Choisissez un dossier de la liste.")


def _member_field(label: str) -> SelectField:
    return SelectField(label, coerce=_optional_int,
                       validators=[DataRequired("Choisissez un membre du comité.")],
                       invalid_choice_message="Choisissez un membre de la liste.")


# --- A member's forms ----------------------------------------------------------------------------


class SheetForm(BaseForm):
    """The score sheet's comment and buttons; the scores themselves are radio groups named q-<question id>."""

    comment = TextAreaField("Commentaire pour le comité",
                            validators=[Length(max=5000, message="Au plus 5 000 caractères.")])
    save = SubmitField("Enregistrer le brouillon")
    submit_sheet = SubmitField("Soumettre mon évaluation")


def read_sheet(formdata: Mapping[str, str], question_ids: Iterable[int]) -> tuple[dict[int, int], list[str]]:
    """The scores typed on the sheet (question id -> score) and the problems found, each said once."""
    sheet: dict[int, int] = {}
    problems: list[str] = []
    allowed = {str(level) for level in range(MIN_SCORE, MAX_SCORE + 1)}
    for question_id in question_ids:
        raw = formdata.get(f"q-{question_id}", "")
        if raw == "":
            continue
        if raw not in allowed:
            problems.append("Chaque note doit être un nombre entier de 0 à 4.")
            continue
        sheet[question_id] = int(raw)
    return sheet, list(dict.fromkeys(problems))


class InterestForm(BaseForm):
    """Declare an interest in a dossier (a member for themselves; RecordInterestForm in the back office)."""

    note = TextAreaField("Nature du lien (facultatif)",
                         validators=[Length(max=500, message="Au plus 500 caractères.")])
    submit = SubmitField("Je déclare un intérêt pour ce dossier")


# --- The back office's forms -------------------------------------------------------------------


class AssignForm(BaseForm):
    """Give a dossier to a member by hand."""

    initiative_id = _dossier_field("Dossier")
    member_id = _member_field("Membre du comité")
    submit = SubmitField("Confier le dossier")


class RecordInterestForm(InterestForm):
    """Record a member's interest in a dossier on their behalf."""

    initiative_id = _dossier_field("Dossier concerné")
    member_id = _member_field("Membre ayant un intérêt")
    submit = SubmitField("Enregistrer l'intérêt")


def assignment_forms(dossiers: list[tuple[int, str]], members: list[tuple[int, str]],
                     ) -> tuple[AssignForm, RecordInterestForm]:
    """Both forms of the progress page: the edition's reviewable dossiers and its committee to choose from."""
    assign_form, interest_form = AssignForm(prefix="affecter"), RecordInterestForm(prefix="interet")
    for form in (assign_form, interest_form):
        form.initiative_id.choices = select_choices(dossiers)
        form.member_id.choices = select_choices(members)
    return assign_form, interest_form


class DecisionForm(BaseForm):
    """The committee's outcome, as the ESS service records it."""

    labelled = RadioField("Décision du comité", choices=select_choices(
        (("yes", "Labellisée"), ("no", "Non labellisée")), blank=None),
        validators=[InputRequired("Indiquez si l'initiative est labellisée ou non.")],
        invalid_choice_message="Indiquez si l'initiative est labellisée ou non.")
    category_id = SelectField("Catégorie de labellisation", coerce=_optional_int, validators=[Optional()],
                              description="Obligatoire si l'initiative est labellisée.",
                              invalid_choice_message="Choisissez une catégorie de la liste.")
    motivation = TextAreaField("Motivation de la décision", render_kw={"rows": 5},
                               description="Elle est communiquée au porteur de l'initiative.",
                               validators=[DataRequired("Indiquez la motivation de la décision."),
                                           Length(max=1000, message="Au plus 1 000 caractères.")])
    # Shown only when no sheet is submitted: the decision then needs this explicit confirmation.
    without_evaluations = BooleanField("Je confirme cette décision sans évaluation soumise par le comité")
    submit = SubmitField("Enregistrer la décision")


def decision_form(categories: Iterable[Category]) -> DecisionForm:
    """The decision form, offering the edition's categories with their ceilings."""
    form = DecisionForm()
    form.category_id.choices = select_choices((c.id, f"{c.name} (plafond {euros(c.ceiling)})")
                                              for c in categories)
    return form


# --- The questionnaire ------------------------------------------------------------------------


def questionnaire_form(axes: list[Axis], *, filled: bool = False) -> BaseForm:
    """One name and one weight per axis, one text per question (fields built from the edition's
    questionnaire); `filled`: showing the questionnaire as it stands rather than what was posted."""

    class QuestionnaireForm(BaseForm):
        submit = SubmitField("Enregistrer le questionnaire")

    for number, axis in enumerate(axes, start=1):
        setattr(QuestionnaireForm, f"axis_{axis.id}_name", StringField(
            f"Axe {number} : nom", validators=[DataRequired("Chaque axe doit avoir un nom."),
                                              Length(max=120, message="Au plus 120 caractères.")]))
        setattr(QuestionnaireForm, f"axis_{axis.id}_weight", AmountField(
            f"Axe {number} : poids", places=2, description="De 0,1 à 10 ; 1 par défaut.",
            render_kw={"inputmode": "decimal"},
            validators=[InputRequired("Indiquez le poids de l'axe."),
                        NumberRange(min=Decimal("0.1"), max=Decimal("10"),
                                    message="Le poids d'un axe doit être compris entre 0,1 et 10.")]))
        for index, question in enumerate(axis.questions, start=1):
            setattr(QuestionnaireForm, f"question_{question.id}", TextAreaField(
                f"Axe {number} : question {index}", render_kw={"rows": 2},
                validators=[DataRequired("Chaque question doit avoir un texte."),
                            Length(max=300, message="Au plus 300 caractères.")]))
    form = QuestionnaireForm()
    if filled:
        data: dict[str, Any] = {}
        for axis in axes:
            data.update({f"axis_{axis.id}_name": axis.name, f"axis_{axis.id}_weight": axis.weight})
            data.update({f"question_{q.id}": q.text for q in axis.questions})
        form.process(data=data)
    return form


def axis_edits(form: BaseForm, axes: list[Axis]) -> list[AxisEdit]:
    """What the admin typed, axis by axis."""
    return [AxisEdit(axis.id, form[f"axis_{axis.id}_name"].data.strip(),
                     form[f"axis_{axis.id}_weight"].data.quantize(Decimal("0.01")),
                     {q.id: form[f"question_{q.id}"].data.strip() for q in axis.questions}) for axis in axes]


class AxisAddForm(BaseForm):
    """A new axis and its first question."""

    name = StringField("Nom du nouvel axe",
                       validators=[DataRequired("Indiquez le nom de l'axe."), Length(max=120)])
    question = StringField("Première question",
                           validators=[DataRequired("Indiquez une question."), Length(max=300)])
    submit = SubmitField("Ajouter l'axe")


class QuestionAddForm(BaseForm):
    """A new question on an axis."""

    axis_id = SelectField("Axe")
    text = StringField("Question",
                       validators=[DataRequired("Indiquez le texte de la question."), Length(max=300)])
    submit = SubmitField("Ajouter la question")


def question_add_form(axes: list[Axis]) -> QuestionAddForm:
    """The form adding a question, offering the edition's axes."""
    form = QuestionAddForm()
    form.axis_id.choices = select_choices(((a.id, a.name) for a in axes), blank=None)
    return form
