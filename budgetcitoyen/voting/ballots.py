"""Ballots: what a ballot offers, casting or changing one online, storing it, voiding it (use cases and
queries: session in, flush only, no Flask; the caller commits once).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, aliased, joinedload, make_transient_to_detached

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import local_midnight, to_local
from budgetcitoyen.config import naming
from budgetcitoyen.db import random_id, upsert_insert_for
from budgetcitoyen.editions.models import BallotScope, Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import BALLOT_CHECKS, require_phase
from budgetcitoyen.errors import Conflict, DomainError, NotAllowed
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.textsearch import alphabetically
from budgetcitoyen.voting import counts, notifications
from budgetcitoyen.voting.eligibility import age_band, age_on, voter_key
from budgetcitoyen.voting.identity import (
    check_person,
    commune_territory,
    find_online_ballot,
    identity_of,
    profile_of,
    territory_of,
)
from budgetcitoyen.voting.models import Ballot, BallotChoice, Channel, VerifiedIdentity, VoterProfile
from budgetcitoyen.voting.receipts import receipt_code
from budgetcitoyen.voting.rules import (
    BALLOT_STATUSES,
    InvalidBallot,
    ballot_is_public,
    shuffled_for,
    validate_choices,
    vote_last_day,
)
from budgetcitoyen.voting.verification import IdentityPolicy

CHANNEL_NAMES = {Channel.ONLINE.value: "en ligne", Channel.PAPER.value: "papier"}

# Domains built on the vote register here whether an edition's count is final: the results domain
# says so once its results are published. From then on no ballot may be entered or voided.
FINAL_COUNT_CHECKS: list[Callable[[Session, int], bool]] = []


def count_is_final(session: Session, edition_id: int) -> bool:
    """Whether the edition's counted ballots are final (its results are published)."""
    return any(check(session, edition_id) for check in FINAL_COUNT_CHECKS)


def has_ballots(session: Session, edition: Edition) -> bool:
    """Whether any ballot was cast for the edition (its calendar may then not reopen the vote)."""
    return session.scalar(select(Ballot.id).where(Ballot.edition_id == edition.id).limit(1)) is not None


# The edition's calendar asks the vote whether ballots exist (editions build below voting).
BALLOT_CHECKS.append(has_ballots)


# --- what is on the ballot -------------------------------------------------------------------


def ballot_initiatives(
    session: Session, edition: Edition, territory_id: int | None = None
) -> list[Initiative]:
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


def _allowed_query(edition: Edition, territory_id: int) -> Select[tuple[int]]:
    query = select(Initiative.id).where(
        Initiative.edition_id == edition.id, Initiative.status.in_(BALLOT_STATUSES)
    )
    if edition.ballot_scope == BallotScope.TERRITORY.value:
        query = query.where(Initiative.territory_id == territory_id)
    return query


def _allowed_ids(session: Session, edition: Edition, territory_id: int) -> set[int]:
    """Ids only: checking a ballot needs no initiative loaded."""
    if not ballot_is_public(edition):
        return set()
    return set(session.scalars(_allowed_query(edition, territory_id)))


# Stands for "a counted paper ballot exists" among initiative ids, which are positive.
_PAPER_BALLOT = 0


def _allowed_ids_and_paper(
    session: Session, edition: Edition, territory_id: int, paper_key: str
) -> tuple[set[int], bool]:
    """The initiative ids on the voter's ballot, and whether a counted paper ballot carries this key: one
    statement (every ballot asks both)."""
    query = _allowed_and_paper_query(ballot_is_public(edition),
                                     edition.ballot_scope == BallotScope.TERRITORY.value)
    ids = set(session.scalars(query, {"edition_id": edition.id, "territory_id": territory_id,
                                      "paper_key": paper_key}))
    return ids - {_PAPER_BALLOT}, _PAPER_BALLOT in ids


