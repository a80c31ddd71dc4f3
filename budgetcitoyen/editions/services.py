"""Edition use cases: create, configure, calendar, categories, committee. Flush, never commit."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import College, CommitteeMembership, User
from budgetcitoyen.accounts.services import find_by_email
from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import to_local
from budgetcitoyen.config import collectivite_setting
from budgetcitoyen.editions.current import current_edition as current_edition
from budgetcitoyen.editions.current import current_edition_id as current_edition_id
from budgetcitoyen.editions.current import remember_current_edition as remember_current_edition
from budgetcitoyen.editions.dates import INSTANT, dates_of, default_calendar, windows_from_dates
from budgetcitoyen.editions.models import (
    BallotScope,
    Category,
    Edition,
    EditionPhase,
    IdentityPolicy,
    PaperClashPolicy,
)
from budgetcitoyen.editions.questionnaire import add_default_questionnaire
from budgetcitoyen.editions.rules import (
    PHASE_LABELS,
    CalendarError,
    EditionSettings,
    Phase,
    SettingsError,
    open_phases,
    validate_calendar,
    validate_ceilings,
    validate_settings,
)
from budgetcitoyen.errors import Conflict, DomainError, PhaseClosed


def default_categories() -> list[dict[str, Any]]:
    """The labelling categories and their default ceilings: the configured collectivité's own
    (reference/collectivites/<profile>/categories.csv) when its profile has them, else
    reference/categories.csv."""
    reference = resources.files("budgetcitoyen.reference")
    own = reference.joinpath(f"collectivites/{collectivite_setting('COLLECTIVITE_PROFILE')}/categories.csv")
    shipped = own if own.is_file() else reference.joinpath("categories.csv")
    with shipped.open(encoding="utf-8") as handle:
        return [
            {"code": row["code"], "name": row["name"], "ceiling": Decimal(row["ceiling"]),
             "description": row["description"]}
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True)
class EditionInput:
    """What the admin sets on an edition."""

    title: str
    envelope: Decimal
    operation_code: str
    imputation: str
    budget_label: str
    payment_credits: Decimal | None
    voting_min_age: int
    min_choices: int
    max_choices: int
    ballot_scope: BallotScope
    allocation_rule: AllocationRule
    is_published: bool
    catalogue_published: bool = False
    reviewers_per_dossier: int = 3
    score_aggregation: str = "mean"
    label_threshold: Decimal = Decimal("2.50")
    forbid_zero_axis: bool = True
    disagreement_spread: int = 2
    paper_clash_policy: PaperClashPolicy = PaperClashPolicy.ONLINE_WINS
    identity_policy: IdentityPolicy = IdentityPolicy.EITHER
    credits_available: Decimal | None = None
    vote_threshold: int = 0
    mes_utility: str = "cost"


EDITION_FIELDS = tuple(EditionInput.__dataclass_fields__)
# The settings a ballot is checked against: frozen once the vote opens.
VOTE_RULES = frozenset(
    {"voting_min_age", "min_choices", "max_choices", "ballot_scope", "paper_clash_policy", "identity_policy"}
)
# Whether ballots were cast is known to the vote, which builds on editions: the voting package
# registers its answer here (budgetcitoyen/voting/services.py), so this module never imports it.
BALLOT_CHECKS: list[Callable[[Session, Edition], bool]] = []


def _snapshot(edition: Edition) -> dict[str, Any]:
    return {name: getattr(edition, name) for name in EDITION_FIELDS}


def _check(data: EditionInput) -> None:
    try:
        validate_settings(
            EditionSettings(data.voting_min_age, data.min_choices, data.max_choices, data.envelope)
        )
    except SettingsError as exc:
        raise DomainError(str(exc)) from exc
    if not 1 <= data.reviewers_per_dossier <= 20:
        raise DomainError("Le nombre d'évaluateurs par dossier doit être compris entre 1 et 20.")
    if data.score_aggregation not in ("mean", "median"):
        raise DomainError("Agrégation inconnue.")
    if not Decimal(0) <= data.label_threshold <= Decimal(4):
        raise DomainError("Le seuil de labellisation doit être compris entre 0 et 4.")
    if not 1 <= data.disagreement_spread <= 4:
        raise DomainError("L'écart signalant un désaccord doit être compris entre 1 et 4.")
    if data.vote_threshold < 0:
        raise DomainError("Le nombre minimal de voix ne peut pas être négatif.", field="vote_threshold")
    if data.mes_utility not in ("cost", "card"):
        raise DomainError("Mesure de satisfaction inconnue.", field="mes_utility")
    if data.credits_available is not None and data.credits_available < 0:
        raise DomainError("Le disponible ne peut pas être négatif.", field="credits_available")
    if data.paper_clash_policy not in set(PaperClashPolicy):
        raise DomainError(
            "Règle inconnue pour le double vote papier et en ligne.", field="paper_clash_policy"
        )
    if data.identity_policy not in set(IdentityPolicy):
        raise DomainError("Règle d'identité inconnue.", field="identity_policy")


def create_edition(
    session: Session, actor: User | None, year: int, data: EditionInput, now: datetime
) -> Edition:
    """A new edition with the usual calendar and the default categories; one edition per year."""
    if not 2000 <= year <= 2200:
        raise DomainError("L'année doit être comprise entre 2000 et 2200.", field="year")
    if session.scalar(select(Edition.id).where(Edition.year == year)) is not None:
        raise Conflict(f"Une édition {year} existe déjà.", field="year")
    _check(data)
    edition = Edition(year=year, created_at=now, **{k: _value(getattr(data, k)) for k in EDITION_FIELDS})
    for window in windows_from_dates(default_calendar(year)):
        edition.phases.append(
            EditionPhase(phase=window.phase.value, starts_at=window.starts_at, ends_at=window.ends_at)
        )
    for position, category in enumerate(default_categories()):
        edition.categories.append(Category(position=position, **category))
    try:
        with session.begin_nested():  # two admins creating the same year at once: one wins
            session.add(edition)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Une édition {year} existe déjà.", field="year") from exc
    add_default_questionnaire(session, edition)
    audit.record(
        session, actor=actor, action="edition.create", object_type="edition", object_id=edition.id, now=now,
        summary=f"Création de l'édition {year}", after={"year": year, **_snapshot(edition)},
    )
    return edition


def _value(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def update_edition(
    session: Session, actor: User, edition: Edition, year: int, data: EditionInput, now: datetime
) -> bool:
    """Change settings and budget line (audited with before/after); the year stays. Returns whether
    anything changed."""
    if year != edition.year:
        raise DomainError("L'année d'une édition ne peut pas être changée.", field="year")
    _check(data)
    before = _snapshot(edition)
    for name in EDITION_FIELDS:
        setattr(edition, name, _value(getattr(data, name)))
    changed_before, changed_after = audit.changed_fields(before, _snapshot(edition))
    if not changed_after:
        return False
    vote = edition.window(Phase.VOTE)
    frozen = sorted(VOTE_RULES & set(changed_after))
    if vote is not None and now >= vote.starts_at and frozen:
        # Ballots already cast were checked against these rules; changing them would make some
        # invalid, or count paper/online clashes differently, after the fact.
        raise DomainError(
            "Le vote a commencé : l'âge minimal, le nombre de choix, le périmètre du bulletin et la "
            "règle du double vote papier/en ligne ne peuvent plus changer."
        )
    audit.record(
        session, actor=actor, action="edition.update", object_type="edition", object_id=edition.id, now=now,
        summary=f"Paramètres de l'édition {edition.year}", before=changed_before, after=changed_after,
    )
    session.flush()
    return True


def _has_ballots(session: Session, edition: Edition) -> bool:
    return any(check(session, edition) for check in BALLOT_CHECKS)


def update_calendar(
    session: Session, actor: User, edition: Edition, dates: dict[Phase, tuple[date, date]], now: datetime
) -> bool:
    """Replace the phase dates after checking the calendar is coherent (audited)."""
    for first, last in dates.values():
        # The follow-up runs into later years; anything further is a typing mistake.
        earliest, latest = edition.year - 1, edition.year + 5
        if not (earliest <= first.year <= latest and earliest <= last.year <= latest):
            raise DomainError(f"Les dates doivent être comprises entre {earliest} et {latest}.")
    windows = windows_from_dates(dates)
    try:
        validate_calendar(windows)
    except CalendarError as exc:
        raise DomainError(str(exc)) from exc
    before = {p.value: [d.isoformat() for d in pair] for p, pair in dates_of(edition).items()}
    after = {p.value: [d.isoformat() for d in pair] for p, pair in dates.items()}
    changed_before, changed_after = audit.changed_fields(before, after)
    if not changed_after:
        return False
    by_phase = {p.phase: p for p in edition.phases}
    vote = by_phase.get(Phase.VOTE.value)
    vote_moved = Phase.VOTE.value in changed_after
    if vote is not None and now >= vote.ends_at and vote_moved and _has_ballots(session, edition):
        # Ballots have been counted (perhaps allocated): reopening would let people vote again.
        new_vote = next(w for w in windows if w.phase is Phase.VOTE)
        if new_vote.ends_at > now:
            raise DomainError("Le vote est clos : il ne peut pas être rouvert en changeant le calendrier.")
    for window in windows:
        row = by_phase.get(window.phase.value)
        if row is not None and window.phase.value not in changed_after:
            # Unchanged days keep their exact bounds: a vote closed early at the minute stays closed.
            continue
        if row is None:
            edition.phases.append(
                EditionPhase(phase=window.phase.value, starts_at=window.starts_at, ends_at=window.ends_at)
            )
        else:
            row.starts_at, row.ends_at = window.starts_at, window.ends_at
    audit.record(
        session, actor=actor, action="edition.calendar", object_type="edition", object_id=edition.id, now=now,
        summary=f"Calendrier de l'édition {edition.year}", before=changed_before, after=changed_after,
    )
    session.flush()
    return True


@dataclass(frozen=True)
class CategoryInput:
    """An admin's edit of one category."""

    category_id: int
    name: str
    ceiling: Decimal
    description: str
    sub_envelope: Decimal | None = None


