"""The vote's operations: declare an identity, cast or change a ballot, paper ballots, receipts, voiding.

Every write is one transaction (the caller commits). Nothing here stores a name or an e-mail next to
a ballot: ballots are found through `eligibility.voter_key`, which needs the application's secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from itsdangerous import BadSignature, Signer
from sqlalchemy import and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from budgetcitoyen.accounts import services as accounts_services
from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import local_midnight, local_zone, to_local
from budgetcitoyen.editions.models import BallotScope, Edition
from budgetcitoyen.editions.rules import Phase, PhaseStatus, phase_status
from budgetcitoyen.editions.services import BALLOT_CHECKS, require_phase
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed, PhaseClosed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.workflow import Status
from budgetcitoyen.voting import notifications
from budgetcitoyen.reference.models import Commune, Territory
from budgetcitoyen.voting.eligibility import (
    NotEligible,
    VoterFacts,
    age_band,
    age_on,
    check_eligibility,
    normalise_name,
    person_key,
    voter_key,
)
from budgetcitoyen.voting.models import (
    Ballot,
    BallotChoice,
    Channel,
    PaperAttendance,
    PaperClashPolicy,
    VoterProfile,
)
from budgetcitoyen.voting.rules import InvalidBallot, last_vote_day, validate_choices

# Initiatives a ballot may name: labelled by the committee, or already placed on the ballot.
BALLOT_STATUSES = (Status.LABELLED.value, Status.ON_BALLOT.value)
RECEIPT_SALT = "ballot-receipt"


@dataclass(frozen=True)
class Identity:
    """A person as declared online or written on a town hall's attendance list."""

    first_name: str
    last_name: str
    birth_date: date
    commune_code: str


# --- what is on the ballot -------------------------------------------------------------------


def ballot_is_public(edition: Edition) -> bool:
    """The ballot lists the published catalogue: nothing is on it before the Mission ESS publishes."""
    return edition.is_published and edition.catalogue_published


def ballot_initiatives(session: Session, edition: Edition, territory_id: int | None = None) -> list[Initiative]:
    """The initiatives a voter may choose (those of their territory when the edition votes per territory)."""
    if not ballot_is_public(edition):
        return []
    query = (
        select(Initiative)
        .where(Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))
        # The ballot shows each one's territory and category: loaded here, not one query each.
        .options(joinedload(Initiative.territory), joinedload(Initiative.category))
    )
    if edition.ballot_scope == BallotScope.TERRITORY.value and territory_id is not None:
        query = query.where(Initiative.territory_id == territory_id)
    return list(session.scalars(query.order_by(Initiative.id)))


def _territory_of(session: Session, commune_code: str) -> int:
    territory_id = session.scalar(select(Commune.territory_id).where(Commune.insee_code == commune_code))
    if territory_id is None:
        raise DomainError("Commune inconnue : choisissez votre commune dans la liste des communes du département.")
    return territory_id


def vote_window_status(edition: Edition, now: datetime) -> PhaseStatus | None:
    """Upcoming, open or closed; None when the edition has no vote dates."""
    window = edition.window(Phase.VOTE)
    return phase_status(window, now) if window else None


def _last_day(edition: Edition) -> date:
    window = edition.window(Phase.VOTE)
    if window is None:
        raise PhaseClosed(f"Le vote de l'édition {edition.year} n'a pas de dates.")
    return last_vote_day(window.ends_at, local_zone())


# --- identity ----------------------------------------------------------------------------------


def profile_of(session: Session, user: User) -> VoterProfile | None:
    return session.scalar(
        select(VoterProfile).where(VoterProfile.user_id == user.id).options(joinedload(VoterProfile.commune))
    )


def _clean_identity(session: Session, identity: Identity) -> Identity:
    first, last = " ".join(identity.first_name.split()), " ".join(identity.last_name.split())
    if not normalise_name(first):
        raise DomainError("Indiquez votre prénom.", field="first_name")
    if not normalise_name(last):
        raise DomainError("Indiquez votre nom.", field="last_name")
    if session.get(Commune, identity.commune_code) is None:
        raise DomainError(
            "Commune inconnue : le vote est réservé aux habitants du département.", field="commune"
        )
    return Identity(first, last, identity.birth_date, identity.commune_code)


