"""What the impact pages show: the figures as table rows with their shares in French, and the chart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from budgetcitoyen.french import percent
from budgetcitoyen.impact import rules, services
from budgetcitoyen.impact.services import CampaignFigures
from budgetcitoyen.results import charts
from budgetcitoyen.web import id_param

INDICATORS = (
    ("still_active", "Toujours actives"),
    ("more_volunteers", "Avec plus de bénévoles"),
    ("more_employees", "Avec plus de salariés"),
    ("other_funding", "Avec d'autres financements"),
)


def cells(group: rules.GroupFigures) -> list[str]:
    """The four shares of a line, « 84 % », or nothing for a small group (its line says why)."""
    if not group.shown:
        return []
    return [percent(getattr(group, name), 0) for name, _ in INDICATORS]


def chart_spec(figures: CampaignFigures) -> charts.ChartSpec | None:
    """The four shares of every answer as bars, in whole percents; None when the answers are too few."""
    overall = figures.overall
    if overall.small:
        return None
    shares = [getattr(overall, name) or Decimal(0) for name, _ in INDICATORS]
    parts = " ; ".join(f"{label.lower()} : {percent(share, 0)}" for (_, label), share in zip(
        INDICATORS, shares, strict=True))
    description = (f"Diagramme en barres horizontales des réponses à l'enquête {figures.campaign.year} : "
                   f"{overall.answers} réponses sur {overall.surveyed} lauréats interrogés ; {parts}. "
                   "Les mêmes chiffres sont dans le tableau qui suit.")
    return charts.ChartSpec(
        kind="bars", title=f"Ce que sont devenues les initiatives (enquête {figures.campaign.year})",
        description=description, labels=tuple(label for _, label in INDICATORS),
        values=tuple(str(int((share * 100).to_integral_value())) for share in shares),
        axis_label="Part des réponses (%)", value_suffix="\u202f%")


def chosen(session: Session, raw_year: str | None) -> tuple[CampaignFigures | None, list[Any]] | None:
    """The figures of the campaign of the year asked (?enquete=YEAR), else of the latest one (None when
    there is no campaign yet), with every campaign; None when the year asked has no campaign (404)."""
    year = id_param(raw_year)
    if raw_year and year is None:
        return None
    campaign = services.campaign_of(session, year)
    if year is not None and campaign is None:
        return None
    figures = services.campaign_figures(session, campaign) if campaign is not None else None
    return figures, services.campaigns(session)


def page(figures: CampaignFigures | None, campaigns: list[Any]) -> dict[str, Any]:
    """The context of the impact page (public and admin)."""
    return {"figures": figures, "campaigns": campaigns, "cells": cells, "indicators": INDICATORS,
            "small_group": rules.SMALL_GROUP, "withheld": rules.WITHHELD, "min_answers": rules.MIN_ANSWERS,
            "has_chart": figures is not None and not figures.overall.small}