def update_categories(
    session: Session, actor: User, edition: Edition, changes: list[CategoryInput], now: datetime
) -> bool:
    """Rename categories and change their ceilings (audited)."""
    by_id = {c.id: c for c in edition.categories}
    if any(change.category_id not in by_id for change in changes):
        raise DomainError("Catégorie inconnue pour cette édition.")
    if len({c.category_id for c in changes}) != len(changes):
        raise DomainError("Une catégorie apparaît deux fois.")
    names = [c.name.strip().casefold() for c in changes]
    if len(set(names)) != len(names):
        raise DomainError("Deux catégories ne peuvent pas porter le même nom.")
    for change in changes:
        try:
            validate_ceilings({change.name: change.ceiling})
        except SettingsError as exc:
            raise DomainError(str(exc)) from exc
        if change.sub_envelope is not None and change.sub_envelope < 0:
            raise DomainError(
                f"La sous-enveloppe de la catégorie « {change.name} » ne peut pas être négative."
            )
    anything = False
    for change in changes:
        category = by_id[change.category_id]
        before = {"name": category.name, "ceiling": category.ceiling,
                  "description": category.description, "sub_envelope": category.sub_envelope}
        after = {"name": change.name, "ceiling": change.ceiling, "description": change.description,
                 "sub_envelope": change.sub_envelope}
        changed_before, changed_after = audit.changed_fields(before, after)
        if not changed_after:
            continue
        anything = True
        category.name, category.ceiling = change.name, change.ceiling
        category.description, category.sub_envelope = change.description, change.sub_envelope
        audit.record(
            session, actor=actor, action="category.update", object_type="category", object_id=category.id,
            now=now, summary=f"Catégorie « {change.name} » ({edition.year})",
            before=changed_before, after=changed_after,
        )
    session.flush()
    return anything


