"""The impact survey's pure rules: who is surveyed in a campaign, how long a link lives, and the figures
of the impact page, with the small groups kept back (no Flask, no database).

The figures follow the ESS service's own 2018–2021 evaluation: of the winners surveyed, how many answered,
and among the answers the share still active, with more volunteers, with more employees (headcount) and
with other funding. A group with fewer than MIN_ANSWERS answers is shown as « moins de 3 réponses »
rather than as percentages: with one or two answers a percentage would tell what one structure said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from budgetcitoyen.conventions.indicators import more

MIN_ANSWERS = 3
SMALL_GROUP = f"moins de {MIN_ANSWERS} réponses"
WITHHELD = "non détaillé : avec les petits groupes, il les révélerait"
# The link of a survey mail works for four months: time for the holder's next meeting, not for ever.
LINK_DAYS = 120
# The survey is about what became of an initiative: its convention must at least have been signed.
SURVEYED_STATUSES = ("signed", "paid", "report_received", "closed", "terminated")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_problem(year: int | None, today_year: int) -> str | None:
    """Why a campaign year is refused (None: accepted). A campaign surveys the editions before its year."""
    if year is None:
        return "Indiquez l'année de l'enquête."
    if not FIRST_YEAR <= year <= today_year + 1:
        return f"L'année de l'enquête doit être comprise entre {FIRST_YEAR} et {today_year + 1}."
    return None


class Answered(Protocol):
    """What the figures read of an answer (a stored survey answer, conventions.models.ImpactColumns)."""

    still_active: bool
    volunteers_before: int
    volunteers_after: int
    employees_before: int
    employees_after: int
    other_funding: bool


@dataclass(frozen=True)
class Response:
    """One surveyed winner, for the figures: its group and its answer (None when it has not answered)."""

    group: str
    answered: bool
    still_active: bool = False
    more_volunteers: bool = False
    more_employees: bool = False
    other_funding: bool = False

    @classmethod
    def of(cls, group: str, answer: Answered | None) -> Response:
        """From a stored answer, or None."""
        if answer is None:
            return cls(group, False)
        return cls(group, True, bool(answer.still_active),
                   more(answer.volunteers_before, answer.volunteers_after),
                   more(answer.employees_before, answer.employees_after), bool(answer.other_funding))


@dataclass(frozen=True)
class GroupFigures:
    """One line of the impact table. Shares are None for a small group (fewer than MIN_ANSWERS answers)."""

    label: str
    surveyed: int
    answers: int
    still_active: Decimal | None
    more_volunteers: Decimal | None
    more_employees: Decimal | None
    other_funding: Decimal | None

    # Enough answers, but kept back with a small group of the same table: shown, its shares and the
    # whole's would give the small group's away by subtraction.
    withheld: bool = False

    @property
    def small(self) -> bool:
        """Too few answers to show shares without telling what one structure said."""
        return self.answers < MIN_ANSWERS

    @property
    def shown(self) -> bool:
        """Its shares are published."""
        return not self.small and not self.withheld


def _share(count: int, whole: int) -> Decimal:
    """A share between 0 and 1, rounded to the whole percent (as the evaluation gives them)."""
    return (Decimal(count) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def figures(label: str, responses: Iterable[Response]) -> GroupFigures:
    """The figures of one group of surveyed winners."""
    rows = list(responses)
    answered = [r for r in rows if r.answered]
    if len(answered) < MIN_ANSWERS:
        return GroupFigures(label, len(rows), len(answered), None, None, None, None)
    n = len(answered)
    return GroupFigures(label, len(rows), n, _share(sum(r.still_active for r in answered), n),
                        _share(sum(r.more_volunteers for r in answered), n),
                        _share(sum(r.more_employees for r in answered), n),
                        _share(sum(r.other_funding for r in answered), n))


def by_group(responses: Iterable[Response], order: Iterable[str] = ()) -> list[GroupFigures]:
    """One line per group, in `order` first (then by label), groups without anyone surveyed left out.

    Secondary suppression: the whole is published, so when the small groups of a table hold together
    between 1 and MIN_ANSWERS - 1 answers, the shares of the other groups and of the whole would give
    theirs away; the shown group with the fewest answers is then withheld too, until the groups kept back
    hold at least MIN_ANSWERS answers."""
    groups: dict[str, list[Response]] = {}
    for response in responses:
        groups.setdefault(response.group, []).append(response)
    ranked = [label for label in order if label in groups]
    ranked += sorted(label for label in groups if label not in ranked)
    lines = [figures(label, groups[label]) for label in ranked]
    kept_back = sum(line.answers for line in lines if not line.shown)
    while 0 < kept_back < MIN_ANSWERS:
        shown = [line for line in lines if line.shown]
        if not shown:
            break
        fewest = min(shown, key=lambda line: (line.answers, line.label))
        lines[lines.index(fewest)] = replace(fewest, withheld=True)
        kept_back += fewest.answers
    return lines