@functools.cache
def _allowed_and_paper_query(public: bool, per_territory: bool) -> Any:
    # Built once per process and shape, every value a parameter (see _profile_with_twins_query).
    edition_id = bindparam("edition_id")
    paper = select(literal(_PAPER_BALLOT)).where(
        Ballot.edition_id == edition_id, Ballot.voter_key == bindparam("paper_key"),
        Ballot.voided_at.is_(None),
    )
    if not public:
        return paper
    allowed = select(Initiative.id).where(Initiative.edition_id == edition_id,
                                          Initiative.status.in_(BALLOT_STATUSES))
    if per_territory:
        allowed = allowed.where(Initiative.territory_id == bindparam("territory_id"))
    return union_all(allowed, paper)


def _validated(edition: Edition, allowed: set[int], raw_choices: Iterable[str]) -> list[int]:
    try:
        return validate_choices(raw_choices, allowed, edition.min_choices, edition.max_choices)
    except InvalidBallot as exc:
        raise DomainError(str(exc), field="choices") from exc


def checked_choices(
    session: Session, edition: Edition, territory_id: int, raw_choices: Iterable[str]
) -> list[int]:
    """The chosen initiative ids, checked against the ballot of the voter's territory (DomainError)."""
    return _validated(edition, _allowed_ids(session, edition, territory_id), raw_choices)


@dataclass(frozen=True)
class VoterBallot:
    """What the ballot page shows a signed-in voter: their identity, their ballot, the initiatives."""

    profile: VoterProfile | None
    ballot: Ballot | None
    initiatives: list[Initiative]


def ballot_of_voter(session: Session, edition: Edition, user: User, secret: str) -> VoterBallot:
    """The voter's ballot page: the initiatives of their territory in an order of their own (the same on
    every visit: the first entries of one list shown to all would be favoured)."""
    profile = profile_of(session, user)
    initiatives: list[Initiative] = []
    if profile is not None:
        territory_id = commune_territory(session, profile.commune_code)
        by_id = {i.id: i for i in ballot_initiatives(session, edition, territory_id)}
        seed = f"{edition.id}:{voter_key(secret, user_id=user.id)}"
        initiatives = [by_id[i] for i in shuffled_for(seed, list(by_id))]
    return VoterBallot(profile, find_online_ballot(session, edition, user, secret), initiatives)


def chosen_initiatives(session: Session, ballot: Ballot) -> list[Initiative]:
    """The initiatives a ballot names, by title."""
    ids = [c.initiative_id for c in ballot.choices]
    return list(session.scalars(
        select(Initiative).where(Initiative.id.in_(ids)).order_by(*alphabetically(Initiative.title))))


# --- casting ---------------------------------------------------------------------------------


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
    *,
    cast_on: datetime | None = None,
) -> tuple[Ballot, bool]:
    """Insert the voter's ballot or replace its choices: (ballot, created). `cast_on` overrides the day
    recorded (paper ballots).

    One `INSERT … ON CONFLICT DO UPDATE` on (edition, voter key) creates the ballot or moves the existing
    one to its next version under its row lock, so concurrent ballots of one voter queue there and the
    last one's choices stay; then the choices. A change keeps the territory and age band the ballot was
    first counted under (the identity is frozen once voted), so the participation counts only move when
    a ballot is created or voided. No check here: callers have checked the window, the person and the
    choices.
    """
    day = cast_on or cast_day(now)
    values = {"id": random_id(), "edition_id": edition.id, "public_id": secrets.token_hex(16),
              "receipt_id": secrets.token_hex(16), "voter_key": key, "channel": channel.value,
              "territory_id": territory_id, "age_band": band, "cast_at": day}
    if session.get_bind().dialect.name == "postgresql":
        return _store_on_postgresql(session, values, choices)
    row = session.execute(_store_query("sqlite"), values).one_or_none()
    if row is None:
        raise _voided_refusal()
    ballot = _attached(session, row._mapping)
    created = ballot.version == 1
    if created:
        counts.ballot_added(session, ballot)
    else:
        session.execute(_CHOICES_DELETE, {"ballot_id": ballot.id})
    if choices:
        # Core rows, not ORM objects: nothing here is read back.
        session.execute(_CHOICES_INSERT, [{"ballot_id": ballot.id, "initiative_id": i} for i in choices])
    session.expire(ballot, ["choices"])
    return ballot, created


