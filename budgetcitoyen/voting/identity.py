"""Who votes: the identity an account declares, the person key that finds one person across accounts
and paper, and finding a voter's ballot through its keyed voter key (use cases and queries: session
in, flush only, no Flask).

Nothing here stores a name or an e-mail next to a ballot: ballots are found through
`eligibility.voter_key`, which needs the application's secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import to_local
from budgetcitoyen.config import collectivite_setting, naming
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import Conflict, DomainError
from budgetcitoyen.reference.models import Commune
from budgetcitoyen.voting.eligibility import (
    NotEligible,
    VoterFacts,
    check_eligibility,
    normalise_name,
    person_key,
    voter_key,
)
from budgetcitoyen.voting.models import Ballot, VoterProfile
from budgetcitoyen.voting.rules import vote_last_day, vote_window_status


@dataclass(frozen=True)
class Identity:
    """A person as declared online or written on a town hall's attendance list."""

    first_name: str
    last_name: str
    birth_date: date
    commune_code: str

    def person_key(self, secret: str) -> str:
        """The keyed hash of this identity, equal for the same person typed differently."""
        return person_key(secret, self.first_name, self.last_name, self.birth_date, self.commune_code)


def identity_of(profile: VoterProfile) -> Identity:
    return Identity(profile.first_name, profile.last_name, profile.birth_date, profile.commune_code)


def profile_of(session: Session, user: User) -> VoterProfile | None:
    return session.scalar(
        select(VoterProfile).where(VoterProfile.user_id == user.id).options(joinedload(VoterProfile.commune))
    )


def commune_territory(session: Session, commune_code: str) -> int | None:
    """The territory of a commune, None for an unknown code."""
    return session.scalar(select(Commune.territory_id).where(Commune.insee_code == commune_code))


def territory_of(session: Session, commune_code: str) -> int:
    """The territory a voter's commune belongs to (a ballot keeps it for the participation figures)."""
    territory_id = commune_territory(session, commune_code)
    if territory_id is None:
        raise DomainError(
            "Commune inconnue : choisissez votre commune dans la liste des communes "
            f"{collectivite_setting('COLLECTIVITE_OF')}."
        )
    return territory_id


def clean_identity(session: Session, identity: Identity) -> Identity:
    """The identity with its spacing tidied; DomainError (on its field) for a blank name or a commune
    outside the département."""
    first, last = " ".join(identity.first_name.split()), " ".join(identity.last_name.split())
    if not normalise_name(first):
        raise DomainError("Indiquez votre prénom.", field="first_name")
    if not normalise_name(last):
        raise DomainError("Indiquez votre nom.", field="last_name")
    if session.get(Commune, identity.commune_code) is None:
        raise DomainError(
            "Commune inconnue : le vote est réservé aux habitants "
            f"{collectivite_setting('COLLECTIVITE_OF')}.", field="commune"
        )
    return Identity(first, last, identity.birth_date, identity.commune_code)


def check_person(edition: Edition, identity: Identity, *, email_confirmed: bool, today: date) -> None:
    """Raise DomainError (French) unless this person may vote in `edition`."""
    try:
        check_eligibility(
            VoterFacts(identity.birth_date, True, email_confirmed), edition.voting_min_age,
            vote_last_day(edition), today,
        )
    except NotEligible as exc:
        raise DomainError(str(exc), field="birth_date" if email_confirmed else None) from exc


def save_profile(
    session: Session, user: User, identity: Identity, secret: str, edition: Edition | None, now: datetime
) -> VoterProfile:
    """Create or update the identity an account votes with.

    Once the account has a ballot in the edition, the identity is frozen: changing it then would
    let one person vote again under another identity, or hide a duplicate.
    """
    identity = clean_identity(session, identity)
    if identity.birth_date > to_local(now).date() or identity.birth_date.year < 1900:
        raise DomainError("Vérifiez votre date de naissance.", field="birth_date")
    profile = profile_of(session, user)
    if (profile is not None and edition is not None
            and find_online_ballot(session, edition, user, secret) is not None):
        raise Conflict(
            "Vous avez déjà voté : vos informations ne peuvent plus être modifiées pendant ce vote. "
            f"Pour une correction, écrivez {naming().service.au}."
        )
    if profile is None:
        profile = VoterProfile(user_id=user.id, created_at=now)
        session.add(profile)
    profile.first_name = identity.first_name
    profile.last_name = identity.last_name
    profile.birth_date = identity.birth_date
    profile.commune_code = identity.commune_code
    profile.person_key = identity.person_key(secret)
    profile.updated_at = now
    session.flush()
    return profile


def declare_identity(
    session: Session, user: User, identity: Identity, secret: str, edition: Edition | None, now: datetime
) -> VoterProfile:
    """The voter's page: save the identity, and once the edition's vote has dates, refuse a person who
    may not vote in it (nothing is saved then)."""
    profile = save_profile(session, user, identity, secret, edition, now)
    if edition is not None and vote_window_status(edition, now) is not None:
        check_person(edition, identity, email_confirmed=user.is_confirmed, today=to_local(now).date())
    return profile


# --- a voter's ballot, through the keyed voter key ---------------------------------------------


def find_online_ballot(
    session: Session, edition: Edition, user: User, secret: str, *, lock: bool = False
) -> Ballot | None:
    query = select(Ballot).where(
        Ballot.edition_id == edition.id, Ballot.voter_key == voter_key(secret, user_id=user.id)
    )
    return session.scalar(query.with_for_update() if lock else query)


def paper_ballot_of(session: Session, edition: Edition, person: str, secret: str) -> Ballot | None:
    """The paper ballot of the person with this person key."""
    return session.scalar(
        select(Ballot).where(
            Ballot.edition_id == edition.id, Ballot.voter_key == voter_key(secret, person=person)
        )
    )


def online_ballots_of_person(session: Session, edition: Edition, person: str, secret: str) -> list[Ballot]:
    """The ballots of every account that declared the person with this person key."""
    keys = [
        voter_key(secret, user_id=uid)
        for uid in session.scalars(select(VoterProfile.user_id).where(VoterProfile.person_key == person))
    ]
    if not keys:
        return []
    return list(
        session.scalars(select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voter_key.in_(keys)))
    )
