"""Who may vote, and the identity key that finds one person across accounts (pure, no Flask)."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date

# Age bands used for participation figures; a ballot stores its band, never the birth date.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "11-17"),
    (18, 29, "18-29"),
    (30, 44, "30-44"),
    (45, 59, "45-59"),
    (60, 74, "60-74"),
    (75, None, "75+"),
)
AGE_BAND_LABELS = {
    "11-17": "Moins de 18 ans",
    "18-29": "18 à 29 ans",
    "30-44": "30 à 44 ans",
    "45-59": "45 à 59 ans",
    "60-74": "60 à 74 ans",
    "75+": "75 ans et plus",
}


class NotEligible(ValueError):
    """The person may not vote in this edition; the message is French and says why."""


def age_on(birth_date: date, day: date) -> int:
    """Age in completed years on `day` (born 29 February: a year is completed on 1 March in common years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_band(age: int) -> str:
    """The participation band an age falls in."""
    for low, high, name in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return name
    return AGE_BANDS[0][2]


@dataclass(frozen=True)
class VoterFacts:
    """What eligibility is decided on."""

    birth_date: date
    commune_in_department: bool
    email_confirmed: bool


def check_eligibility(facts: VoterFacts, min_age: int, last_vote_day: date, today: date) -> None:
    """Raise NotEligible unless the person may vote.

    The age is reached on the last day of the vote, so someone turning 11 on 30 September votes
    from 1 September: the rule the département applies to the whole campaign, not day by day.
    """
    if not facts.email_confirmed:
        raise NotEligible(
            "Confirmez d'abord votre adresse électronique (lien reçu par courriel) pour pouvoir voter."
        )
    if facts.birth_date > today:
        raise NotEligible("La date de naissance ne peut pas être dans le futur.")
    if facts.birth_date.year < 1900:
        raise NotEligible("Vérifiez la date de naissance.")
    if age_on(facts.birth_date, last_vote_day) < min_age:
        raise NotEligible(
            f"Le vote est ouvert aux habitants âgés d'au moins {min_age} ans au dernier jour du vote "
            f"({last_vote_day.strftime('%d/%m/%Y')})."
        )
    if not facts.commune_in_department:
        raise NotEligible(
            "Le vote est réservé aux habitants des communes de la collectivité : choisissez votre commune de "
            "résidence."
        )


def normalise_name(name: str) -> str:
    """Accents, case, hyphens, apostrophes and spacing removed: "Lefèvre-Dupont" == "LEFEVRE dupont"."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() else " " for c in letters.casefold())
    return " ".join(kept.split())


def person_key(secret: str, first_name: str, last_name: str, birth_date: date, commune_code: str) -> str:
    """A keyed hash of the normalised identity, equal for the same person typed differently."""
    identity = "\x1f".join(
        (normalise_name(last_name), normalise_name(first_name), birth_date.isoformat(), commune_code)
    )
    return hmac.new(("person:" + secret).encode(), identity.encode(), hashlib.sha256).hexdigest()


def voter_key(secret: str, *, user_id: int | None = None, person: str | None = None) -> str:
    """The key a ballot is stored under: from the account online, from the identity on paper.

    Without the secret, a database dump cannot tell which account cast which ballot.
    """
    if (user_id is None) == (person is None):
        raise ValueError("exactly one of user_id or person")
    subject = f"account:{user_id}" if user_id is not None else f"paper:{person}"
    return hmac.new(("ballot:" + secret).encode(), subject.encode(), hashlib.sha256).hexdigest()
