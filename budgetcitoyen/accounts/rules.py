"""Pure account rules: e-mail normalisation and password strength (no Flask, no database)."""

from __future__ import annotations

import string
import unicodedata

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
PASSPHRASE_LENGTH = 16  # long passphrases need no character mix (CNIL, délibération 2022-100)

# A few of the most used passwords and their French favourites; the length rule already
# excludes the short ones, these are the long ones people still pick.
COMMON_PASSWORDS = frozenset(
    {
        "motdepasse123",
        "motdepasse1234",
        "azertyuiop123",
        "azertyuiopqsd",
        "123456789azerty",
        "password1234",
        "password12345",
        "qwertyuiop123",
        "123456789abc",
        "abcdefghijkl",
        "jetaime123456",
        "soleil123456",
        "budgetcitoyen",
        "budgetcitoyen62",
        "pasdecalais62",
    }
)


def normalize_email(raw: str) -> str:
    """Trim, compose Unicode (NFC) and lower-case, so one address means one account however it was typed."""
    return unicodedata.normalize("NFC", raw.strip()).lower()


def password_problems(password: str, email: str = "") -> list[str]:
    """French reasons why a password is too weak; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"Le mot de passe doit comporter au moins {PASSWORD_MIN_LENGTH} caractères.")
        return problems
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX_LENGTH} caractères.")
        return problems
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 3:
        problems.append("Ce mot de passe est trop courant ou trop répétitif.")
    local_part = normalize_email(email).split("@", 1)[0]
    if len(local_part) >= 4 and local_part in lowered:
        problems.append("Le mot de passe ne doit pas contenir votre adresse e-mail.")
    if len(password) < PASSPHRASE_LENGTH and character_classes(password) < 3:
        problems.append(
            "Mélangez au moins trois types de caractères (minuscules, majuscules, chiffres, symboles), "
            f"ou choisissez une phrase de passe d'au moins {PASSPHRASE_LENGTH} caractères."
        )
    return problems


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits and other characters the password uses."""
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)
