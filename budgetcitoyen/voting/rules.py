"""Rules of a ballot and of the vote's window (pure, no Flask)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo


class InvalidBallot(ValueError):
    """A ballot that cannot be counted as sent; the message is French."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def validate_choices(raw_ids: Iterable[str], allowed: Collection[int], min_choices: int, max_choices: int) -> list[int]:
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
                "Le bulletin contient une initiative qui n'est pas soumise au vote. Rechargez la page et recommencez."
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