def check_person(edition: Edition, identity: Identity, *, email_confirmed: bool, today: date) -> None:
    """Raise DomainError (French) unless this person may vote in `edition`."""
    try:
        check_eligibility(
            VoterFacts(identity.birth_date, True, email_confirmed), edition.voting_min_age, _last_day(edition), today
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
    identity = _clean_identity(session, identity)
    if identity.birth_date > to_local(now).date() or identity.birth_date.year < 1900:
        raise DomainError("Vérifiez votre date de naissance.", field="birth_date")
    profile = profile_of(session, user)
    if profile is not None and edition is not None and find_online_ballot(session, edition, user, secret) is not None:
        raise Conflict(
            "Vous avez déjà voté : vos informations ne peuvent plus être modifiées pendant ce vote. "
            "Pour une correction, écrivez à la mission ESS."
        )
    key = person_key(secret, identity.first_name, identity.last_name, identity.birth_date, identity.commune_code)
    if profile is None:
        profile = VoterProfile(user_id=user.id, created_at=now)
        session.add(profile)
    profile.first_name = identity.first_name
    profile.last_name = identity.last_name
    profile.birth_date = identity.birth_date
    profile.commune_code = identity.commune_code
    profile.person_key = key
    profile.updated_at = now
    session.flush()
    return profile


def identity_of(profile: VoterProfile) -> Identity:
    return Identity(profile.first_name, profile.last_name, profile.birth_date, profile.commune_code)


# --- ballots ---------------------------------------------------------------------------------


def find_online_ballot(session: Session, edition: Edition, user: User, secret: str, *, lock: bool = False) -> Ballot | None:
    query = select(Ballot).where(
        Ballot.edition_id == edition.id, Ballot.voter_key == voter_key(secret, user_id=user.id)
    )
    return session.scalar(query.with_for_update() if lock else query)


def _allowed_ids(session: Session, edition: Edition, territory_id: int) -> set[int]:
    """Ids only: checking a ballot needs no initiative loaded."""
    if not ballot_is_public(edition):
        return set()
    query = select(Initiative.id).where(Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES))
    if edition.ballot_scope == BallotScope.TERRITORY.value:
        query = query.where(Initiative.territory_id == territory_id)
    return set(session.scalars(query))


def _checked_choices(session: Session, edition: Edition, territory_id: int, raw_choices: Iterable[str]) -> list[int]:
    try:
        return validate_choices(
            raw_choices, _allowed_ids(session, edition, territory_id), edition.min_choices, edition.max_choices
        )
    except InvalidBallot as exc:
        raise DomainError(str(exc), field="choices") from exc


def cast_day(now: datetime) -> datetime:
    """When a ballot is recorded as cast: the start of its local day, not the instant.

    An exact time would let anyone reading the database match a ballot with an account's log-in
    time, or a paper ballot with its attendance line; the voter's receipt only needs the day.
    """
    return local_midnight(to_local(now).date())


