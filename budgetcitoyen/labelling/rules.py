"""Pure score aggregation: per-axis aggregate of submitted scores, spread, weighted total, suggestion.

Exact arithmetic (fractions) so that a threshold comparison never flips on a rounding error.
No Flask, no database: plain values in, plain values out.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

MIN_SCORE, MAX_SCORE = 0, 4
# A radar needs three spokes; an axis is the mean of at most four questions.
MIN_AXES, MAX_QUESTIONS_PER_AXIS = 3, 4


class Aggregation(enum.StrEnum):
    """How members' axis scores are combined."""

    MEAN = "mean"
    MEDIAN = "median"


@dataclass(frozen=True)
class Axis:
    """An ESS marker of the questionnaire: its questions and its weight in the total."""

    key: int
    name: str
    weight: Fraction
    question_keys: tuple[int, ...]


@dataclass(frozen=True)
class AxisResult:
    """One axis: the aggregate and how far apart the members are."""

    axis: Axis
    value: Fraction
    minimum: Fraction
    maximum: Fraction
    stdev: float
    member_values: Mapping[int, Fraction]

    @property
    def spread(self) -> Fraction:
        """Maximum minus minimum of the members' axis scores."""
        return self.maximum - self.minimum


@dataclass(frozen=True)
class Aggregate:
    """The committee's view of a dossier."""

    axes: tuple[AxisResult, ...]
    total: Fraction | None  # weighted mean of the axes, on the 0–4 scale
    members: tuple[int, ...]

    def disagreements(self, spread: int) -> list[AxisResult]:
        """Axes where members are at least `spread` points apart: the committee discusses them."""
        return [result for result in self.axes if result.spread >= spread]


@dataclass(frozen=True)
class Suggestion:
    """The outcome the scores suggest, with the reasons in French."""

    labelled: bool
    reasons: tuple[str, ...]


class ScoreError(ValueError):
    """A score sheet that cannot be used; the message is French."""


def check_sheet(axes: Sequence[Axis], sheet: Mapping[int, int], *, complete: bool) -> None:
    """Scores must be integers from 0 to 4 for known questions; a submitted sheet answers every question."""
    known = {q for axis in axes for q in axis.question_keys}
    for question, value in sheet.items():
        if question not in known:
            raise ScoreError("Question inconnue dans ce questionnaire.")
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
            raise ScoreError(f"Chaque note doit être un nombre entier de {MIN_SCORE} à {MAX_SCORE}.")
    if complete and set(sheet) != known:
        missing = len(known - set(sheet))
        raise ScoreError(f"Notez toutes les questions avant de soumettre ({missing} sans note).")


def member_axis_score(axis: Axis, sheet: Mapping[int, int]) -> Fraction:
    """A member's score on an axis: the mean of their answers to its questions."""
    values = [sheet[q] for q in axis.question_keys]
    return Fraction(sum(values), len(values))


def aggregate(axes: Sequence[Axis], sheets: Mapping[int, Mapping[int, int]],
              method: Aggregation = Aggregation.MEAN) -> Aggregate:
    """Combine the submitted sheets (member -> question -> score); recused members are simply not passed
    in."""
    for sheet in sheets.values():
        check_sheet(axes, sheet, complete=True)
    members = tuple(sorted(sheets))
    if not members:
        empty = tuple(AxisResult(axis, Fraction(0), Fraction(0), Fraction(0), 0.0, {}) for axis in axes)
        return Aggregate(empty, None, ())
    results = []
    for axis in axes:
        per_member = {m: member_axis_score(axis, sheets[m]) for m in members}
        values = list(per_member.values())
        value = (Fraction(sum(values), len(values)) if method is Aggregation.MEAN
                 else Fraction(statistics.median(values)))
        results.append(AxisResult(axis, value, min(values), max(values),
                                  float(statistics.pstdev(values)) if len(values) > 1 else 0.0, per_member))
    total_weight = sum((axis.weight for axis in axes), Fraction(0))
    total = (sum((r.value * r.axis.weight for r in results), Fraction(0)) / total_weight
             if total_weight > 0 else None)
    return Aggregate(tuple(results), total, members)


def suggest(result: Aggregate, threshold: Fraction, *, forbid_zero_axis: bool = True,
            minimum_members: int = 1) -> Suggestion:
    """Labelled when the weighted total reaches the threshold and, if required, no axis is at 0."""
    reasons: list[str] = []
    if len(result.members) < minimum_members or result.total is None:
        return Suggestion(False, (f"Il faut au moins {minimum_members} évaluation(s) soumise(s).",))
    if result.total < threshold:
        reasons.append(f"Total pondéré {fmt(result.total)} / 4, sous le seuil de {fmt(threshold)}.")
    if forbid_zero_axis:
        zeros = [r.axis.name for r in result.axes if r.value == 0]
        if zeros:
            reasons.append("Axe à 0 : " + ", ".join(zeros) + ".")
    if reasons:
        return Suggestion(False, tuple(reasons))
    return Suggestion(True, (f"Total pondéré {fmt(result.total)} / 4, au moins égal au seuil de "
                             f"{fmt(threshold)}.",))


def fmt(value: Fraction | float) -> str:
    """Two decimals, French comma: 2,67."""
    return f"{float(value):.2f}".replace(".", ",")
