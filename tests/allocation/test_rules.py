"""The allocation rules on small hand-made instances whose outcome is worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budgetcitoyen.allocation import (
    AllocationError,
    Ballots,
    Project,
    allocate,
    greedy,
    mes,
    mes_raw,
    territorial,
)
from budgetcitoyen.allocation.french import NARROW_NBSP, NBSP, amount


def plain(text: str) -> str:
    """French typography uses (narrow) no-break spaces; compare with ordinary ones."""
    return text.replace(NARROW_NBSP, " ").replace(NBSP, " ")


def explanations(outcome) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d.project_id: plain(d.explanation) for d in outcome.decisions}


def test_french_amounts_use_no_break_spaces() -> None:
    assert amount(Decimal(12000)) == f"12{NARROW_NBSP}000{NBSP}€"
    assert amount(Decimal("4500.5")) == f"4{NARROW_NBSP}500,50{NBSP}€"
    assert amount(Decimal("1234567.891")) == f"1{NARROW_NBSP}234{NARROW_NBSP}567,89{NBSP}€"
    assert amount(0) == f"0{NBSP}€"
    assert amount(Decimal(838000), "PLN") == f"838{NARROW_NBSP}000{NBSP}PLN"


# -- greedy -----------------------------------------------------------------------------------


def test_greedy_skips_what_no_longer_fits_and_goes_on() -> None:
    projects = [
        Project("A", 6000, 50),
        Project("B", 5000, 40),
        Project("C", 4000, 30),
        Project("D", 1000, 20),
    ]
    outcome = greedy(projects, 10000)
    assert outcome.selected == ("A", "C")
    assert (outcome.spent, outcome.remaining) == (Decimal(10000), Decimal(0))
    assert outcome.granted == {"A": Decimal(6000), "C": Decimal(4000)}
    assert explanations(outcome) == {
        "A": "Financé : 1er en voix (50 voix) ; 6 000 € accordés, 4 000 € restants.",
        "B": "Non financé : 2e en voix (40 voix) ; 5 000 € demandés, il ne restait que 4 000 €.",
        "C": "Financé : 3e en voix (30 voix) ; 4 000 € accordés, 0 € restants.",
        "D": "Non financé : 4e en voix (20 voix) ; 1 000 € demandés, il ne restait que 0 €.",
    }
    decision = outcome.decision("C")
    assert (decision.funded, decision.rank, decision.position, decision.reason) == (True, 3, 2, "funded")
    assert outcome.decision("B").position is None and outcome.decision("B").granted == 0


def test_greedy_funds_everyone_when_the_envelope_allows() -> None:
    projects = [Project("A", Decimal("1500.50"), 3), Project("B", 2000, 9), Project("C", 0, 1)]
    outcome = greedy(projects, 5000)
    assert outcome.selected == ("B", "A", "C")
    assert outcome.spent == Decimal("3500.50") and outcome.remaining == Decimal("1499.50")
    assert (
        explanations(outcome)["A"]
        == "Financé : 2e en voix (3 voix) ; 1 500,50 € accordés, 1 499,50 € restants."
    )


def test_a_project_larger_than_the_envelope_is_never_funded() -> None:
    outcome = greedy([Project("big", 500000, 900), Project("small", 3000, 10)], 352000)
    assert outcome.selected == ("small",)
    big = outcome.decision("big")
    assert big.reason == "exceeds_envelope"
    assert (
        plain(big.explanation)
        == "Non financé : 500 000 € demandés, plus que l'enveloppe entière (352 000 €)."
    )


def test_zero_vote_projects_are_funded_last_when_there_is_no_threshold() -> None:
    projects = [Project("A", 100, 0), Project("B", 100, 2), Project("C", 100, 0)]
    assert greedy(projects, 250).selected == ("B", "A")
    assert greedy(projects, 250, threshold=1).selected == ("B",)


def test_threshold_as_lodz() -> None:
    projects = [Project("G1", 8500, 868), Project("G2", 50000, 99), Project("G3", 1000, 100)]
    outcome = greedy(projects, 838000, threshold=100)
    assert outcome.selected == ("G1", "G3")
    assert outcome.decision("G2").reason == "below_threshold"
    assert plain(outcome.decision("G2").explanation) == "Non financé : 99 voix, sous le seuil de 100 voix."


def test_edition_ties_go_to_the_lower_amount_then_the_earlier_filing_then_the_id() -> None:
    cheaper = [Project("P1", 5000, 10), Project("P2", 4000, 10)]
    assert greedy(cheaper, 5000).selected == ("P2",)
    earlier = [Project("P1", 5000, 10, filed_order=2), Project("P2", 5000, 10, filed_order=1)]
    assert greedy(earlier, 5000).selected == ("P2",)
    unfiled_last = [Project("P1", 5000, 10), Project("P2", 5000, 10, filed_order=7)]
    assert greedy(unfiled_last, 5000).selected == ("P2",)
    # Ids compare as strings: "10" comes before "9".
    by_id = [Project("9", 5000, 10), Project("10", 5000, 10)]
    outcome = greedy(by_id, 5000)
    assert outcome.selected == ("10",)
    assert [outcome.decision(i).rank for i in ("10", "9")] == [1, 2]


def test_id_tie_break_ignores_cost_as_pabutools() -> None:
    projects = [Project("b", 1000, 10), Project("a", 5000, 10)]
    assert greedy(projects, 5000, tie_break="id").selected == ("a",)
    assert greedy(projects, 5000).selected == ("b",)


def test_category_ceiling_caps_the_amount_granted() -> None:
    projects = [Project("A", 6000, 10, category="pratique"), Project("B", 3000, 5, category="innovation")]
    outcome = greedy(projects, 10000, ceilings={"pratique": Decimal(4500), "coopération": 20000})
    assert outcome.granted == {"A": Decimal(4500), "B": Decimal(3000)}
    a = outcome.decision("A")
    assert (a.asked, a.granted) == (Decimal(6000), Decimal(4500))
    assert plain(a.explanation) == (
        "Financé : 1er en voix (10 voix) ; 4 500 € accordés (demande de 6 000 € "
        "plafonnée pour la catégorie « pratique »), 5 500 € restants."
    )
    # Capped, it fits where its full amount would not.
    assert greedy(projects, 4500, ceilings={"pratique": 4500}).selected == ("A",)
    assert greedy(projects, 4500).selected == ("B",)


def test_sub_envelope_must_hold_the_project_as_well_as_the_envelope() -> None:
    projects = [
        Project("J1", 3000, 90, category="jeunes"),
        Project("J2", 3000, 80, category="jeunes"),
        Project("O", 4000, 70, category="autre"),
    ]
    outcome = greedy(projects, 20000, sub_envelopes={"jeunes": 5000})
    assert outcome.selected == ("J1", "O")
    assert outcome.sub_envelopes_remaining == {"jeunes": Decimal(2000)}
    assert outcome.remaining == Decimal(13000)
    assert outcome.decision("J2").reason == "no_room_sub_envelope"
    assert explanations(outcome) == {
        "J1": "Financé : 1er en voix (90 voix) ; 3 000 € accordés, 17 000 € restants ; "
        "2 000 € restants dans la sous-enveloppe « jeunes ».",
        "J2": "Non financé : 2e en voix (80 voix) ; 3 000 € demandés, il ne restait que 2 000 € "
        "dans la sous-enveloppe « jeunes ».",
        "O": "Financé : 3e en voix (70 voix) ; 4 000 € accordés, 13 000 € restants.",
    }
    # The global envelope still binds projects of a sub-envelope category.
    assert greedy(projects, 2000, sub_envelopes={"jeunes": 5000}).selected == ()


# -- territorial equity -------------------------------------------------------------------------


def test_territorial_brings_in_each_territory_best_project_first() -> None:
    projects = [
        Project("A", 5000, 100, territory="Artois"),
        Project("B", 5000, 90, territory="Artois"),
        Project("C", 4000, 10, territory="Ternois"),
        Project("D", 3000, 5, territory="Calaisis"),
    ]
    assert greedy(projects, 10000).selected == ("A", "B")
    outcome = territorial(projects, 10000, territories=["Artois", "Ternois", "Calaisis", "Boulonnais"])
    assert outcome.selected == ("A", "C")
    assert outcome.notes == (f"Territoire «{NBSP}Boulonnais{NBSP}» : aucun projet éligible, ignoré.",)
    assert explanations(outcome) == {
        "A": "Financé comme meilleur projet du territoire « Artois » : 1er en voix (100 voix) ; "
        "5 000 € accordés, 5 000 € restants.",
        "B": "Non financé : 2e en voix (90 voix) ; 5 000 € demandés, il ne restait que 1 000 €.",
        "C": "Financé comme meilleur projet du territoire « Ternois » : 3e en voix (10 voix) ; "
        "4 000 € accordés, 1 000 € restants.",
        # Calaisis' best project did not fit: the greedy pass looked at it again, in its rank.
        "D": "Non financé : 4e en voix (5 voix) ; 3 000 € demandés, il ne restait que 1 000 €.",
    }


def test_territorial_default_territories_and_greedy_on_the_rest() -> None:
    projects = [
        Project("A", 1000, 9, territory="T1"),
        Project("B", 1000, 8, territory="T1"),
        Project("C", 1000, 1, territory="T2"),
        Project("D", 1000, 7),
    ]
    outcome = territorial(projects, 3000)
    assert outcome.selected == ("A", "C", "B")
    assert outcome.notes == ()
    assert outcome.decision("B").reason == "funded" and outcome.decision("C").reason == "funded_territory"


def test_territorial_champions_must_reach_the_threshold() -> None:
    projects = [Project("A", 1000, 9, territory="T1"), Project("C", 1000, 1, territory="T2")]
    outcome = territorial(projects, 3000, threshold=2)
    assert outcome.selected == ("A",)
    assert "T2" in outcome.notes[0]


# -- equal shares -----------------------------------------------------------------------------


def test_mes_raw_buys_the_cheapest_per_unit_of_cost_first() -> None:
    # Three voters, 100 each. A (200) is paid by v1 and v2 at 100 each: rho = 100/200 = 0.5;
    # B and C cost 100 paid by one voter: rho = 1. A first; then B's only supporter is broke.
    projects = [Project("A", 200, 2), Project("B", 100, 1), Project("C", 100, 1)]
    ballots = Ballots.from_lists([[0], [0, 1], [2]], 3)
    outcome = mes_raw(projects, 300, ballots)
    assert outcome.selected == ("A", "C")
    assert explanations(outcome) == {
        "A": "Financé par la méthode des parts égales (1er achat) : 1er en voix (2 voix) ; 200 € accordés, "
        "100 € restants ; chaque soutien a payé au plus 100 €.",
        "B": "Non financé : 2e en voix (1 voix) ; ses soutiens ne disposaient plus que de 0 € pour les 100 € "
        "demandés.",
        "C": "Financé par la méthode des parts égales (2e achat) : 3e en voix (1 voix) ; 100 € accordés, "
        "0 € restants ; chaque soutien a payé au plus 100 €.",
    }
    assert outcome.notes == (f"Part de chaque votant : 100{NBSP}€ (enveloppe ÷ 3 votants).",)


def test_cardinal_utilities_prefer_many_cheap_projects() -> None:
    projects = [Project("A", 400, 4), Project("B", 40, 1), Project("C", 40, 1)]
    ballots = Ballots.from_lists([[0, 1], [0, 2], [0], [0]], 3)
    assert mes_raw(projects, 400, ballots).selected == ("A",)
    assert mes_raw(projects, 400, ballots, utility="card").selected == ("B", "C")


def test_equal_shares_exact_tie_follows_the_tie_break() -> None:
    # X and Y have the same supporters and cost: exactly the same rho, and money for only one.
    projects = [Project("Y", 100, 2, filed_order=1), Project("X", 100, 2, filed_order=2)]
    ballots = Ballots.from_lists([[0, 1], [0, 1]], 2)
    assert mes_raw(projects, 100, ballots, tie_break="id").selected == ("X",)
    assert mes_raw(projects, 100, ballots).selected == ("Y",)


def test_equal_shares_tie_after_payments_is_decided_exactly() -> None:
    # Shares of 100/3 (not a float): P (60, everyone) costs each 20, leaving 40/3. Then Q (v1, v2) and
    # R (v2, v3), 26 each, tie exactly at rho = 13/26; the one bought leaves v2 with 1/3, too little
    # for the other.
    projects = [Project("P", 60, 3), Project("R", 26, 2, filed_order=1), Project("Q", 26, 2, filed_order=2)]
    ballots = Ballots.from_lists([[0, 2], [0, 1, 2], [0, 1]], 3)
    assert mes_raw(projects, 100, ballots, tie_break="id").selected == ("P", "Q")
    assert mes_raw(projects, 100, ballots).selected == ("P", "R")


def test_mes_without_supporters_and_too_expensive() -> None:
    projects = [Project("A", 100, 2), Project("lonely", 50, 0), Project("huge", 1000, 2)]
    ballots = Ballots.from_lists([[0, 2], [0, 2]], 3)
    raw = mes_raw(projects, 300, ballots)
    assert raw.selected == ("A",)
    assert raw.decision("lonely").reason == "no_support"
    assert plain(raw.decision("lonely").explanation) == "Non financé : aucun bulletin ne l'a choisi."
    assert raw.decision("huge").reason == "exceeds_envelope"
    completed = mes(projects, 300, ballots)
    assert completed.selected == ("A", "lonely")
    assert completed.decision("lonely").reason == "funded_completion"
    assert plain(completed.decision("lonely").explanation) == (
        "Financé au complément glouton : 3e en voix (0 voix) ; 50 € accordés, 150 € restants."
    )


def test_mes_completion_raises_the_share_then_fills_greedily() -> None:
    # 4 voters, 25 each of 100. A (60) has 2 supporters: 50 < 60, unaffordable at the exact share.
    # Raised to 26, 27, … it becomes affordable at 30 (2 × 30 = 60): then B (40, 2 supporters) at 20 each.
    # That outcome spends the whole envelope, but raising goes on while the outcome fits: at 50, C (30,
    # v4 only) is bought too (130 > 100), so the share kept is 49, with the same outcome.
    projects = [Project("A", 60, 2), Project("B", 40, 2), Project("C", 30, 1)]
    ballots = Ballots.from_lists([[0], [0], [1], [1, 2]], 3)
    assert mes_raw(projects, 100, ballots).selected == ("B",)
    outcome = mes(projects, 100, ballots)
    assert set(outcome.selected) == {"A", "B"}
    assert outcome.spent == Decimal(100)
    assert any("portée à 49" in plain(note) for note in outcome.notes)


def test_mes_keeps_raising_past_the_first_exhaustive_outcome() -> None:
    # 2 voters, 50 each of 100: A (40, v1) and C (10, v2) tie at rho 1 and are bought; B (60, v2) is out
    # of v2's reach. That outcome is exhaustive (50 left, B does not fit) but raising goes on: at 60, A, B
    # and C tie at rho 1, A then B are bought and v2 has nothing left for C: 100, it fits. At 70, C is
    # bought as well (110): the share stops at 69, and A and B are funded, not A and C.
    projects = [Project("A", 40, 1), Project("B", 60, 1), Project("C", 10, 1)]
    ballots = Ballots.from_lists([[0], [1, 2]], 3)
    assert mes_raw(projects, 100, ballots, tie_break="id").selected == ("A", "C")
    outcome = mes(projects, 100, ballots, tie_break="id")
    assert outcome.selected == ("A", "B")
    assert (outcome.spent, outcome.remaining) == (Decimal(100), Decimal(0))
    assert [d.reason for d in outcome.decisions] == ["funded_equal_shares", "funded_equal_shares", "no_room"]
    assert plain(outcome.notes[0]).startswith(
        "Part de chaque votant : 50 € (enveloppe ÷ 2 votants), portée à 69 € par le complément"
    )


def test_mes_stops_raising_once_everything_is_bought() -> None:
    # 2 voters, 50 each of 100: A (30, v1) is bought, B (60, v2) is out of reach. At 60 B is bought too:
    # 90 fits and nothing is left to buy, so the share stops there (it never overspends).
    projects = [Project("A", 30, 1), Project("B", 60, 1)]
    ballots = Ballots.from_lists([[0], [1]], 2)
    outcome = mes(projects, 100, ballots)
    assert outcome.selected == ("A", "B")
    assert [d.reason for d in outcome.decisions] == ["funded_equal_shares", "funded_equal_shares"]
    assert any("portée à 60 €" in plain(note) for note in outcome.notes)


def test_mes_raises_the_share_by_whole_euros_when_amounts_have_cents() -> None:
    # Same as above with an envelope of 100.50: the exact share is 25.125, then 26, 27… whole euros
    # (at 50, 130 > 100.50: the share stops at 49).
    projects = [Project("A", Decimal("60.00"), 2), Project("B", 40, 2), Project("C", 30, 1)]
    ballots = Ballots.from_lists([[0], [0], [1], [1, 2]], 3)
    outcome = mes(projects, Decimal("100.50"), ballots)
    assert outcome.selected == ("B", "A")
    assert (outcome.spent, outcome.remaining) == (Decimal(100), Decimal("0.50"))
    assert plain(outcome.notes[0]).startswith(
        "Part de chaque votant : 25,13 € (enveloppe ÷ 4 votants), portée à 49 €"
    )
    assert outcome.decision("A").granted == Decimal("60.00")


def test_mes_keeps_the_exact_share_when_the_first_raise_overspends() -> None:
    # 2 voters, 50.5 each: B (100) is bought, C (1, v1 only) is then out of reach; 1 is left, so not
    # exhaustive. At 51, A (102) ties with B at rho 1/2.
    projects = [Project("A", 102, 2), Project("B", 100, 2), Project("C", 1, 1)]
    ballots = Ballots.from_lists([[0, 1, 2], [0, 1]], 3)
    # By id, A wins the tie and the outcome overspends: keep the exact share, then greedy gives C.
    by_id = mes(projects, 101, ballots, tie_break="id")
    assert by_id.selected == ("B", "C")
    assert by_id.decision("C").reason == "funded_completion"
    assert not any("portée" in note for note in by_id.notes)
    # In an edition B is cheaper and wins the tie: the raised share is kept and buys C too; raising goes
    # on (B, then C) until A is within reach after B, at 101 (50 + 51 each, 203 > 101): kept at 100.
    edition = mes(projects, 101, ballots)
    assert edition.selected == ("B", "C")
    assert edition.decision("C").reason == "funded_equal_shares"
    assert any("portée à 100 " in plain(note) for note in edition.notes)


def test_mes_with_no_ballot_is_greedy() -> None:
    projects = [Project("A", 60, 0), Project("B", 50, 0)]
    outcome = mes(projects, 100, Ballots.from_lists([], 2))
    assert outcome.selected == ("B",)
    assert mes_raw(projects, 100, Ballots.from_lists([], 2)).selected == ()


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: allocate([Project("A", 1)], 10, rule="lottery"), "Règle inconnue"),
        (lambda: allocate([Project("A", 1)], 10, utility="joy"), "Utilité inconnue"),
        (lambda: allocate([Project("A", 1)], 10, tie_break="coin"), "Départage inconnu"),
        (lambda: allocate([Project("A", 1), Project("A", 2)], 10), "identifiant en double"),
        (lambda: allocate([Project("A", 1)], -10), "négatif"),
        (lambda: allocate([Project("A", 1)], 10.5), "virgule flottante"),  # type: ignore[arg-type]
        (lambda: allocate([Project("A", 1)], 10, rule="mes"), "a besoin des bulletins"),
        (
            lambda: allocate([Project("A", 1)], 10, rule="mes", ballots=Ballots.from_lists([[0]], 2)),
            "portent sur 2",
        ),
        (
            lambda: allocate(
                [Project("A", 1)],
                10,
                rule="mes-raw",
                sub_envelopes={"x": 1},
                ballots=Ballots.from_lists([[0]], 1),
            ),
            "sous-enveloppes",
        ),
        (lambda: allocate([Project("A", 1)], 10, territories=["T"]), "territoires"),
        (lambda: allocate([Project("A", 1)], 10, threshold=-1), "Seuil"),
        (lambda: Project("A", -5), "négatif"),
        (lambda: Project("A", 5, votes=-1), "nombre de voix"),
        (lambda: Ballots.from_lists([[3]], 2), "inexistant"),
    ],
)
def test_refusals_are_french(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AllocationError, match=message):
        call()


def test_the_rules_enum_names_exactly_the_codes_allocate_takes() -> None:
    # values.RULES (the codes, without enum) and AllocationRule (the enum with the words) are one list.
    from budgetcitoyen import allocation
    from budgetcitoyen.allocation import rule_names, values

    assert tuple(rule.value for rule in rule_names.AllocationRule) == values.RULES
    assert allocation.AllocationRule is values.AllocationRule is rule_names.AllocationRule
    assert "AllocationRule" in dir(allocation) and "AllocationRule" in dir(values)
    assert all(rule.label and rule.summary and rule.details for rule in rule_names.AllocationRule)
    with pytest.raises(AttributeError):
        values.NoSuchName  # noqa: B018