def store_ballot(
    session: Session,
    edition: Edition,
    key: str,
    channel: Channel,
    territory_id: int,
    band: str,
    choices: list[int],
    now: datetime,
) -> tuple[Ballot, bool]:
    """Insert the voter's ballot or replace its choices, under a row lock: (ballot, created).

    No check here: callers have checked the window, the person and the choices.
    """
    query = select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voter_key == key).with_for_update()
    ballot = session.scalar(query)
    created = False
    if ballot is None:
        try:
            # Concurrent first ballots of one voter: the unique constraint lets exactly one insert
            # through; the others fall back to updating the row it created.
            with session.begin_nested():
                ballot = Ballot(
                    edition_id=edition.id,
                    public_id=secrets.token_hex(16),
                    receipt_id=secrets.token_hex(16),
                    voter_key=key,
                    channel=channel.value,
                    territory_id=territory_id,
                    age_band=band,
                    version=1,
                    cast_at=cast_day(now),
                )
                session.add(ballot)
                session.flush()
                created = True
        except IntegrityError:
            ballot = session.scalar(query.execution_options(populate_existing=True))
            if ballot is None:  # pragma: no cover - the conflicting row was deleted meanwhile
                raise Conflict("Votre vote n'a pas pu être enregistré, merci de réessayer.") from None
    if not created:
        if ballot.voided_at is not None:
            raise NotAllowed(
                "Votre bulletin a été annulé par la mission ESS et ne peut plus être modifié. "
                "Pour toute question, écrivez à la mission ESS."
            )
        ballot.version += 1
        ballot.cast_at = cast_day(now)
        ballot.territory_id = territory_id
        ballot.age_band = band
        session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    session.add_all(BallotChoice(ballot_id=ballot.id, initiative_id=i) for i in choices)
    session.flush()
    session.expire(ballot, ["choices"])
    return ballot, created


def cast_online(
    session: Session, edition: Edition, user: User, raw_choices: Iterable[str], secret: str, now: datetime
) -> Ballot:
    """Cast or change the account's ballot: checks the window, eligibility, the choices and paper clashes."""
    require_phase(edition, Phase.VOTE, now)
    profile = profile_of(session, user)
    if profile is None:
        raise DomainError("Indiquez d'abord votre identité et votre commune de résidence pour pouvoir voter.")
    identity = identity_of(profile)
    check_person(edition, identity, email_confirmed=user.is_confirmed, today=to_local(now).date())
    territory_id = _territory_of(session, identity.commune_code)
    choices = _checked_choices(session, edition, territory_id, raw_choices)

    paper = _paper_ballot_of(session, edition, profile.person_key, secret)
    if paper is not None and paper.voided_at is None:
        # An identity declared online is not checked, while the paper voter signed the attendance
        # list: the online side never voids a paper ballot (whatever the edition's clash rule, which
        # applies when the paper ballot is typed in after). The duplicates report shows the case to
        # the Mission ESS, and the message says nothing of anyone's vote.
        raise Conflict(
            "Votre vote ne peut pas être enregistré en ligne pour le moment : une vérification est nécessaire. "
            "Écrivez à la mission ESS, qui vous répondra rapidement."
        )

    band = age_band(age_on(identity.birth_date, _last_day(edition)))
    # Not journaled: an entry per ballot, timed to the second, would sit next to the account's own
    # activity and help tie a person to a ballot; the ballot row keeps its version and time.
    ballot, _ = store_ballot(
        session, edition, voter_key(secret, user_id=user.id), Channel.ONLINE, territory_id, band, choices, now
    )
    notifications.ballot_receipt(session, user, edition, ballot, receipt_code(secret, ballot))
    return ballot


def _paper_ballot_of(session: Session, edition: Edition, person: str, secret: str) -> Ballot | None:
    return session.scalar(
        select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voter_key == voter_key(secret, person=person))
    )


def _online_ballots_of_person(session: Session, edition: Edition, person: str, secret: str) -> list[Ballot]:
    keys = [voter_key(secret, user_id=uid) for uid in session.scalars(
        select(VoterProfile.user_id).where(VoterProfile.person_key == person)
    )]
    if not keys:
        return []
    return list(session.scalars(select(Ballot).where(Ballot.edition_id == edition.id, Ballot.voter_key.in_(keys))))


@dataclass(frozen=True)
class PaperResult:
    """What happened to a paper ballot typed in by an agent."""

    ballot: Ballot
    clash: bool
    counted: bool
    message: str


