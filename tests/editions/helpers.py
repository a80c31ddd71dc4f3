"""What the edition back-office tests share: a valid settings form, a calendar form."""

from __future__ import annotations

EDITION_FORM = {
    "year": "2027",
    "title": "Budget citoyen 2027",
    "envelope": "450000",
    "operation_code": "C01-650A01",
    "imputation": "6568//9365",
    "budget_label": "Mission ESS",
    "payment_credits": "",
    "voting_min_age": "11",
    "min_choices": "3",
    "max_choices": "3",
    "ballot_scope": "department",
    "allocation_rule": "greedy",
    "vote_threshold": "0",
    "mes_utility": "cost",
    "is_published": "y",
    "reviewers_per_dossier": "3",
    "score_aggregation": "mean",
    "label_threshold": "2.5",
    "forbid_zero_axis": "y",
    "disagreement_spread": "2",
}


def calendar_form(edition_year: int, **overrides: tuple[str, str]) -> dict[str, str]:
    y = edition_year
    dates = {
        "ideas": (f"{y}-01-15", f"{y}-04-05"),
        "dossiers": (f"{y}-03-01", f"{y}-05-31"),
        "labelling": (f"{y}-07-01", f"{y}-08-31"),
        "vote": (f"{y}-09-01", f"{y}-09-30"),
        "results": (f"{y}-11-01", f"{y}-11-30"),
        "follow_up": (f"{y}-12-01", f"{y + 2}-12-31"),
    }
    dates.update(overrides)
    form = {}
    for phase, (first, last) in dates.items():
        form[f"{phase}-first"], form[f"{phase}-last"] = first, last
    return form
