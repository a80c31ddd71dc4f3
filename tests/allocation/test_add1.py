"""The Add1 loop of `mes` without a run at every unit gives exactly what the rule as defined gives
(`add1.keep_raising_unit_by_unit`: one run of equal shares per unit, numpy engine): the same outcome,
explanations, notes and share, on generated instances, on the real elections, and in the corner where
the definition would take millions of runs — with either engine: numpy's (`add1.keep_raising`) and the
plain Python one (`smallshares.keep_raising`, for elections with few kinds of ballots). And a
certificate (`equalshares.certify`) never vouches for a share where equal shares buys something else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from budgetcitoyen.allocation import Ballots, Outcome, Project, add1, allocate, mes_rules, smallshares
from budgetcitoyen.allocation.context import Context, build_context
from budgetcitoyen.allocation.equalshares import SupportIndex, certify
from budgetcitoyen.allocation.pabulib import read_pb

DATA = Path(__file__).parent / "data"


@contextmanager
def engine(name: str) -> Iterator[None]:
    """`mes` computed by one engine: "numpy" (its fast loop), "plain" (the plain Python engine wherever
    it decides, as `allocate` does), or "definition" (numpy, one run per unit)."""
    original = mes_rules.PLAIN_WORK, mes_rules.PLAIN_RUN_BUDGET, add1.keep_raising
    if name != "plain":
        mes_rules.PLAIN_WORK = mes_rules.PLAIN_RUN_BUDGET = -1
    if name == "definition":
        add1.keep_raising = add1.keep_raising_unit_by_unit
    try:
        yield
    finally:
        mes_rules.PLAIN_WORK, mes_rules.PLAIN_RUN_BUDGET, add1.keep_raising = original


@contextmanager
def plain_handovers() -> Iterator[list[str]]:
    """The reasons the plain engine gave the election to numpy, if any."""
    reasons: list[str] = []
    original = mes_rules._scan_numpy

    def numpy_scan(*args: object) -> object:
        reasons.append("numpy")
        return original(*args)  # type: ignore[arg-type]

    mes_rules._scan_numpy = numpy_scan  # type: ignore[assignment]
    try:
        yield reasons
    finally:
        mes_rules._scan_numpy = original


@st.composite
def elections(draw: st.DrawFn) -> dict[str, object]:
    count = draw(st.integers(1, 8))
    pool = draw(st.lists(st.integers(0, 300), min_size=1, max_size=4))  # few costs: many exact ties
    cents = draw(st.booleans())
    costs = [Decimal(draw(st.sampled_from(pool))) / (100 if cents else 1) for _ in range(count)]
    voters = draw(st.integers(0, 12))
    ballots = [draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count)) for _ in range(voters)]
    approvals = Ballots.from_lists(ballots, count).approvals().tolist()
    projects = [Project(f"p{j}", costs[j], approvals[j], filed_order=j) for j in range(count)]
    budget = Decimal(draw(st.integers(0, int(sum(costs)) + 50)))
    return {
        "projects": projects,
        "envelope": budget,
        "ballots": Ballots.from_lists(ballots, count),
        "threshold": draw(st.sampled_from([0, 0, 1, 2])),
        "utility": draw(st.sampled_from(["cost", "card"])),
        "tie_break": draw(st.sampled_from(["id", "edition"])),
    }


AMOUNT = re.compile(r"\d[\d\u202f]*(?:,\d+)?\xa0€")


def assert_same(fast: Outcome, defined: Outcome, name: str) -> None:
    """The same outcome. With the plain engine, an amount an explanation quotes (the most a supporter
    paid, what the supporters still held) may be one cent off the numpy engine's: the plain engine
    computes them exactly, numpy in floats, and on a half cent (2.075 € exactly) numpy's 2.07499…
    rounds down where the exact value rounds up."""
    if name != "plain":
        assert fast == defined
        return
    assert fast.replace(decisions=()) == defined.replace(decisions=())
    for mine, theirs in zip(fast.decisions, defined.decisions, strict=True):
        assert mine.replace(explanation="") == theirs.replace(explanation="")
        assert AMOUNT.sub("…", mine.explanation) == AMOUNT.sub("…", theirs.explanation)
        for a, b in zip(AMOUNT.findall(mine.explanation), AMOUNT.findall(theirs.explanation), strict=True):
            assert abs(_euros(a) - _euros(b)) <= Decimal("0.01"), (mine.explanation, theirs.explanation)


def _euros(text: str) -> Decimal:
    return Decimal(text.removesuffix("\xa0€").replace("\u202f", "").replace(",", "."))


@st.composite
def wider_elections(draw: st.DrawFn) -> dict[str, object]:
    """More voters, projects and costs than `elections`: longer scans, purchases where some supporters
    pay their whole budget, competitors overtaking mid-stretch (the plain engine's stretch analysis)."""
    count = draw(st.integers(2, 10))
    costs = [Decimal(draw(st.integers(1, 60)) * 10) for _ in range(count)]
    ballots = [draw(st.lists(st.integers(0, count - 1), unique=True, min_size=1, max_size=4))
               for _ in range(draw(st.integers(5, 60)))]
    approvals = Ballots.from_lists(ballots, count).approvals().tolist()
    return {
        "projects": [Project(f"p{j}", costs[j], approvals[j], filed_order=j) for j in range(count)],
        "envelope": Decimal(draw(st.integers(1, int(sum(costs))))),
        "ballots": Ballots.from_lists(ballots, count),
        "utility": draw(st.sampled_from(["cost", "card"])),
        "tie_break": draw(st.sampled_from(["id", "edition"])),
    }


def both(election: dict[str, object], name: str = "numpy", handovers: list[str] | None = None
         ) -> tuple[Outcome, Outcome]:
    """`mes` by this engine and by the definition; the plain engine's handovers to numpy, if any, are
    added to `handovers`."""
    with engine(name), plain_handovers() as handed:
        fast = allocate(rule="mes", **election)  # type: ignore[arg-type]
    if handovers is not None:
        handovers.extend(handed)
    with engine("definition"):
        defined = allocate(rule="mes", **election)  # type: ignore[arg-type]
    return fast, defined


@pytest.mark.parametrize("name", ["numpy", "plain"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_the_fast_loop_gives_what_the_definition_gives(name: str, election: dict[str, object]) -> None:
    handovers: list[str] = []
    fast, defined = both(election, name, handovers)
    assert_same(fast, defined, name)  # funded projects, amounts, every explanation, the notes (share kept)
    if name == "plain":
        event("handed over to numpy" if handovers else "plain")
        # These elections are small: the plain engine decides them all itself.
        assert not handovers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wider_elections())
def test_the_plain_loop_gives_what_the_definition_gives_on_wider_elections(election: dict[str, object]
                                                                          ) -> None:
    handovers: list[str] = []
    fast, defined = both(election, "plain", handovers)
    assert_same(fast, defined, "plain")
    assert not handovers


def plain_setup(election: dict[str, object]) -> tuple[Context, Ballots, smallshares.Election] | None:
    """The allocation context, the ballots and the plain engine's election, as `mes_rules` builds them
    (None without ballots)."""
    projects, ballots = election["projects"], election["ballots"]
    assert isinstance(ballots, Ballots) and isinstance(projects, list)
    if not ballots.num_voters:
        return None
    context = build_context(projects, election["envelope"], election.get("threshold", 0), None, None,  # type: ignore[arg-type]
                            election["tie_break"], "EUR")  # type: ignore[arg-type]
    plain_election = mes_rules._plain_election(context, ballots, election["utility"] == "card", 10**9)
    assert plain_election is not None
    return context, ballots, plain_election


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(elections(), wider_elections()), st.integers(0, 40))
def test_both_engines_pay_the_same_levels_and_leave_the_same_money(election: dict[str, object],
                                                                  raised: int) -> None:
    # What `assert_same`'s one-cent tolerance rests on: the figures behind the explanations agree far
    # below a cent, so only a value on an exact half cent can round apart.
    prepared = plain_setup(election)
    if prepared is None:
        return
    context, ballots, plain_election = prepared
    cardinal = election["utility"] == "card"
    share = Fraction(context.envelope, ballots.num_voters) + raised * context.money.unit
    plain = smallshares.run(plain_election, share)
    numpy_made = add1.run_at(context, SupportIndex.build(ballots), share, cardinal)
    assert plain.selected == numpy_made.selected
    assert plain.levels == pytest.approx(numpy_made.levels, rel=1e-9, abs=1e-9)
    # Leftovers of the projects it may buy (an explanation quotes no other: see `mes_rules._record`).
    buyable = plain_election.buyable
    numpy_left = numpy_made.leftover().tolist()
    assert [plain.leftover()[j] for j in buyable] == pytest.approx([numpy_left[j] for j in buyable],
                                                                   rel=1e-9, abs=1e-6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(elections(), wider_elections()), st.lists(st.integers(0, 80), min_size=1, max_size=12))
def test_runs_sharing_class_structures_give_what_a_fresh_run_gives(election: dict[str, object],
                                                                    raises: list[int]) -> None:
    # The plain scan's runs take their class structures from a tree they all fill (`_Structure`): a run
    # there, after any others, must buy, pay and leave exactly what a run with its own structures does.
    prepared = plain_setup(election)
    if prepared is None:
        return
    context, ballots, plain_election = prepared
    base = Fraction(context.envelope, ballots.num_voters)
    for raised in [*raises, *reversed(raises)]:
        share = base + raised * context.money.unit
        shared = smallshares.run(plain_election, share, trace=True, shared=True)
        fresh = smallshares.run(plain_election, share, trace=True)
        assert (shared.selected, shared.exact_levels, shared.spent, shared.next_share) == \
            (fresh.selected, fresh.exact_levels, fresh.spent, fresh.next_share)
        assert shared.leftover() == fresh.leftover()


@pytest.mark.parametrize("name", ["numpy", "plain"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_raw_equal_shares_is_the_same_with_either_engine(name: str, election: dict[str, object]) -> None:
    with engine(name):
        fast = allocate(rule="mes-raw", **election)  # type: ignore[arg-type]
    with engine("definition"):
        defined = allocate(rule="mes-raw", **election)  # type: ignore[arg-type]
    assert_same(fast, defined, name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.integers(0, 60), st.integers(1, 60))
def test_a_certificate_holds_at_every_share_it_covers(election: dict[str, object], start: int,
                                                      length: int) -> None:
    projects, ballots = election["projects"], election["ballots"]
    assert isinstance(ballots, Ballots) and isinstance(projects, list)
    if not ballots.num_voters:
        return
    context = build_context(projects, election["envelope"], election["threshold"], None, None,  # type: ignore[arg-type]
                            election["tie_break"], "EUR")  # type: ignore[arg-type]
    index = SupportIndex.build(ballots)
    cardinal = election["utility"] == "card"
    unit = context.money.unit
    base = add1.run_at(context, index, Fraction(start * unit), cardinal)
    end = Fraction((start + length) * unit)
    proof = certify(index, context.granted, add1.candidates_of(context), base, end, cardinal=cardinal,
                    tie_rank=context.tie_rank)
    event("proved" if proof is not None else "not proved")
    if proof is None:
        return
    for share in range(start + 1, start + length + 1):
        assert add1.run_at(context, index, Fraction(share * unit), cardinal).selected == base.selected
    assert proof.selected == base.selected


@pytest.mark.parametrize(
    "name",
    ["Poland_Swiecie_2023", "Netherlands_Assen_2024", "Poland_Lodz_2023_Chojny", "Netherlands_Amsterdam_166"],
)
@pytest.mark.parametrize("engine_name", ["numpy", "plain"])
def test_the_fast_loop_gives_what_the_definition_gives_on_real_elections(name: str, engine_name: str,
                                                                         monkeypatch: pytest.MonkeyPatch
                                                                         ) -> None:
    election = read_pb(DATA / f"{name}.pb")
    if engine_name == "plain":  # every real election, whatever its size, by the plain engine
        monkeypatch.setattr(mes_rules, "PLAIN_WORK", 10**9)
        monkeypatch.setattr(mes_rules, "PLAIN_RUN_BUDGET", 10**12)
    handovers: list[str] = []
    fast, defined = both({
        "projects": election.allocation_projects(), "envelope": election.budget,
        "ballots": election.ballots, "tie_break": "id", "currency": election.currency,
    }, engine_name, handovers)
    assert_same(fast, defined, engine_name)
    assert engine_name == "numpy" or not handovers


@pytest.mark.parametrize(
    "name",
    ["Poland_Swiecie_2023", "Netherlands_Assen_2024", "Poland_Lodz_2023_Chojny", "Netherlands_Amsterdam_166"],
)
def test_raw_equal_shares_on_real_elections_is_the_same_with_either_engine(name: str) -> None:
    # One run: the plain engine takes every one of these (a single run stays within its budget).
    election = read_pb(DATA / f"{name}.pb")
    settings = {"projects": election.allocation_projects(), "envelope": election.budget,
                "ballots": election.ballots, "tie_break": "id", "currency": election.currency}
    handed: list[str] = []
    original = mes_rules._raw_plain

    def raw_plain(*args: object) -> object:
        bought = original(*args)  # type: ignore[arg-type]
        handed.append("plain" if bought is not None else "numpy")
        return bought

    mes_rules._raw_plain = raw_plain  # type: ignore[assignment]
    try:
        with engine("plain"):
            plain = allocate(rule="mes-raw", **settings)  # type: ignore[arg-type]
    finally:
        mes_rules._raw_plain = original
    with engine("numpy"):
        numpy_made = allocate(rule="mes-raw", **settings)  # type: ignore[arg-type]
    assert handed == ["plain"]
    assert_same(plain, numpy_made, "plain")


def test_a_share_raised_millions_of_units_takes_a_few_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2 voters, 500 each of 1,000: B (100, v1) is bought. A (10,000,000, both) is within reach only at
    # 5,000,000 each, where it is bought (rho 1/2 beats B's 1) and overspends: the definition would run
    # equal shares 4,999,499 times and keep 4,999,999. The fast loop proves the long stretches instead.
    monkeypatch.setattr(mes_rules, "PLAIN_WORK", -1)  # numpy's loop here; the plain one's below
    runs: list[object] = []
    original_run, original_certify = add1.run_at, add1.certify
    monkeypatch.setattr(add1, "run_at", lambda *args: runs.append(args) or original_run(*args))
    monkeypatch.setattr(add1, "certify",
                        lambda *args, **kw: runs.append(args) or original_certify(*args, **kw))
    projects = [Project("A", 10_000_000, 2), Project("B", 100, 1)]
    outcome = allocate(projects, 1000, rule="mes", ballots=Ballots.from_lists([[0, 1], [0]], 2))
    assert outcome.selected == ("B",)
    assert any("portée à 4\u202f999\u202f999" in note for note in outcome.notes)
    assert len(runs) < 150


def test_the_plain_loop_also_skips_the_millions_of_units(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[object] = []
    original_run = smallshares.run
    monkeypatch.setattr(smallshares, "run",
                        lambda *args, **kw: runs.append(args) or original_run(*args, **kw))
    with plain_handovers() as handovers:
        outcome = allocate([Project("A", 10_000_000, 2), Project("B", 100, 1)], 1000, rule="mes",
                           ballots=Ballots.from_lists([[0, 1], [0]], 2))
    assert not handovers
    assert outcome.selected == ("B",)
    assert any("portée à 4\u202f999\u202f999" in note for note in outcome.notes)
    assert len(runs) < 10


def test_the_plain_engine_hands_a_busy_scan_over_to_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    election = read_pb(DATA / "Netherlands_Assen_2024.pb")
    settings = {"projects": election.allocation_projects(), "envelope": election.budget,
                "ballots": election.ballots, "tie_break": "id", "currency": election.currency}
    monkeypatch.setattr(mes_rules, "PLAIN_RUN_BUDGET", 3 * 938)  # 3 runs: Assen's scan takes more
    handovers: list[str] = []
    fast, defined = both(settings, "plain", handovers)
    assert handovers
    assert fast == defined  # numpy computed it, from the start


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.sampled_from([1, 2, 3, 7]), st.sampled_from([1, 2, 3]))
def test_the_fast_loop_gives_what_the_definition_gives_whatever_its_batches(
        election: dict[str, object], batch: int, busy: int) -> None:
    # Small batches: many switches between side-by-side batches, plain runs and proofs over long jumps.
    original = add1.BATCH, add1.BUSY
    add1.BATCH, add1.BUSY = batch, busy
    try:
        fast, defined = both(election)
    finally:
        add1.BATCH, add1.BUSY = original
    assert fast == defined