def record_paper(
    session: Session,
    edition: Edition,
    agent: User,
    identity: Identity,
    polling_place: str,
    raw_choices: Iterable[str],
    secret: str,
    now: datetime,
) -> PaperResult:
    """Enter a ballot collected in a town hall with its attendance-list line, settling clashes with online votes.

    Paper ballots arrive after the boxes are opened, so entry stays possible once the vote has
    closed, until results are published; not before the vote opens.
    """
    window = edition.window(Phase.VOTE)
    if window is None or now < window.starts_at:
        raise PhaseClosed("La saisie des bulletins papier ouvre avec le vote.")
    if results_published(session, edition.id):
        raise PhaseClosed("Les résultats de cette édition sont publiés : les bulletins papier ne peuvent plus être saisis.")
    results = edition.window(Phase.RESULTS)
    if results is not None and now >= results.ends_at:
        raise PhaseClosed("La période des résultats est close : les bulletins papier ne peuvent plus être saisis.")
    identity = _clean_identity(session, identity)
    place = " ".join(polling_place.split())
    if not place:
        raise DomainError("Indiquez le lieu de vote (mairie).", field="polling_place")
    check_person(edition, identity, email_confirmed=True, today=to_local(window.ends_at).date())
    territory_id = _territory_of(session, identity.commune_code)
    choices = _checked_choices(session, edition, territory_id, raw_choices)

    key = person_key(secret, identity.first_name, identity.last_name, identity.birth_date, identity.commune_code)
    attendance = PaperAttendance(
        edition_id=edition.id,
        first_name=identity.first_name,
        last_name=identity.last_name,
        birth_date=identity.birth_date,
        commune_code=identity.commune_code,
        person_key=key,
        polling_place=place[:200],
        entered_by_id=agent.id,
        entered_at=now,
    )
    try:
        with session.begin_nested():
            session.add(attendance)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "Cette personne figure déjà sur la liste d'émargement papier de cette édition : "
            "un second bulletin papier n'est pas compté."
        ) from None

    band = age_band(age_on(identity.birth_date, _last_day(edition)))
    ballot, _ = store_ballot(
        session, edition, voter_key(secret, person=key), Channel.PAPER, territory_id, band, choices, now
    )
    online = [b for b in _online_ballots_of_person(session, edition, key, secret) if b.voided_at is None]
    clash, counted = bool(online), True
    message = "Bulletin papier enregistré et compté."
    if online and edition.paper_clash_policy == PaperClashPolicy.ONLINE_WINS.value:
        void(session, ballot, agent, "Double vote : la même personne a voté en ligne (le vote en ligne compte).", now)
        counted = False
        message = "Cette personne a déjà voté en ligne : son vote en ligne compte, ce bulletin papier est annulé."
    elif online:
        for other in online:
            void(session, other, agent, "Double vote : la même personne a voté sur papier (le bulletin papier compte).", now)
        message = "Cette personne avait voté en ligne : le bulletin papier compte, son vote en ligne est annulé."
    audit.record(
        session,
        actor=agent,
        action="ballot.paper_entered",
        object_type="paper_attendance",
        object_id=attendance.id,
        now=now,
        summary=f"Émargement papier ({place[:100]}) : {message}",
    )
    return PaperResult(ballot, clash, counted, message)


def results_published(session: Session, edition_id: int) -> bool:
    """Once results are published, the counted ballots are those of the published files."""
    from budgetcitoyen.results.models import AllocationResult  # results builds on voting, not the reverse

    return session.scalar(select(AllocationResult.published_at).where(
        AllocationResult.edition_id == edition_id)) is not None


def void(session: Session, ballot: Ballot, actor: User | None, reason: str, now: datetime) -> None:
    """Void a ballot with its reason (kept and journaled); the choices stay for the record but no longer count."""
    if results_published(session, ballot.edition_id):
        raise Conflict("Les résultats de cette édition sont publiés : aucun bulletin ne peut plus être annulé.")
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Indiquez le motif de l'annulation.", field="reason")
    if ballot.voided_at is not None:
        raise Conflict("Ce bulletin est déjà annulé.")
    ballot.voided_at = now
    ballot.void_reason = reason[:500]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ballot.voided",
        object_type="ballot",
        object_id=ballot.receipt_id[:8],
        now=now,
        summary=f"Bulletin {CHANNEL_NAMES[ballot.channel]} annulé : {reason[:400]}",
    )


