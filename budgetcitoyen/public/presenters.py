"""What the public pages say about the campaign now: the phase as people see it, its last day, what comes
next and the one thing to do, all taken from the edition's calendar (never a month written in a
template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from budgetcitoyen.clock import to_local
from budgetcitoyen.editions.dates import INSTANT, calendar_rows, dates_of
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import PHASE_LABELS, Phase, next_phase_after, public_phase
from budgetcitoyen.french import long_date
from budgetcitoyen.results import services as results


@dataclass(frozen=True)
class Action:
    """The call to action of a phase: a button's text, where it leads, and a line saying why now."""

    label: str
    endpoint: str
    values: dict[str, Any]
    lead: str


def _action(edition: Edition, phase: Phase | None, last_day: date | None, published: bool,
            upcoming_label: str | None, upcoming_first: date | None) -> Action:
    until = f" jusqu'au {long_date(last_day)} inclus" if last_day else ""
    if phase is Phase.IDEAS:
        return Action("Déposer une idée", "initiatives.new_idea", {},
                      f"Les idées sont reçues{until} : déposez la vôtre et inscrivez-vous à un comptoir.")
    if phase is Phase.DOSSIERS:
        return Action("Déposer mon dossier", "dashboards.holder", {},
                      f"Les dossiers sont reçus{until}, depuis votre espace porteur.")
    if phase is Phase.LABELLING:
        lead = "Le comité de labellisation étudie les dossiers"
        if upcoming_first:
            lead += f" ; le vote ouvre le {long_date(upcoming_first)}"
        endpoint = "catalogue.index" if edition.catalogue_published else "public.how_it_works"
        label = "Découvrir les initiatives" if edition.catalogue_published else "Comment ça marche"
        return Action(label, endpoint, {}, lead + ".")
    if phase is Phase.VOTE:
        return Action("Voter", "voting.ballot", {}, f"Le vote est ouvert{until}.")
    if phase is Phase.RESULTS:
        if published:
            return Action("Voir les résultats", "results.show", {"year": edition.year},
                          "Les résultats sont publiés : découvrez les initiatives lauréates.")
        return Action("Les résultats", "results.show", {"year": edition.year},
                      "Le vote est clos ; les résultats seront publiés prochainement.")
    if phase is Phase.FOLLOW_UP:
        return Action("Suivre les lauréates", "results.show", {"year": edition.year},
                      "Les initiatives lauréates signent leur convention et se réalisent.")
    lead = "Aucune étape n'est en cours"
    if upcoming_label and upcoming_first:
        lead += f" ; prochaine étape : {upcoming_label.lower()}, le {long_date(upcoming_first)}"
    return Action("Comment ça marche", "public.how_it_works", {}, lead + ".")


def campaign_now(session: Session, edition: Edition, now: datetime) -> dict[str, Any]:
    """The phase shown, its label and last day, the next phase, the call to action and the calendar rows,
    with the vote's and results' dates for the texts that mention them."""
    result = results.result_of(session, edition)
    published_at = result.published_at if result is not None else None
    windows = edition.windows()
    phase = public_phase(windows, now, published_at)
    dates = dates_of(edition)
    window = edition.window(phase) if phase is not None else None
    # The last day people can act on (inclusive: the window ends at midnight after it); none for
    # results published ahead of their window.
    last_day = (to_local(window.ends_at) - INSTANT).date() if window and window.is_open(now) else None
    upcoming = next_phase_after(windows, now, phase)
    upcoming_first = dates[upcoming.phase][0] if upcoming else None
    upcoming_label = PHASE_LABELS[upcoming.phase] if upcoming else None
    return {
        "phase": phase,
        "phase_label": PHASE_LABELS[phase] if phase else None,
        "phase_last_day": last_day,
        "upcoming_label": upcoming_label,
        "upcoming_first": upcoming_first,
        "results_published": published_at is not None,
        "action": _action(edition, phase, last_day, published_at is not None, upcoming_label, upcoming_first),
        "rows": calendar_rows(edition, now, published_at),
        "vote_dates": dates.get(Phase.VOTE),
        "results_dates": dates.get(Phase.RESULTS),
        "results_published_on": published_at,
    }