def _store_checked(session: Session, edition: Edition, key: str, territory_id: int, band: str,
                   raw_choices: list[str], paper_key: str, now: datetime) -> Ballot | None:
    """PostgreSQL, an online ballot: `store_ballot` with the checks that need the database (each choice on
    the voter's ballot, no counted paper ballot of the person) run in the same statement, which writes
    only when they pass (issue #14: one statement for a first ballot, instead of a check then a write).
    None when a check refused or the ballot is voided: the caller's usual checks then say why. The form's
    own checks (well-formed, no repeat, how many) run first, here, against any initiative."""
    try:
        choices = validate_choices(raw_choices, _ANY_INITIATIVE, edition.min_choices, edition.max_choices)
    except InvalidBallot:
        return None  # the usual checks give the message, in their order
    values = {"id": random_id(), "edition_id": edition.id, "public_id": secrets.token_hex(16),
              "receipt_id": secrets.token_hex(16), "voter_key": key, "channel": Channel.ONLINE.value,
              "territory_id": territory_id, "age_band": band, "cast_at": cast_day(now),
              "choices": choices, "paper_key": paper_key}
    per_territory = edition.ballot_scope == BallotScope.TERRITORY.value
    row = session.execute(_checked_ballot_query(per_territory), values).one()
    if row.id is None:
        return None
    return _written(session, row._mapping, choices)


class _AnyInitiative(frozenset[int]):
    """Holds every initiative id, for the form's own checks: whether each is on the voter's ballot is the
    database's to say, in the ballot's statement."""

    def __contains__(self, item: object) -> bool:
        return True


_ANY_INITIATIVE = _AnyInitiative()


@functools.cache
def _checked_ballot_query(per_territory: bool) -> Any:
    # Built once per process and shape (see _profile_with_twins_query). `checks` is one row: whether every
    # choice is on the voter's ballot (the choices are distinct: checked before) and whether no counted
    # paper ballot carries the person's key; the upsert inserts from it only when both hold.
    table = Ballot.__table__
    edition_id = bindparam("edition_id", type_=table.c.edition_id.type)
    wanted = bindparam("choices", type_=ARRAY(Integer))
    on_ballot = select(func.count()).where(Initiative.id == func.any(wanted),
                                           Initiative.edition_id == edition_id,
                                           Initiative.status.in_(BALLOT_STATUSES))
    if per_territory:
        on_ballot = on_ballot.where(Initiative.territory_id == bindparam("territory_id"))
    paper = select(Ballot.id).where(Ballot.edition_id == edition_id,
                                    Ballot.voter_key == bindparam("paper_key", type_=table.c.voter_key.type),
                                    Ballot.voided_at.is_(None)).exists()
    checks = select((on_ballot.scalar_subquery() == func.cardinality(wanted)).label("on_ballot"),
                    (~paper).label("no_paper")).cte("checks")
    names = ("id", "edition_id", "public_id", "receipt_id", "voter_key", "channel", "territory_id",
             "age_band", "cast_at")
    values = [bindparam(name, type_=table.c[name].type) for name in names]
    upsert = pg_insert(table).from_select(
        [*names, "version"],
        select(*values, literal(1)).where(checks.c.on_ballot, checks.c.no_paper),
    ).on_conflict_do_update(
        index_elements=["edition_id", "voter_key"],
        set_={"version": table.c.version + 1, "cast_at": values[names.index("cast_at")]},
        where=table.c.voided_at.is_(None),
    ).returning(*table.c)
    stored = upsert.cte("stored")
    # One row whatever happened: the ballot, or nulls when a check refused or the ballot is voided.
    return (select(*stored.c).select_from(checks.outerjoin(stored, true()))
            .add_cte(*_first_ballot_writes(stored)))


def _voided_refusal() -> NotAllowed:
    # The conflicting row exists but is voided: the update's condition left it as it was.
    return NotAllowed(
        f"Votre bulletin a été annulé par {naming().service.le} et ne peut plus être modifié. "
        f"Pour toute question, écrivez {naming().service.au}."
    )