CHANNEL_NAMES = {Channel.ONLINE.value: "en ligne", Channel.PAPER.value: "papier"}


def void_online_ballot_of(
    session: Session, edition: Edition, user: User, actor: User, reason: str, secret: str, now: datetime
) -> None:
    """The admin's action from the duplicates report: void the ballot of this account."""
    ballot = find_online_ballot(session, edition, user, secret, lock=True)
    if ballot is None:
        raise Conflict("Ce compte n'a pas de bulletin dans cette édition.")
    void(session, ballot, actor, reason, now)


# --- receipts --------------------------------------------------------------------------------


def receipt_code(secret: str, ballot: Ballot) -> str:
    """What the voter keeps: the receipt id and the ballot's version, signed."""
    return Signer(secret, salt=RECEIPT_SALT).sign(f"{ballot.receipt_id}-{ballot.version}").decode()


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt tells: counted, replaced by a later version, or voided — never the choices."""

    state: str  # "counted", "superseded", "voided"
    cast_at: datetime
    edition_year: int


def check_receipt(session: Session, secret: str, code: str) -> ReceiptCheck:
    """Verify a receipt code; DomainError for a forged, mistyped or unknown one."""
    invalid = DomainError("Ce code de reçu n'est pas valide. Vérifiez qu'il a été recopié en entier.", field="code")
    try:
        payload = Signer(secret, salt=RECEIPT_SALT).unsign(code.strip()).decode()
    except (BadSignature, UnicodeError, ValueError):
        raise invalid from None
    receipt_id, _, version_text = payload.rpartition("-")
    if not (version_text.isascii() and version_text.isdigit()):
        raise invalid
    ballot = session.scalar(select(Ballot).where(Ballot.receipt_id == receipt_id))
    if ballot is None:
        raise invalid
    edition = session.get(Edition, ballot.edition_id)
    year = edition.year if edition else 0
    if ballot.voided_at is not None:
        return ReceiptCheck("voided", ballot.cast_at, year)
    if int(version_text) != ballot.version:
        return ReceiptCheck("superseded", ballot.cast_at, year)
    return ReceiptCheck("counted", ballot.cast_at, year)


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    """Counted ballots (voided ones excluded), in total and by territory, channel and age band."""

    total: int
    by_territory: list[tuple[str, int]]
    by_channel: dict[str, int]
    by_age_band: dict[str, int]
    voided: int


def participation(session: Session, edition: Edition) -> Participation:
    counted = and_(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
    by_territory = [
        (name, count)
        for name, count in session.execute(
            select(Territory.name, func.count(Ballot.id))
            .select_from(Territory)
            .outerjoin(Ballot, and_(Ballot.territory_id == Territory.id, counted))
            .group_by(Territory.id, Territory.name)
            .order_by(Territory.name)
        )
    ]
    by_channel = dict(
        session.execute(select(Ballot.channel, func.count()).where(counted).group_by(Ballot.channel)).all()
    )
    by_age_band = dict(
        session.execute(select(Ballot.age_band, func.count()).where(counted).group_by(Ballot.age_band)).all()
    )
    voided = session.scalar(
        select(func.count()).where(Ballot.edition_id == edition.id, Ballot.voided_at.is_not(None))
    ) or 0
    return Participation(sum(by_channel.values()), by_territory, by_channel, by_age_band, voided)


def tally(session: Session, edition: Edition) -> dict[int, int]:
    """Votes per initiative id, counting only ballots that are not voided."""
    rows = session.execute(
        select(BallotChoice.initiative_id, func.count())
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.edition_id == edition.id, Ballot.voided_at.is_(None))
        .group_by(BallotChoice.initiative_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class DuplicateEntry:
    """One account or attendance line in a group of likely duplicates."""

    kind: str  # "account" or "paper"
    user: User | None
    profile: VoterProfile | None
    attendance: PaperAttendance | None
    ballot_state: str  # "none", "counted", "voided"


def likely_duplicates(session: Session, edition: Edition, secret: str) -> list[list[DuplicateEntry]]:
    """Groups of accounts (and paper attendance lines) declaring the same person, for the admin to settle.

    The same normalised name, birth date and commune on two accounts is either one person voting
    twice or a rare namesake: flagged for a human decision, never voided automatically.
    """
    keys = list(session.scalars(
        select(VoterProfile.person_key).group_by(VoterProfile.person_key).having(func.count() > 1)
    ))
    paper_keys = set(session.scalars(
        select(PaperAttendance.person_key)
        .where(PaperAttendance.edition_id == edition.id)
        .where(PaperAttendance.person_key.in_(select(VoterProfile.person_key)))
    ))
    groups: list[list[DuplicateEntry]] = []
    for key in sorted(set(keys) | paper_keys):
        entries: list[DuplicateEntry] = []
        for profile in session.scalars(select(VoterProfile).where(VoterProfile.person_key == key).order_by(VoterProfile.id)):
            user = session.get(User, profile.user_id)
            ballot = find_online_ballot(session, edition, user, secret) if user else None
            entries.append(DuplicateEntry("account", user, profile, None, _state(ballot)))
        for line in session.scalars(
            select(PaperAttendance).where(PaperAttendance.edition_id == edition.id, PaperAttendance.person_key == key)
        ):
            entries.append(DuplicateEntry("paper", None, None, line, _state(_paper_ballot_of(session, edition, key, secret))))
        groups.append(entries)
    return groups


def _state(ballot: Ballot | None) -> str:
    if ballot is None:
        return "none"
    return "voided" if ballot.voided_at is not None else "counted"


# --- personal data (export and erasure with the account) -------------------------------------

# A birth date is required by the schema; an erased profile keeps this one, which no voter has.
ERASED_BIRTH_DATE = date(1900, 1, 1)


def export_voter_data(session: Session, user: User) -> dict[str, object]:
    """The identity declared for voting and the person's own ballots (only they ever see this)."""
    profile = profile_of(session, user)
    if profile is None:
        return {}
    ballots = []
    for edition in session.scalars(select(Edition).order_by(Edition.year)):
        ballot = find_online_ballot(session, edition, user, _app_secret())
        if ballot is not None:
            titles = session.scalars(select(Initiative.title).where(
                Initiative.id.in_([c.initiative_id for c in ballot.choices])).order_by(Initiative.title)).all()
            ballots.append({"edition": edition.year, "enregistre_le": ballot.cast_at.isoformat(),
                            "annule": ballot.voided_at is not None, "choix": list(titles)})
    return {"vote": {
        "identite": {"prenom": profile.first_name, "nom": profile.last_name,
                     "date_de_naissance": profile.birth_date.isoformat(), "commune": profile.commune_code},
        "bulletins": ballots,
    }}


def erase_voter_data(session: Session, user: User) -> None:
    """Names and birth date go; the keyed identity hash stays, so a new account of the same person
    is still seen as a duplicate, and the ballot already cast keeps counting."""
    profile = profile_of(session, user)
    if profile is None:
        return
    profile.first_name = ""
    profile.last_name = ""
    profile.birth_date = ERASED_BIRTH_DATE
    session.flush()


def _app_secret() -> str:
    # The account module calls exporters with (session, user) only; they run within a request.
    from flask import current_app

    return current_app.config["SECRET_KEY"]


def has_ballots(session: Session, edition: Edition) -> bool:
    """Whether any ballot was cast for the edition (its calendar may then not reopen the vote)."""
    return session.scalar(select(Ballot.id).where(Ballot.edition_id == edition.id).limit(1)) is not None


accounts_services.PERSONAL_DATA_EXPORTERS.append(export_voter_data)
accounts_services.PERSONAL_DATA_ERASERS.append(erase_voter_data)
BALLOT_CHECKS.append(has_ballots)
