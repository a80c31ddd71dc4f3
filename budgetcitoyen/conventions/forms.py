"""Forms of the follow-up: one per step of a convention, and the final report's upload."""

from __future__ import annotations

from typing import BinaryIO

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from budgetcitoyen.conventions import indicators
from budgetcitoyen.conventions.rules import DEFAULT_DURATION_MONTHS, MAX_AMOUNT, MAX_DURATION_MONTHS
from budgetcitoyen.forms import AmountField, BaseForm, select_choices

_AMOUNT_RANGE = NumberRange(min=0, max=MAX_AMOUNT, message="Montant entre 0 et 10 000 000 €.")


def _optional_int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class CreateForm(BaseForm):
    """A convention for a winner that has none yet (when the allocation did not create it)."""

    initiative_id = SelectField("Initiative lauréate", coerce=_optional_int,
                                validators=[DataRequired("Choisissez l'initiative lauréate.")])
    amount = AmountField("Montant accordé (€)", places=2,
                         validators=[InputRequired("Indiquez le montant accordé."), _AMOUNT_RANGE])
    submit = SubmitField("Créer la convention")


class SignForm(BaseForm):
    """The signature by both parties."""

    signed_on = DateField("Date de signature", validators=[InputRequired("Indiquez la date de signature.")])
    duration_months = IntegerField(
        "Durée (mois)", default=DEFAULT_DURATION_MONTHS,
        description=f"{DEFAULT_DURATION_MONTHS} mois à compter de la signature, sans reconduction tacite.",
        validators=[InputRequired("Indiquez la durée en mois."),
                    NumberRange(min=1, max=MAX_DURATION_MONTHS, message="La durée doit être comprise entre 1 "
                                f"et {MAX_DURATION_MONTHS} mois.")])
    submit = SubmitField("Enregistrer la signature")


class PaymentForm(BaseForm):
    """The payment, in one go at signature."""

    paid_on = DateField("Date du versement", validators=[InputRequired("Indiquez la date du versement.")])
    amount_paid = AmountField("Montant versé (€)", places=2,
                              validators=[InputRequired("Indiquez le montant versé."), _AMOUNT_RANGE])
    submit = SubmitField("Enregistrer le versement")


_YES_NO = select_choices((("oui", "Oui"), ("non", "Non")), blank=None)
_PEOPLE_RANGE = NumberRange(min=0, max=indicators.MAX_PEOPLE, message="Indiquez un nombre entier entre 0 et "
                            "100 000.")


def _yes_no(value: str | None) -> bool | None:
    return {"oui": True, "non": False}.get(value or "")


def _people(label: str, hint: str) -> IntegerField:
    # Required-ness is the use case's (conventions.indicators.problems): a paper report recorded by the
    # ESS service may come without its figures, a holder's may not.
    return IntegerField(label, description=hint, validators=[Optional(), _PEOPLE_RANGE],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ImpactFields(BaseForm):
    """The impact indicators, shared by the final report and the yearly survey of past winners
    (budgetcitoyen.impact); fields are named like conventions.indicators.Indicators."""

    still_active = RadioField("L'initiative est-elle toujours active ?", choices=_YES_NO,
                              validators=[Optional()], validate_choice=False)
    volunteers_before = _people("Bénévoles au début du projet",
                                "Nombre de personnes ; 0 s'il n'y en avait pas.")
    volunteers_after = _people("Bénévoles aujourd'hui", "Nombre de personnes ; 0 s'il n'y en a pas.")
    employees_before = _people("Salariés au début du projet",
                               "Nombre de personnes salariées, quel que soit leur temps de travail (pas en "
                               "équivalent temps plein) ; 0 s'il n'y en avait pas.")
    employees_after = _people("Salariés aujourd'hui",
                              "Nombre de personnes salariées, quel que soit leur temps de travail ; 0 s'il "
                              "n'y en a pas.")
    other_funding = RadioField("D'autres financements ont-ils été obtenus (subventions, fondations, "
                               "financement participatif, prêts…) ?", choices=_YES_NO,
                               validators=[Optional()], validate_choice=False)
    other_funding_amount = AmountField(
        "Montant total des autres financements (€, facultatif)", places=2, validators=[Optional()],
        description="Si d'autres financements ont été obtenus.")
    funders = TextAreaField("Financeurs (facultatif)", render_kw={"rows": 2},
                            description="Si d'autres financements ont été obtenus : qui, en quelques mots.",
                            validators=[Length(max=indicators.MAX_FUNDERS,
                                               message="Au plus 500 caractères.")])
    story = TextAreaField("Racontez ce que l'initiative est devenue (facultatif)", render_kw={"rows": 5},
                          validators=[Length(max=indicators.MAX_STORY, message="Au plus 4 000 caractères.")])
    story_public = BooleanField("J'accepte que ce récit soit publié sur la page « Impact » du site, avec le "
                                "nom de l'initiative")

    def answers(self) -> indicators.Indicators:
        """The answers as the use cases take them."""
        return indicators.Indicators(
            still_active=_yes_no(self.still_active.data), volunteers_before=self.volunteers_before.data,
            volunteers_after=self.volunteers_after.data, employees_before=self.employees_before.data,
            employees_after=self.employees_after.data, other_funding=_yes_no(self.other_funding.data),
            other_funding_amount=self.other_funding_amount.data, funders=self.funders.data or "",
            story=self.story.data or "", story_public=bool(self.story_public.data))


class ReportForm(ImpactFields):
    """The final report (bilan final d'exécution), with the initiative's impact indicators."""

    file = FileField("Bilan final d'exécution (PDF, PNG ou JPEG, 10 Mo au plus)")
    submit = SubmitField("Envoyer le bilan final")

    def upload(self) -> tuple[BinaryIO | None, str]:
        """The file sent and its name; (None, "") when none was chosen."""
        sent = self.file.data
        if sent is None or not getattr(sent, "filename", ""):
            return None, ""
        return sent.stream, sent.filename


class CloseForm(BaseForm):
    """Closing after the check of actual spending."""

    closed_on = DateField("Date de clôture", validators=[InputRequired("Indiquez la date de clôture.")])
    amount_to_repay = AmountField(
        "Montant à reverser (€)", places=2, description="Sommes non utilisées ou non justifiées ; 0 sinon.",
        validators=[Optional(), _AMOUNT_RANGE])
    note = TextAreaField("Note de clôture (facultatif)",
                         validators=[Length(max=2000, message="Au plus 2 000 caractères.")])
    submit = SubmitField("Solder la convention")


class TerminateForm(BaseForm):
    """Termination, with the sums to pay back."""

    terminated_on = DateField("Date de résiliation",
                              validators=[InputRequired("Indiquez la date de résiliation.")])
    reason = TextAreaField("Motif de la résiliation",
                           validators=[DataRequired("Indiquez le motif de la résiliation."),
                                       Length(max=2000, message="Au plus 2 000 caractères.")])
    amount_to_repay = AmountField(
        "Montant à reverser (€)", places=2, description="Entre 0 et le montant versé.",
        validators=[InputRequired("Indiquez le montant à reverser (0 si rien n'est réclamé)."),
                    _AMOUNT_RANGE])
    submit = SubmitField("Résilier la convention")
