"""The impact indicators a winner gives in its final report and, later, in the yearly survey of past
winners (budgetcitoyen.impact): still active, volunteers and employees before and after, other funding,
a story. Pure: plain values in, French messages out (no Flask, no database).

Employees are counted as a headcount (people on the payroll, whatever their working time), not in
full-time equivalents: that is what a small association knows without its accountant, and what the
département's own 2018–2021 evaluation asked ("more employees").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MAX_PEOPLE = 100_000
MAX_AMOUNT = Decimal("10000000")
MAX_FUNDERS = 500
MAX_STORY = 4000


@dataclass(frozen=True)
class Indicators:
    """What a winner says of its initiative, as typed (None: not answered)."""

    still_active: bool | None = None
    volunteers_before: int | None = None
    volunteers_after: int | None = None
    employees_before: int | None = None
    employees_after: int | None = None
    other_funding: bool | None = None
    other_funding_amount: Decimal | None = None
    funders: str = ""
    story: str = ""
    story_public: bool = False

    def is_blank(self) -> bool:
        """Nothing answered at all (a paper report recorded without its figures)."""
        return (all(value is None for value in (
            self.still_active, self.volunteers_before, self.volunteers_after, self.employees_before,
            self.employees_after, self.other_funding, self.other_funding_amount))
            and not self.funders.strip() and not self.story.strip())

    def cleaned(self) -> Indicators:
        """The same answers, trimmed; the amount and funders dropped without other funding, and the
        consent to publish dropped without a story (there is nothing to publish)."""
        story = self.story.strip()
        return Indicators(
            still_active=self.still_active, volunteers_before=self.volunteers_before,
            volunteers_after=self.volunteers_after, employees_before=self.employees_before,
            employees_after=self.employees_after, other_funding=self.other_funding,
            other_funding_amount=self.other_funding_amount if self.other_funding else None,
            funders=self.funders.strip() if self.other_funding else "", story=story,
            story_public=bool(story) and self.story_public)


_COUNTS = (
    ("volunteers_before", "Indiquez le nombre de bénévoles au début du projet (0 s'il n'y en avait pas)."),
    ("volunteers_after", "Indiquez le nombre de bénévoles aujourd'hui (0 s'il n'y en a pas)."),
    ("employees_before", "Indiquez le nombre de salariés au début du projet (0 s'il n'y en avait pas)."),
    ("employees_after", "Indiquez le nombre de salariés aujourd'hui (0 s'il n'y en a pas)."),
)


def problems(answers: Indicators) -> list[tuple[str, str]]:
    """Every (field, French message) wrong with the answers; empty when they can be saved."""
    found: list[tuple[str, str]] = []
    if answers.still_active is None:
        found.append(("still_active", "Indiquez si l'initiative est toujours active."))
    for name, missing in _COUNTS:
        value = getattr(answers, name)
        if value is None:
            found.append((name, missing))
        elif not 0 <= value <= MAX_PEOPLE:
            found.append((name, "Indiquez un nombre entier entre 0 et 100 000."))
    if answers.other_funding is None:
        found.append(("other_funding", "Indiquez si d'autres financements ont été obtenus."))
    amount = answers.other_funding_amount
    if amount is not None:
        if not amount.is_finite() or not 0 < amount <= MAX_AMOUNT:
            found.append(("other_funding_amount", "Le montant doit être compris entre 1 centime et "
                                                  "10 000 000 €."))
        elif answers.other_funding is False:
            found.append(("other_funding_amount", "Vous avez répondu qu'aucun autre financement n'a été "
                                                  "obtenu : laissez le montant vide."))
    if len(answers.funders.strip()) > MAX_FUNDERS:
        found.append(("funders", "Les financeurs tiennent en 500 caractères au plus."))
    elif answers.funders.strip() and answers.other_funding is False:
        found.append(("funders", "Vous avez répondu qu'aucun autre financement n'a été obtenu : laissez "
                                 "les financeurs vides."))
    if len(answers.story.strip()) > MAX_STORY:
        found.append(("story", "Le récit tient en 4 000 caractères au plus."))
    return found


def more(before: int | None, after: int | None) -> bool:
    """More people after than before (the evaluation's "more volunteers", "more employees")."""
    return before is not None and after is not None and after > before


def cleaned_or_problems(answers: Indicators) -> tuple[Indicators, list[tuple[str, str]]]:
    """The cleaned answers and what is wrong with them (nothing when they can be saved)."""
    return answers.cleaned(), problems(answers)