def seat_on_committee(
    session: Session, actor: User, edition: Edition, email: str, college: College, now: datetime
) -> CommitteeMembership:
    """Seat the account with this address on the edition's committee (the admin's form)."""
    member = find_by_email(session, email)
    if member is None:
        raise DomainError(
            "Aucun compte n'utilise cette adresse : la personne doit d'abord créer son compte.", field="email"
        )
    return add_committee_member(session, actor, edition, member, college, now)


def add_committee_member(
    session: Session, actor: User, edition: Edition, member: User, college: College, now: datetime
) -> CommitteeMembership:
    """Seat a person on the edition's committee in a college (audited)."""
    if member.is_deleted:
        raise DomainError("Ce compte a été supprimé.", field="email")
    existing = session.scalar(
        select(CommitteeMembership).where(
            CommitteeMembership.edition_id == edition.id, CommitteeMembership.user_id == member.id
        )
    )
    if existing is not None:
        raise Conflict(f"{member.email} fait déjà partie du comité {edition.year}.", field="email")
    seat = CommitteeMembership(
        edition_id=edition.id, user_id=member.id, college=college.value, created_at=now
    )
    try:
        with session.begin_nested():  # the same person added twice at once: the unique constraint decides
            session.add(seat)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{member.email} fait déjà partie du comité {edition.year}.", field="email") from exc
    audit.record(
        session, actor=actor, action="committee.add", object_type="committee_membership", object_id=seat.id,
        now=now, summary=f"Membre du comité {edition.year} (utilisateur n° {member.id})",
        after={"user_id": member.id, "college": college.value},
    )
    return seat


