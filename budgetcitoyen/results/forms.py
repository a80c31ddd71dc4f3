"""Forms of the allocation page: close the vote early, compute, publish."""

from __future__ import annotations

from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from budgetcitoyen.forms import BaseForm


class CloseVoteForm(BaseForm):
    """End the vote now, before its planned end (an incident, a demonstration)."""

    reason = TextAreaField(
        "Motif de la clôture anticipée",
        validators=[DataRequired("Indiquez pourquoi le vote est clos avant la date prévue."),
                    Length(max=500)],
        description="Il est inscrit au journal des modifications.",
    )
    submit = SubmitField("Clore le vote maintenant")


class ComputeForm(BaseForm):
    """Compute (or compute again) the allocation; the form only carries the CSRF token."""

    submit = SubmitField("Calculer la répartition")


class PublishForm(BaseForm):
    """Publish once, for good: statuses, conventions, mails and files follow."""

    confirm = BooleanField(
        "Je confirme la publication : elle est définitive",
        validators=[DataRequired("Cochez la case pour confirmer la publication.")],
    )
    submit = SubmitField("Publier les résultats")
