"""The pure rules that tell which declared identities are likely one person."""

from __future__ import annotations

from datetime import date

import pytest

from budgetcitoyen.voting.matching import (
    PersonRecord,
    birth_date_gap,
    edit_distance,
    find_matches,
    group_matches,
    name_key,
)

ARRAS, LENS = "62041", "62498"


def person(ref: str, first: str = "Camille", last: str = "Martin", born: date = date(1990, 5, 4),
           commune: str = ARRAS) -> PersonRecord:
    return PersonRecord(ref, first, last, born, commune)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Lefèvre-Dupont", "lefevredupont"),
        ("LEFEVRE dupont", "lefevredupont"),
        ("  lefèvre   Dupont ", "lefevredupont"),
        ("de Villiers", "villiers"),
        ("D'Hondt", "hondt"),
        ("Le Gall", "legall"),  # "le" is part of a Breton name, not a particle
        ("De", "de"),  # a particle alone is the name
    ],
)
def test_surnames_are_compared_without_case_accents_hyphens_or_particles(typed: str, expected: str) -> None:
    assert name_key(typed, surname=True) == expected


def test_given_names_keep_every_word_but_not_the_hyphen() -> None:
    assert name_key("Jean-Pierre") == name_key("jean pierre") == "jeanpierre"


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("martin", "martin", 0), ("martin", "martim", 1), ("martin", "matrin", 1), ("martin", "marti", 1),
     ("martin", "mratni", 2), ("martin", "dupont", 3), ("a", "abcdef", 3)],
)
def test_edit_distance_counts_a_swap_of_neighbours_as_one(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (date(1990, 5, 5), "1 jour d'écart"),
        (date(1990, 5, 1), "3 jours d'écart"),
        (date(1990, 4, 5), "jour et mois de naissance inversés"),
        (date(1990, 6, 4), "mois de naissance différent"),
        (date(1991, 5, 4), "différente d'un an"),
        (date(1909, 5, 4), "à un chiffre près"),
    ],
)
def test_birth_dates_typed_wrong_or_moved_are_near(other: date, reason: str) -> None:
    gap = birth_date_gap(date(1990, 5, 4), other)
    assert gap is not None and reason in gap[1]


@pytest.mark.parametrize("other", [date(1990, 5, 4), date(1990, 5, 14), date(1985, 5, 4), date(1990, 8, 4)])
def test_other_birth_dates_are_not_near(other: date) -> None:
    assert birth_date_gap(date(1990, 5, 4), other) is None


def test_the_issues_three_fraud_cases_are_all_flagged() -> None:
    """Same identity; case changed (the commune typed as its INSEE code resolves to the same code
    before it gets here); birth date moved by one day."""
    records = [
        person("habitant"),
        person("same"),
        person("case", first="CAMILLE", last="martin"),
        person("day", born=date(1990, 5, 5)),
        person("unrelated", first="Paul", last="Durand"),
    ]
    groups = group_matches(records, find_matches(records))
    assert len(groups) == 1
    (group,) = groups
    assert group.refs == ["habitant", "same", "case", "day"]
    assert not group.certain  # one member is only near
    assert "1 jour d'écart" in " ".join(group.reasons)


def test_certain_groups_come_first_then_by_likelihood() -> None:
    records = [
        person("a1", first="Zoé", last="Quennehen", born=date(1988, 3, 1)),
        person("a2", first="Zoe", last="Quennehan", born=date(1988, 3, 1)),  # one letter
        person("b1", first="Lucie", last="Lefèvre-Dupont", born=date(1975, 2, 14)),
        person("b2", first="LUCIE", last="LEFEVRE dupont", born=date(1975, 2, 14)),
        person("c1", first="Marc", last="Delattre", born=date(1960, 1, 2)),
        person("c2", first="Marc", last="Delattre", born=date(1960, 1, 2), commune=LENS),
    ]
    groups = group_matches(records, find_matches(records))
    assert [g.refs for g in groups] == [["b1", "b2"], ["a1", "a2"], ["c1", "c2"]]
    assert [g.certain for g in groups] == [True, False, False]
    assert groups[1].reasons == ["nom ou prénom à 1 lettre près"]
    assert groups[2].reasons == ["même nom, prénom et date de naissance, autre commune"]


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (person("x", first="Martin", last="Camille"), "prénom et nom inversés"),
        (person("x", first="Camille Marie Louise"), "même premier prénom"),
        (person("x", first="Camile", last="Martinn"), "2 lettres près"),
    ],
)
def test_names_one_or_two_letters_apart_with_the_same_birth_date_are_near(other: PersonRecord,
                                                                          reason: str) -> None:
    groups = group_matches([person("me"), other], find_matches([person("me"), other]))
    assert len(groups) == 1 and reason in groups[0].reasons[0]


@pytest.mark.parametrize(
    "other",
    [
        person("x", first="Paul"),  # a sibling: same surname, same commune, another name
        person("x", born=date(1990, 5, 5), commune=LENS),  # two differences at once
        person("x", first="Camile", born=date(1990, 5, 5)),
        person("x", born=date(1985, 5, 4)),
    ],
)
def test_two_differences_or_a_different_name_are_not_flagged(other: PersonRecord) -> None:
    assert find_matches([person("me"), other]) == []


def test_a_second_record_under_a_usage_name_matches_and_says_so() -> None:
    """A verified person (birth name Lefebvre, usage name Martin) and a declared « Martine Martin »."""
    records = [
        person("verified", first="Martine", last="LEFEBVRE"),
        PersonRecord("verified", "Martine", "MARTIN", date(1990, 5, 4), ARRAS, via="nom d'usage vérifié"),
        person("declared", first="martine", last="Martin"),
    ]
    groups = group_matches(records, find_matches(records))
    assert [g.refs for g in groups] == [["verified", "declared"]]
    assert groups[0].reasons[-1] == "par le nom d'usage vérifié"
