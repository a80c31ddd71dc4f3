"""The pure rules: what makes two dossiers one structure, which websites a profile may show."""

from __future__ import annotations

import pytest

from budgetcitoyen.structures import rules


def test_siret_is_fourteen_digits_whatever_the_spaces() -> None:
    assert rules.normalise_siret("732 829 320 00074") == "73282932000074"
    assert rules.normalise_siret("732.829.320.00074") == "73282932000074"
    # An incomplete or non-ASCII number names nothing: it must not merge two structures.
    assert rules.normalise_siret("7328293200007") == ""
    assert rules.normalise_siret("７３２８２９３２０００７４") == ""


def test_names_are_folded() -> None:
    assert rules.normalise_name("  Association  Ré-Faire ") == rules.normalise_name("ASSOCIATION RE FAIRE")
    assert rules.normalise_name("L'Épicerie") == "l epicerie"
    assert not rules.identity_of("", "  ", 1).known


@pytest.mark.parametrize("url", ["", "https://exemple.fr", "http://exemple.fr/page?x=1"])
def test_http_websites_are_accepted(url: str) -> None:
    assert rules.website_problem(url) is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "mailto:a@b.fr", "exemple.fr",
                                 "ftp://exemple.fr", "https://", "https://exemple .fr",
                                 "https://" + "a" * 300])
def test_other_websites_are_refused(url: str) -> None:
    assert rules.website_problem(url) is not None


def test_listed_needs_both_the_opt_in_and_a_public_label() -> None:
    assert rules.is_listed(True, 1)
    assert not rules.is_listed(False, 3)
    assert not rules.is_listed(True, 0)
