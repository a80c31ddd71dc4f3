"""Rules of a ballot and of the vote's window (pure: they read the values given, never query)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from random import Random
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from budgetcitoyen.clock import local_zone
from budgetcitoyen.editions.rules import Phase, PhaseStatus, phase_status
from budgetcitoyen.errors import PhaseClosed
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.voting.eligibility import normalise_name

if TYPE_CHECKING:
    from budgetcitoyen.editions.models import Edition

# Initiatives a ballot may name: labelled by the committee, or already placed on the ballot.
BALLOT_STATUSES = (Status.LABELLED.value, Status.ON_BALLOT.value)


class InvalidBallot(ValueError):
    """A ballot that cannot be counted as sent; the message is French."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def validate_choices(
    raw_ids: Iterable[str], allowed: Collection[int], min_choices: int, max_choices: int
) -> list[int]:
    """The chosen initiative ids, checked: well-formed, each on this ballot, no repeat, within min..max.

    The form only offers valid choices; these checks stop tampered requests, so the messages stay
    plain rather than pointing at a field.
    """
    chosen: list[int] = []
    for raw in raw_ids:
        text = str(raw).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise InvalidBallot("Le bulletin contient un choix invalide. Rechargez la page et recommencez.")
        initiative_id = int(text)
        if initiative_id not in allowed:
            raise InvalidBallot(
                "Le bulletin contient une initiative qui n'est pas soumise au vote. "
                "Rechargez la page et recommencez."
            )
        if initiative_id in chosen:
            raise InvalidBallot("Une même initiative ne peut être choisie qu'une fois.")
        chosen.append(initiative_id)
    if min_choices == max_choices and len(chosen) != min_choices:
        raise InvalidBallot(
            f"Choisissez exactement {plural(min_choices, 'initiative')} "
            f"(vous en avez choisi {len(chosen)})."
        )
    if len(chosen) < min_choices:
        raise InvalidBallot(
            f"Choisissez au moins {plural(min_choices, 'initiative')} (vous en avez choisi {len(chosen)})."
        )
    if len(chosen) > max_choices:
        raise InvalidBallot(
            f"Choisissez au plus {plural(max_choices, 'initiative')} (vous en avez choisi {len(chosen)})."
        )
    return sorted(chosen)


def shuffled_for(seed: str, items: Sequence[int]) -> list[int]:
    """`items` in an order that is random per voter but the same each time they load the page.

    The order of the list shown to everyone otherwise favours the first entries (ballot order effect).
    """
    ordered = sorted(items)
    Random(seed).shuffle(ordered)
    return ordered


def last_vote_day(ends_at: datetime, zone: ZoneInfo) -> date:
    """The last local day of a window that ends (exclusive) at `ends_at`."""
    return (ends_at.astimezone(zone) - timedelta(microseconds=1)).date()


def ballot_is_public(edition: Edition) -> bool:
    """The ballot lists the published catalogue: nothing is on it before the ESS service publishes."""
    return edition.is_published and edition.catalogue_published


def vote_window_status(edition: Edition, now: datetime) -> PhaseStatus | None:
    """Upcoming, open or closed; None when the edition has no vote dates."""
    window = edition.window(Phase.VOTE)
    return phase_status(window, now) if window else None


def vote_calendar(edition: Edition, now: datetime) -> dict[str, Any]:
    """Where the vote stands, for the pages of the vote: its window, its status and its last local day."""
    window = edition.window(Phase.VOTE)
    return {
        "window": window,
        "vote_status": phase_status(window, now) if window else None,
        "last_day": last_vote_day(window.ends_at, local_zone()) if window else None,
    }


def vote_last_day(edition: Edition) -> date:
    """The last local day of the edition's vote: ages are reached on it; PhaseClosed without vote dates."""
    window = edition.window(Phase.VOTE)
    if window is None:
        raise PhaseClosed(f"Le vote de l'édition {edition.year} n'a pas de dates.")
    return last_vote_day(window.ends_at, local_zone())


def paper_entry_closed(edition: Edition, now: datetime) -> str | None:
    """Why paper ballots cannot be typed in at `now`, or None.

    Paper ballots arrive after the boxes are opened, so entry stays possible once the vote has
    closed, until the results period ends (or results are published); not before the vote opens.
    """
    window = edition.window(Phase.VOTE)
    if window is None:
        return ("Le vote de cette édition n'a pas de dates : "
                "la saisie des bulletins papier n'est pas possible.")
    if now < window.starts_at:
        return "La saisie des bulletins papier ouvrira avec le vote."
    results = edition.window(Phase.RESULTS)
    if results is not None and now >= results.ends_at:
        return "La période des résultats est close : les bulletins papier ne peuvent plus être saisis."
    return None


def names_the_person(reason: str, last_names: Iterable[str], emails: Iterable[str]) -> bool:
    """Whether a void reason names the person (a last name as a word, or an e-mail address): the
    reason is kept next to the choices in the ballots export, which must stay secret."""
    words = f" {normalise_name(reason)} "
    lowered = reason.casefold()
    if any(normalise_name(name) and f" {normalise_name(name)} " in words for name in last_names):
        return True
    return any(email.casefold() in lowered for email in emails)
