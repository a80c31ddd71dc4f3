"""The impact figures: shares among the answers, small groups kept back, groups in order."""

from __future__ import annotations

from decimal import Decimal

from budgetcitoyen.impact import rules
from budgetcitoyen.impact.rules import Response


def r(group: str, *flags: bool) -> Response:
    return Response(group, True, *flags) if flags else Response(group, False)


def test_shares_are_of_the_answers_not_of_the_surveyed() -> None:
    rows = [r("A", True, True, False, True), r("A", True, False, False, True),
            r("A", False, True, True, True), r("A", True, True, True, False), r("A"), r("A")]
    g = rules.figures("A", rows)
    assert (g.surveyed, g.answers, g.small) == (6, 4, False)
    assert (g.still_active, g.more_volunteers, g.more_employees, g.other_funding) == (
        Decimal("0.75"), Decimal("0.75"), Decimal("0.50"), Decimal("0.75"))


def test_the_evaluation_2018_2021_rounds_as_published() -> None:
    # 56 answers out of 172: 47 still active is 84 %, 34 with more volunteers 61 %, 28 more employees 50 %,
    # 51 with other funding 91 % — the département's own figures.
    answers = [r("x", i < 47, i < 34, i < 28, i < 51) for i in range(56)] + [r("x")] * 116
    g = rules.figures("x", answers)
    assert (g.surveyed, g.answers) == (172, 56)
    assert [g.still_active, g.more_volunteers, g.more_employees, g.other_funding] == [
        Decimal("0.84"), Decimal("0.61"), Decimal("0.50"), Decimal("0.91")]


def test_small_groups_show_no_share() -> None:
    two = rules.figures("B", [r("B", True, True, True, True), r("B", False, False, False, False), r("B")])
    assert two.small and two.answers == 2 and two.surveyed == 3
    assert (two.still_active, two.more_volunteers, two.more_employees, two.other_funding) == (None,) * 4
    three = rules.figures("C", [r("C", True, False, False, False)] * 3)
    assert not three.small and three.still_active == Decimal("1.00")
    none = rules.figures("D", [r("D")])
    assert none.small and none.answers == 0
    assert rules.SMALL_GROUP == "moins de 3 réponses"


def test_groups_in_the_order_given_then_by_label() -> None:
    rows = [r("Ternois"), r("Artois"), r("Calaisis"), r("Artois")]
    assert [g.label for g in rules.by_group(rows, ["Calaisis"])] == ["Calaisis", "Artois", "Ternois"]
    assert [g.surveyed for g in rules.by_group(rows)] == [2, 1, 1]


def test_campaign_year() -> None:
    assert rules.year_problem(None, 2026) == "Indiquez l'année de l'enquête."
    assert rules.year_problem(2027, 2026) is None and rules.year_problem(2026, 2026) is None
    assert "comprise entre 2000 et 2027" in (rules.year_problem(2028, 2026) or "")


def test_a_small_group_is_not_given_away_by_subtraction() -> None:
    yes, no = (True, True, True, True), (False, False, False, False)
    rows = [r("A", *yes)] * 5 + [r("B", *yes)] * 3 + [r("B", *no)] + [r("C", *no)]
    lines = {g.label: g for g in rules.by_group(rows)}
    # C's single answer would be the whole minus A and B: B, the smaller shown group, is withheld too.
    assert lines["C"].small and not lines["C"].shown
    assert lines["B"].withheld and not lines["B"].small and not lines["B"].shown
    assert lines["A"].shown and lines["A"].still_active == Decimal("1.00")
    # Small groups holding three answers or more together need nothing more.
    rows = [r("A", *yes)] * 5 + [r("B", *no)] * 2 + [r("C", *no)] * 2
    assert [g.shown for g in rules.by_group(rows)] == [True, False, False]
    assert not any(g.withheld for g in rules.by_group(rows))
