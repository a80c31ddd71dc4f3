"""Forms of the follow-up: one per step of a convention, and the final report's upload."""

from __future__ import annotations

from typing import BinaryIO

from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from budgetcitoyen.conventions.rules import DEFAULT_DURATION_MONTHS, MAX_AMOUNT, MAX_DURATION_MONTHS
from budgetcitoyen.forms import AmountField, BaseForm

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


class ReportForm(BaseForm):
    """The final report (bilan final d'exécution)."""

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
