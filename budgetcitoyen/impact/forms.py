"""The survey's answer form (the final report's indicators, conventions.forms.ImpactFields) and the Mission
ESS's send form."""

from __future__ import annotations

from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired

from budgetcitoyen.conventions.forms import ImpactFields
from budgetcitoyen.forms import BaseForm


class SurveyForm(ImpactFields):
    """A past winner's answer, through its signed link."""

    submit = SubmitField("Envoyer mes réponses")


class SendForm(BaseForm):
    """Send a year's survey to the winners of the editions before it."""

    year = IntegerField("Année de l'enquête", description="Les lauréats des éditions antérieures à cette "
                        "année sont interrogés ; ceux déjà interrogés pour cette année ne le sont pas deux "
                        "fois.", validators=[InputRequired("Indiquez l'année de l'enquête.")],
                        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    submit = SubmitField("Envoyer l'enquête")
