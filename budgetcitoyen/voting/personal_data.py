"""What the vote holds about a person, for the account's export and erasure (queries and a use case:
session in, flush only, no Flask).

The account domain calls its exporters and erasers with (session, user); the voting views register
these two, the exporter with the application's secret that finds the person's ballots.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.voting.ballots import chosen_initiatives
from budgetcitoyen.voting.identity import find_online_ballot, profile_of
from budgetcitoyen.voting.models import VerifiedIdentity

# A birth date is required by the schema; an erased profile keeps this one, which no voter has.
ERASED_BIRTH_DATE = date(1900, 1, 1)


def export_voter_data(session: Session, user: User, secret: str) -> dict[str, object]:
    """The identity declared for voting and the person's own ballots (only they ever see this)."""
    profile = profile_of(session, user)
    if profile is None:
        return {}
    ballots = []
    for edition in session.scalars(select(Edition).order_by(Edition.year)):
        ballot = find_online_ballot(session, edition, user, secret)
        if ballot is not None:
            ballots.append({
                "edition": edition.year,
                "enregistre_le": ballot.cast_at.isoformat(),
                "annule": ballot.voided_at is not None,
                "choix": [i.title for i in chosen_initiatives(session, ballot)],
            })
    return {"vote": {
        "identite": {"prenom": profile.first_name, "nom": profile.last_name,
                     "date_de_naissance": profile.birth_date.isoformat(), "commune": profile.commune_code},
        "bulletins": ballots,
    }}


def erase_voter_data(session: Session, user: User) -> None:
    """Names and birth date go, and the verified identity with them (the person may verify again on a
    new account); the keyed identity hash stays, so a new account of the same person is still seen as
    a duplicate, and the ballot already cast keeps counting."""
    session.execute(delete(VerifiedIdentity).where(VerifiedIdentity.user_id == user.id))
    profile = profile_of(session, user)
    if profile is None:
        return
    profile.first_name = ""
    profile.last_name = ""
    profile.birth_date = ERASED_BIRTH_DATE
    session.flush()
