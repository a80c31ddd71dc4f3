"""The review step before a ballot is recorded (queries and checks: session in, no Flask, no write).

The ballot's first sending only shows the chosen initiatives back; the ballot is cast when the voter
confirms them. The confirmation form carries the choices and a token: an HMAC, under the app's secret,
of the edition, the account and the choices reviewed. A confirmation whose choices differ from those
shown (a tampered form, or one mixed up between two tabs) is refused, so what is recorded is what the
voter read. The token lives in that one page: it is stored nowhere and names nothing without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import require_phase
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.textsearch import alphabetically
from budgetcitoyen.voting.ballots import checked_choices
from budgetcitoyen.voting.identity import profile_of, territory_of

REVIEW_SALT = "ballot-review"
TAMPERED = (
    "Les choix envoyés ne sont pas ceux que vous avez relus : votre vote n'est pas enregistré. "
    "Vérifiez votre bulletin et validez-le à nouveau."
)


def review_choices(
    session: Session, edition: Edition, user: User, raw_choices: Iterable[str], now: datetime
) -> list[Initiative]:
    """The initiatives a ballot names, checked as casting would (window, identity, the choices of the
    voter's ballot; DomainError otherwise), by title. Nothing is written."""
    require_phase(edition, Phase.VOTE, now)
    profile = profile_of(session, user)
    if profile is None:
        raise DomainError("Indiquez d'abord votre identité et votre commune de résidence pour pouvoir voter.")
    ids = checked_choices(session, edition, territory_of(session, profile.commune_code), raw_choices)
    return list(session.scalars(
        select(Initiative).where(Initiative.id.in_(ids))
        .options(joinedload(Initiative.territory), joinedload(Initiative.category))
        .order_by(*alphabetically(Initiative.title))
    ))


def review_token(secret: str, edition: Edition, user: User, choices: Iterable[int | str]) -> str:
    """The token of a reviewed ballot: the same whatever the order of the choices."""
    ids = ",".join(sorted(str(c).strip() for c in choices))
    message = f"{REVIEW_SALT}:{edition.id}:{user.id}:{ids}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def check_review_token(
    secret: str, edition: Edition, user: User, raw_choices: Iterable[str], token: str
) -> None:
    """Refuse, with a French message, a confirmation whose choices are not those reviewed."""
    expected = review_token(secret, edition, user, raw_choices).encode()
    if not hmac.compare_digest(expected, token.strip()[:64].encode()):
        raise DomainError(TAMPERED, field="choices")