def remove_committee_member(session: Session, actor: User, seat: CommitteeMembership, now: datetime) -> None:
    """Remove a committee seat (audited)."""
    audit.record(
        session, actor=actor, action="committee.remove", object_type="committee_membership",
        object_id=seat.id, now=now,
        summary=f"Retrait du comité {seat.edition.year} (utilisateur n° {seat.user_id})",
        before={"user_id": seat.user_id, "college": seat.college},
    )
    session.delete(seat)
    session.flush()


def committee_seats(session: Session, edition: Edition) -> list[CommitteeMembership]:
    """The edition's committee, college by college, then by address."""
    return list(session.scalars(
        select(CommitteeMembership).where(CommitteeMembership.edition_id == edition.id)
        .join(User).order_by(CommitteeMembership.college, User.email)
    ))


def all_editions(session: Session) -> list[Edition]:
    """Every edition, the latest year first."""
    return list(session.scalars(select(Edition).order_by(Edition.year.desc())))


def require_phase(edition: Edition, phase: Phase, now: datetime) -> None:
    """Refuse, server-side, an action whose phase is not open at `now` (buttons hiding is not enough)."""
    if phase in open_phases(edition.windows(), now):
        return
    window = edition.window(phase)
    label = PHASE_LABELS[phase]
    if window is None:
        raise PhaseClosed(f"La phase « {label} » n'a pas de dates pour l'édition {edition.year}.")
    if now < window.starts_at:
        opens = to_local(window.starts_at).strftime("%d/%m/%Y")
        raise PhaseClosed(f"La phase « {label} » n'est pas encore ouverte : elle ouvre le {opens}.")
    closed = to_local(window.ends_at - INSTANT).strftime("%d/%m/%Y")
    raise PhaseClosed(f"La phase « {label} » est close depuis le {closed} au soir.")