def _store_on_postgresql(session: Session, values: dict[str, Any], choices: list[int]) -> tuple[Ballot, bool]:
    """`store_ballot` in fewer round trips (issue #14): a first ballot is one statement (the upsert, and
    when it created the ballot, its count and its choices), a change two (the upsert, then the choices).

    A change's choices are not written by the upsert's statement: in READ COMMITTED, a statement's
    snapshot is taken when it starts, so when it waited on the ballot's row lock for another ballot of
    the same voter, it would not see that one's choices (still being written when it started) and could
    not remove them. The second statement starts once this transaction holds the row lock, so it sees
    every earlier version's choices; every writer of a ballot's choices holds that lock."""
    row = session.execute(_first_ballot_query(), {**values, "choices": choices}).one_or_none()
    if row is None:
        raise _voided_refusal()
    ballot = _written(session, row._mapping, choices)
    return ballot, ballot.version == 1


def _written(session: Session, row: Mapping[str, Any], choices: list[int]) -> Ballot:
    """The ballot the upsert returned; a change's choices written by their own statement (see above)."""
    ballot = _attached(session, row)
    if ballot.version > 1:
        session.execute(_replace_choices_query(), {"ballot_id": ballot.id, "choices": choices})
    session.expire(ballot, ["choices"])
    return ballot


def _first_ballot_writes(stored: Any) -> tuple[Any, Any]:
    """The data-modifying CTEs that go with the upsert CTE `stored`: a created ballot's choices and its
    count. They run whatever the main query reads, and act only on a ballot the upsert created."""
    created = stored.c.version == 1
    chosen = insert(_CHOICES).from_select(
        ["ballot_id", "initiative_id"],
        select(stored.c.id, func.unnest(bindparam("choices", type_=ARRAY(Integer)))).where(created),
    )
    return chosen.cte("chosen"), counts.added_from(stored, created).cte("counted")


@functools.cache
def _first_ballot_query() -> Any:
    # Built once per process (see _profile_with_twins_query).
    stored = _store_query("postgresql").cte("stored")
    return select(stored).add_cte(*_first_ballot_writes(stored))


@functools.cache
def _replace_choices_query() -> Any:
    # The choices no longer named go, the new ones come; those kept stay as they are (disjoint rows: the
    # two halves of one statement never touch the same row).
    wanted = bindparam("choices", type_=ARRAY(Integer))
    gone = delete(_CHOICES).where(_CHOICES.c.ballot_id == bindparam("ballot_id"),
                                  _CHOICES.c.initiative_id != func.all(wanted))
    return pg_insert(_CHOICES).from_select(
        ["ballot_id", "initiative_id"],
        select(bindparam("ballot_id", type_=_CHOICES.c.ballot_id.type), func.unnest(wanted)),
    ).on_conflict_do_nothing().add_cte(gone.cte("gone"))


def _attached(session: Session, row: Mapping[str, Any]) -> Ballot:
    """The ballot row the upsert returned, as the session's ORM object, without reading it again: a Core
    upsert and an object made from its row cost half the CPU of an ORM-enabled upsert returning the
    entity (0.35 against 0.77 ms; issue #14). A ballot already in the session (loaded earlier in this
    transaction) is expired instead, so that its next read sees the new version."""
    known = session.identity_map.get(session.identity_key(Ballot, row["id"]))
    if known is not None:
        session.expire(known)
        return known  # type: ignore[no-any-return]
    ballot = Ballot(**row)
    make_transient_to_detached(ballot)  # persistent once added: no INSERT, no attribute history
    session.add(ballot)
    return ballot


_CHOICES = BallotChoice.__table__
_CHOICES_DELETE = delete(_CHOICES).where(_CHOICES.c.ballot_id == bindparam("ballot_id"))
_CHOICES_INSERT = insert(_CHOICES)


