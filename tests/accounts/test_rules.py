"""Password strength and e-mail normalisation (pure rules)."""

import pytest

from budgetcitoyen.accounts.rules import character_classes, normalize_email, password_problems


@pytest.mark.parametrize(
    "password", ["Enveloppe-ESS-2026", "Tr0ub4dor&3xyz", "une phrase de passe assez longue"]
)
def test_strong_passwords_pass(password: str) -> None:
    assert password_problems(password, "marie@example.org") == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Court-1", "au moins 12 caractères"),
        ("toutenminuscule", "trois types"),
        ("motdepasse1234", "trop courant"),
        ("aaaaaaaaaaaaaaaa", "trop courant"),
        ("Marie.Dupont-2026", "adresse e-mail"),
        ("A1-" * 50, "ne doit pas dépasser"),
    ],
)
def test_weak_passwords_are_explained_in_french(password: str, fragment: str) -> None:
    problems = password_problems(password, "marie.dupont@example.org")
    assert any(fragment in p for p in problems), problems


def test_long_passphrase_needs_no_character_mix() -> None:
    assert password_problems("cheval batterie agrafe", "x@example.org") == []
    assert password_problems("chevalbatterie1", "x@example.org") != []  # 15 characters, two classes


def test_character_classes() -> None:
    assert character_classes("abc") == 1
    assert character_classes("aB3!") == 4


def test_normalize_email_lowercases_and_trims() -> None:
    assert normalize_email("  Marie.Dupont@Example.ORG ") == "marie.dupont@example.org"
