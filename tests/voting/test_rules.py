"""Eligibility, identity keys and ballot checks (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from budgetcitoyen.voting.eligibility import (
    NotEligible,
    VoterFacts,
    age_band,
    age_on,
    check_eligibility,
    normalise_name,
    person_key,
    voter_key,
)
from budgetcitoyen.voting.rules import InvalidBallot, last_vote_day, shuffled_for, validate_choices

LAST_DAY = date(2026, 9, 30)
TODAY = date(2026, 9, 10)


def facts(born: date, in_department: bool = True, confirmed: bool = True) -> VoterFacts:
    return VoterFacts(born, in_department, confirmed)


@pytest.mark.parametrize(
    ("born", "allowed"),
    [
        (date(2015, 9, 30), True),  # turns 11 on the last day of the vote
        (date(2015, 10, 1), False),  # turns 11 the day after the close
        (date(2015, 9, 29), True),
        (date(1940, 1, 1), True),
    ],
)
def test_age_is_reached_on_the_last_day_of_the_vote(born: date, allowed: bool) -> None:
    if allowed:
        check_eligibility(facts(born), 11, LAST_DAY, TODAY)
    else:
        with pytest.raises(NotEligible, match="au moins 11 ans au dernier jour du vote \\(30/09/2026\\)"):
            check_eligibility(facts(born), 11, LAST_DAY, TODAY)


def test_age_limit_is_a_setting() -> None:
    check_eligibility(facts(date(2010, 9, 30)), 16, LAST_DAY, TODAY)
    with pytest.raises(NotEligible, match="16 ans"):
        check_eligibility(facts(date(2010, 10, 1)), 16, LAST_DAY, TODAY)


def test_born_on_29_february_completes_a_year_on_1_march_of_common_years() -> None:
    assert age_on(date(2012, 2, 29), date(2023, 2, 28)) == 10
    assert age_on(date(2012, 2, 29), date(2023, 3, 1)) == 11
    assert age_on(date(2012, 2, 29), date(2024, 2, 29)) == 12


def test_other_refusals_say_why() -> None:
    with pytest.raises(NotEligible, match="Confirmez"):
        check_eligibility(facts(date(1990, 1, 1), confirmed=False), 11, LAST_DAY, TODAY)
    with pytest.raises(NotEligible, match="habitants des communes de la collectivité"):
        check_eligibility(facts(date(1990, 1, 1), in_department=False), 11, LAST_DAY, TODAY)
    with pytest.raises(NotEligible, match="futur"):
        check_eligibility(facts(date(2027, 1, 1)), 11, LAST_DAY, TODAY)


def test_age_bands() -> None:
    assert [age_band(a) for a in (11, 17, 18, 29, 30, 59, 60, 75, 99)] == [
        "11-17",
        "11-17",
        "18-29",
        "18-29",
        "30-44",
        "45-59",
        "60-74",
        "75+",
        "75+",
    ]


def test_same_person_typed_differently_has_one_key() -> None:
    assert normalise_name("  Lefèvre-Dupont ") == normalise_name("LEFEVRE dupont") == "lefevre dupont"
    a = person_key("s", "Zoé", "Lefèvre-Dupont", date(1990, 1, 2), "62041")
    b = person_key("s", "ZOE", "lefevre  dupont", date(1990, 1, 2), "62041")
    assert a == b
    assert a != person_key("s", "Zoé", "Lefèvre-Dupont", date(1990, 1, 3), "62041")
    assert a != person_key("s", "Zoé", "Lefèvre-Dupont", date(1990, 1, 2), "62193")
    assert a != person_key("other secret", "Zoé", "Lefèvre-Dupont", date(1990, 1, 2), "62041")


def test_voter_keys_differ_by_channel_and_need_the_secret() -> None:
    online = voter_key("s", user_id=7)
    assert online == voter_key("s", user_id=7) != voter_key("s", user_id=8)
    assert online != voter_key("t", user_id=7)
    assert voter_key("s", person="7") != online
    with pytest.raises(ValueError):
        voter_key("s")


ALLOWED = {3, 5, 8, 13}


def test_a_valid_ballot_is_sorted() -> None:
    assert validate_choices(["13", "3", " 5 "], ALLOWED, 3, 3) == [3, 5, 13]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["3", "5"], "exactement 3 initiatives \\(vous en avez choisi 2\\)"),
        (["3", "5", "8", "13"], "exactement 3"),
        (["3", "3", "5"], "qu'une fois"),
        (["3", "5", "99"], "n'est pas soumise au vote"),
        (["3", "5", "-1"], "choix invalide"),
        (["3", "5", "8x"], "choix invalide"),
        (["3", "5", "1" * 40], "choix invalide"),
        (["3", "5", "²"], "choix invalide"),  # a digit to str.isdigit, not to int()
        (["3", "5", "٣"], "choix invalide"),
        ([], "exactement 3"),
    ],
)
def test_tampered_or_wrong_ballots_are_refused(raw: list[str], message: str) -> None:
    with pytest.raises(InvalidBallot, match=message):
        validate_choices(raw, ALLOWED, 3, 3)


def test_min_and_max_choices_are_settings() -> None:
    assert validate_choices(["3"], ALLOWED, 1, 3) == [3]
    with pytest.raises(InvalidBallot, match="au plus 2"):
        validate_choices(["3", "5", "8"], ALLOWED, 1, 2)
    with pytest.raises(InvalidBallot, match="au moins 2"):
        validate_choices(["3"], ALLOWED, 2, 4)


def test_order_is_random_per_voter_and_stable() -> None:
    items = list(range(1, 40))
    first = shuffled_for("voter-a", items)
    assert first == shuffled_for("voter-a", list(reversed(items)))
    assert sorted(first) == items
    assert first != shuffled_for("voter-b", items)


def test_last_vote_day_is_the_local_day_before_the_exclusive_end() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 1 October 00:00 in Paris (summer time) is 30 September 22:00 UTC.
    assert last_vote_day(datetime(2026, 9, 30, 22, 0, tzinfo=UTC), paris) == date(2026, 9, 30)