@functools.cache
def _store_query(dialect: str) -> Any:
    # Built once per process and engine, every value a parameter (see _profile_with_twins_query).
    table = Ballot.__table__
    names = ("id", "edition_id", "public_id", "receipt_id", "voter_key", "channel", "territory_id",
             "age_band", "cast_at")
    values = {name: bindparam(name, type_=table.c[name].type) for name in names}
    return upsert_insert_for(dialect, table).values(**values, version=1).on_conflict_do_update(
        index_elements=["edition_id", "voter_key"],
        set_={"version": table.c.version + 1, "cast_at": values["cast_at"]},
        where=table.c.voided_at.is_(None),
    ).returning(*table.c)


def cast_online(
    session: Session, edition: Edition, user: User, raw_choices: Iterable[str], secret: str, now: datetime,
    identity_policy: IdentityPolicy = IdentityPolicy.EITHER,
) -> Ballot:
    """Cast or change the account's ballot: checks the window, eligibility, the identity policy, the
    choices, one person's other accounts and paper clashes; queues the voter's receipt (sent once
    committed)."""
    require_phase(edition, Phase.VOTE, now)
    found = _profile_with_twins(session, user)
    if found is None:
        raise DomainError("Indiquez d'abord votre identité et votre commune de résidence pour pouvoir voter.")
    profile, verified, has_twins = found
    identity = identity_of(profile)
    check_person(edition, identity, email_confirmed=user.is_confirmed, today=to_local(now).date())
    twins = _same_person_accounts(session, user, profile.person_key) if has_twins else {}
    if identity_policy == IdentityPolicy.VERIFIED and not verified:
        raise NotAllowed("Pour ce vote, votre identité doit être vérifiée : utilisez le bouton "
                         "d'identification de la page « Mes informations de votant ».")
    if _twin_has_voted(session, edition, user, twins, verified, secret):
        # A verified identity and an identity declared on another account that match are one person:
        # whichever voted first counts; the duplicates report shows both to the ESS service.
        raise Conflict(
            "Votre vote ne peut pas être enregistré en ligne pour le moment : une vérification est "
            f"nécessaire. Écrivez {naming().service.au}, qui vous répondra rapidement."
        )
    # The commune came with the profile: its territory needs no query of its own.
    territory_id = profile.commune.territory_id if profile.commune is not None else None
    if territory_id is None:
        territory_id = territory_of(session, identity.commune_code)  # raises the French message
    paper_key = voter_key(secret, person=profile.person_key)
    band = age_band(age_on(identity.birth_date, vote_last_day(edition)))
    key = voter_key(secret, user_id=user.id)
    if session.get_bind().dialect.name == "postgresql" and ballot_is_public(edition):
        raw_choices = list(raw_choices)
        stored = _store_checked(session, edition, key, territory_id, band, raw_choices, paper_key, now)
        if stored is not None:
            notifications.ballot_receipt(session, user, edition, stored, receipt_code(secret, stored))
            return stored
        # Refused by a check: the checks below, as SQLite runs them, say which with their own message.
    allowed, paper_counts = _allowed_ids_and_paper(session, edition, territory_id, paper_key)
    choices = _validated(edition, allowed, raw_choices)
    if paper_counts:
        # An identity declared online is not checked, while the paper voter signed the attendance
        # list: the online side never voids a paper ballot (whatever the edition's clash rule, which
        # applies when the paper ballot is typed in after). The duplicates report shows the case to
        # the ESS service, and the message says nothing of anyone's vote.
        raise Conflict(
            "Votre vote ne peut pas être enregistré en ligne pour le moment : une vérification est "
            f"nécessaire. Écrivez {naming().service.au}, qui vous répondra rapidement."
        )

    # Not journaled: an entry per ballot, timed to the second, would sit next to the account's own
    # activity and help tie a person to a ballot; the ballot row keeps its version and day.
    ballot, _ = store_ballot(session, edition, key, Channel.ONLINE, territory_id, band, choices, now)
    notifications.ballot_receipt(session, user, edition, ballot, receipt_code(secret, ballot))
    return ballot


