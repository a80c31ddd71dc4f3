"""Forms of the allocation page (close the vote early, compute, publish) and of the rule simulator."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.forms import BaseForm, select_choices


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


class SimulatorFileForm(BaseForm):
    """A Pabulib file whose ballots the rules are compared on (nothing is stored)."""

    pb_file = FileField("Fichier Pabulib (.pb, votes par approbation)",
                        validators=[FileRequired("Choisissez un fichier .pb.")])
    submit = SubmitField("Comparer les règles sur ce fichier")


class ChooseRuleForm(BaseForm):
    """The edition's rule, chosen after the comparison, with the reason kept in the journal."""

    rule = SelectField("Règle retenue pour l'édition",
                       choices=select_choices(((r.value, r.label) for r in AllocationRule), blank=None),
                       validators=[DataRequired("Choisissez une règle.")],
                       invalid_choice_message="Choisissez une des règles proposées.")
    reason = TextAreaField(
        "Motif du choix",
        validators=[DataRequired("Indiquez pourquoi cette règle est retenue."), Length(max=500)],
        description="Il est inscrit au journal des modifications avec la règle choisie.",
    )
    submit = SubmitField("Retenir cette règle")
