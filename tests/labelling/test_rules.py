"""Aggregation arithmetic of the ESS radar (pure)."""

from fractions import Fraction as F

import pytest

from budgetcitoyen.labelling.rules import Aggregation, Axis, ScoreError, aggregate, check_sheet, fmt, suggest

AXES = (
    Axis(1, "Utilité sociale", F(2), (11, 12)),
    Axis(2, "Gouvernance démocratique", F(1), (21,)),
    Axis(3, "Ancrage territorial", F(1), (31, 32)),
)
# member -> question -> score
SHEETS = {
    7: {11: 4, 12: 3, 21: 2, 31: 3, 32: 3},
    8: {11: 3, 12: 3, 21: 0, 31: 2, 32: 4},
    9: {11: 4, 12: 4, 21: 1, 31: 1, 32: 1},
}


def test_mean_per_axis_spread_and_weighted_total() -> None:
    result = aggregate(AXES, SHEETS)
    social, governance, territory = result.axes
    # Member axis scores: social 3.5, 3, 4; governance 2, 0, 1; territory 3, 3, 1.
    assert social.value == F(7, 2) and social.minimum == F(3) and social.maximum == F(4)
    assert governance.value == F(1) and governance.spread == 2
    assert territory.value == F(7, 3) and territory.spread == 2
    assert social.stdev == pytest.approx(0.40824829)
    # (2 × 7/2 + 1 × 1 + 1 × 7/3) / 4 = 31/12
    assert result.total == F(31, 12)
    assert [r.axis.name for r in result.disagreements(2)] == [
        "Gouvernance démocratique",
        "Ancrage territorial",
    ]


def test_median_is_a_setting() -> None:
    result = aggregate(AXES, SHEETS, Aggregation.MEDIAN)
    assert [r.value for r in result.axes] == [F(7, 2), F(1), F(3)]


def test_recused_member_is_left_out() -> None:
    without_8 = {m: s for m, s in SHEETS.items() if m != 8}
    result = aggregate(AXES, without_8)
    assert result.members == (7, 9) and result.axes[1].value == F(3, 2)


def test_suggestion_threshold_and_zero_axis() -> None:
    result = aggregate(AXES, SHEETS)
    assert suggest(result, F(5, 2)).labelled  # 2.58 >= 2.5
    refused = suggest(result, F(3))
    assert not refused.labelled and refused.reasons == ("Total pondéré 2,58 / 4, sous le seuil de 3,00.",)
    zero = aggregate(AXES, {7: {**SHEETS[7], 21: 0}})
    assert not suggest(zero, F(1)).labelled
    assert suggest(zero, F(1), forbid_zero_axis=False).labelled
    assert not suggest(aggregate(AXES, {}), F(1)).labelled


@pytest.mark.parametrize(
    ("sheet", "complete", "message"),
    [
        ({11: 5}, False, "entier de 0 à 4"),
        ({11: -1}, False, "entier de 0 à 4"),
        ({11: 2.5}, False, "entier de 0 à 4"),
        ({11: True}, False, "entier de 0 à 4"),
        ({99: 2}, False, "Question inconnue"),
        ({11: 2}, True, "Notez toutes les questions"),
    ],
)
def test_bad_sheets(sheet: dict, complete: bool, message: str) -> None:
    with pytest.raises(ScoreError, match=message):
        check_sheet(AXES, sheet, complete=complete)


def test_french_format() -> None:
    assert fmt(F(31, 12)) == "2,58"
