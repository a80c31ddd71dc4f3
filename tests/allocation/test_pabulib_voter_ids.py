"""The writer's check of voter ids, made of a few scans of all the ids joined, refuses exactly what the
check of one id refuses (hundreds of thousands of ids are checked at each publication)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetcitoyen.allocation.pabulib import writer
from budgetcitoyen.allocation.pabulib.election import PabulibError


def _refused_one_by_one(values: list[str]) -> bool:
    for value in values:
        try:
            writer._check_id(value, "Identifiant de votant")
        except PabulibError:
            return True
    return False


def _refused(values: list[str]) -> bool:
    try:
        writer._check_ids(values, "Identifiant de votant")
    except PabulibError:
        return True
    return False


@pytest.mark.parametrize("bad", ["", " a", "a ", "\ta", "a\u00a0", "a,b", "a;b", 'a"b', "a\nb", "a\rb",
                                 "\x1fa", "a\u2003"])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_a_bad_id_anywhere_is_refused(bad: str, where: int) -> None:
    values = ["v1", "v 2", "v3"]
    values.insert(where, bad)
    assert _refused(values)


def test_good_ids_pass() -> None:
    assert not _refused(["a", "b c", "é-ü", "123"])
    assert not _refused([])


@given(st.lists(st.text(max_size=4), max_size=6))
def test_the_joined_check_refuses_what_the_one_by_one_check_refuses(values: list[str]) -> None:
    # An id holding NUL is no real case (the database refuses it); leave it to the one-by-one check.
    values = [value.replace("\x00", "") for value in values]
    assert _refused(values) == _refused_one_by_one(values)