def _profile_with_twins(session: Session, user: User) -> tuple[VoterProfile, bool, bool] | None:
    """The account's voter profile (with its commune), whether its identity is verified, and whether other
    accounts declare the same person: one statement, as every ballot asks all three."""
    row = session.execute(_profile_with_twins_query(), {"user_id": user.id}).first()
    return None if row is None else (row[0], bool(row[1]), bool(row[2]))


@functools.cache
def _profile_with_twins_query() -> Select[tuple[VoterProfile, bool, bool]]:
    # Built once per process, the account a parameter: every ballot runs it (issue #14), and building and
    # keying a statement costs more in Python than PostgreSQL takes to run it.
    verified = select(VerifiedIdentity.user_id).where(
        VerifiedIdentity.user_id == VoterProfile.user_id).exists()
    twin = aliased(VoterProfile)
    twins = select(twin.id).where(twin.person_key == VoterProfile.person_key,
                                  twin.user_id != VoterProfile.user_id).exists()
    return (select(VoterProfile, verified, twins).where(VoterProfile.user_id == bindparam("user_id"))
            .options(joinedload(VoterProfile.commune)))


def _same_person_accounts(session: Session, user: User, person: str) -> dict[int, bool]:
    """The other accounts declaring the same person (same person key), with whether each is verified."""
    is_verified = select(VerifiedIdentity.user_id).where(
        VerifiedIdentity.user_id == VoterProfile.user_id).exists()
    rows = session.execute(select(VoterProfile.user_id, is_verified).where(
        VoterProfile.person_key == person, VoterProfile.user_id != user.id))
    return {user_id: bool(twin_verified) for user_id, twin_verified in rows}


def _twin_has_voted(
    session: Session, edition: Edition, user: User, twins: dict[int, bool], verified: bool, secret: str
) -> bool:
    """Whether another account of the same person has a counted ballot, when either side is verified. Two
    declared identities alike still both count: a declaration proves nothing, so the first one must not
    lock the real person out; the duplicates report flags them."""
    keys = [voter_key(secret, user_id=uid) for uid, twin_verified in twins.items()
            if verified or twin_verified]
    if not keys:
        return False
    return session.scalar(select(Ballot.id).where(
        Ballot.edition_id == edition.id, Ballot.voter_key.in_(keys), Ballot.voided_at.is_(None)).limit(1)
    ) is not None


# --- voiding ---------------------------------------------------------------------------------


def void(session: Session, ballot: Ballot, actor: User | None, reason: str, now: datetime) -> None:
    """Void a ballot with its reason (kept and journaled); the choices stay for the record but no longer
    count."""
    if count_is_final(session, ballot.edition_id):
        raise Conflict(
            "Les résultats de cette édition sont publiés : aucun bulletin ne peut plus être annulé."
        )
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Indiquez le motif de l'annulation.", field="reason")
    if ballot.voided_at is not None:
        raise Conflict("Ce bulletin est déjà annulé.")
    # The day only, like cast_at: the instant would sit next to the journal entry below and to what the
    # admin did then (the duplicates page names the account; a paper entry names the attendance line).
    ballot.voided_at = cast_day(now)
    ballot.void_reason = reason[:500]
    session.flush()
    counts.ballot_voided(session, ballot)
    # The entry names the edition, not the ballot: an id of the ballot next to the staff action's time
    # would tie that row (and its choices) to the account or attendance line the admin was handling.
    audit.record(
        session,
        actor=actor,
        action="ballot.voided",
        object_type="edition",
        object_id=ballot.edition_id,
        now=now,
        summary=f"Bulletin {CHANNEL_NAMES[ballot.channel]} annulé : {reason[:400]}",
    )


def void_online_ballot_of(
    session: Session, edition: Edition, user: User, actor: User, reason: str, secret: str, now: datetime
) -> None:
    """Void the ballot of this account (the admin's remedy for a likely duplicate)."""
    ballot = find_online_ballot(session, edition, user, secret, lock=True)
    if ballot is None:
        raise Conflict("Ce compte n'a pas de bulletin dans cette édition.")
    void(session, ballot, actor, reason, now)
