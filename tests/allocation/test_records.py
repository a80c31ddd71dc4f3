"""The allocation's values without dataclasses keep what they had from them: equality and repr over their
fields, and for frozen ones a hash, no assignment, `replace`, pickling and copying."""

from __future__ import annotations

import copy
import pickle
from decimal import Decimal

import pytest

from budgetcitoyen.allocation import Project, allocate
from budgetcitoyen.allocation.context import Fate, Units
from budgetcitoyen.allocation.pabulib import PbProject
from budgetcitoyen.allocation.values import AllocationError


def test_frozen_values_compare_hash_and_refuse_assignment() -> None:
    a = Project("a", Decimal("10.50"), votes=3, category="eco")
    same = Project(id="a", cost="10.50", votes=3, category="eco")
    assert a == same and hash(a) == hash(same) and len({a, same}) == 1
    assert a != Project("a", Decimal("10.50"), votes=4, category="eco")
    assert a != PbProject("a", Decimal("10.50"), votes=3)  # another class, even with like fields
    assert repr(a) == ("Project(id='a', cost=Decimal('10.50'), votes=3, category='eco', territory=None, "
                       "filed_order=None, name='')")
    with pytest.raises(AttributeError, match="frozen"):
        a.votes = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del a.name
    with pytest.raises(AttributeError):
        a.colour = "red"  # type: ignore[attr-defined]  # no such field: slots, and frozen
    assert a.votes == 3


def test_a_project_still_checks_its_cost_and_votes() -> None:
    with pytest.raises(AllocationError, match="Projet a : montant négatif"):
        Project("a", Decimal(-1))
    with pytest.raises(AllocationError, match="nombre de voix invalide"):
        Project("a", Decimal(1), votes=True)
    assert Project("a", 7).cost == Decimal(7) and isinstance(Project("a", 7).cost, Decimal)


def test_replace_pickle_and_copy_give_equal_values() -> None:
    outcome = allocate([Project("a", 60, votes=5), Project("b", 50, votes=4)], Decimal(100), rule="greedy")
    assert outcome.replace(notes=("x",)).notes == ("x",)
    assert outcome.replace(notes=("x",)).selected == outcome.selected == ("a",)
    with pytest.raises(TypeError, match="no field colour"):
        outcome.replace(colour="red")
    for twin in (pickle.loads(pickle.dumps(outcome)), copy.copy(outcome), copy.deepcopy(outcome)):
        assert twin == outcome and twin is not outcome
    assert Units(2).replace(digits=3) == Units(3)


def test_mutable_records_compare_but_do_not_hash() -> None:
    fate = Fate("funded", position=1)
    assert fate == Fate("funded", position=1) and fate != Fate("funded", position=2)
    fate.leftover = 2.5
    assert fate.leftover == 2.5
    with pytest.raises(TypeError):
        hash(fate)
