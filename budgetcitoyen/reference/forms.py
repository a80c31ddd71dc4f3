"""Back-office form of the reference data: renaming a territory."""

from __future__ import annotations

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from budgetcitoyen.forms import BaseForm


class TerritoryForm(BaseForm):
    """Rename a territory."""

    name = StringField("Nom du territoire", validators=[DataRequired("Indiquez un nom."), Length(max=120)])
    submit = SubmitField("Renommer")
