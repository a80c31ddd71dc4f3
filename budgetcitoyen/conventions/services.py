"""Use cases of the follow-up: create, sign, pay, receive the final report, close, terminate.

Flush, never commit; every change is audited. The initiative follows along through the initiatives'
workflow (winner → under agreement on signature, → closed on closing, → abandoned on termination).
Each step queues the holder's mail (conventions.notifications), sent once the step is committed.
The reminders' use cases are in conventions.reminders.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import to_local
from budgetcitoyen.conventions import indicators, notifications, permissions, rules
from budgetcitoyen.conventions.indicators import Indicators
from budgetcitoyen.conventions.models import Convention, ReportImpact
from budgetcitoyen.conventions.rules import ConventionStatus
from budgetcitoyen.errors import Conflict, DomainError, InvalidInput, NotAllowed
from budgetcitoyen.initiatives import uploads
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.initiatives.services import change_status
from budgetcitoyen.money import euros_amount
from budgetcitoyen.storage import Storage
from budgetcitoyen.textsearch import alphabetically


def local_today(now: datetime) -> date:
    """The département's calendar day at instant `now`."""
    return to_local(now).date()


def _snapshot(convention: Convention) -> dict[str, object]:
    return {name: getattr(convention, name) for name in (
        "status", "amount_granted", "duration_months", "signed_on", "end_on", "report_due_on", "paid_on",
        "amount_paid", "report_original_name", "closed_on", "closing_note", "terminated_on",
        "termination_reason", "amount_to_repay")}


def _audit(session: Session, actor: User | None, convention: Convention, action: str,
           before: dict[str, object], now: datetime) -> None:
    before, after = audit.changed_fields(before, _snapshot(convention))
    audit.record(session, actor=actor, action=action, object_type="convention", object_id=convention.id,
                 now=now, summary=f"Convention « {convention.initiative.title[:80]} »", before=before,
                 after=after)


def _lock(session: Session, convention: Convention) -> ConventionStatus:
    """Lock and re-read the row, so two people acting at once cannot both move it; returns its status."""
    session.flush()
    session.refresh(convention, with_for_update=True)
    return convention.status_enum


def _require_move(convention: Convention, target: ConventionStatus) -> None:
    try:
        rules.check_move(convention.status_enum, target)
    except rules.MoveRefused as exc:
        raise Conflict(str(exc)) from exc


def _move(convention: Convention, target: ConventionStatus) -> None:
    _require_move(convention, target)
    convention.status = target.value


def _check_day(day: date | None, field: str, what: str, today: date, not_before: date | None = None,
               not_before_what: str = "") -> date:
    if day is None:
        raise DomainError(f"Indiquez la date {what}.", field=field)
    if day > today:
        raise DomainError(f"La date {what} ne peut pas être dans le futur.", field=field)
    if not_before is not None and day < not_before:
        raise DomainError(f"La date {what} ne peut pas précéder {not_before_what}.", field=field)
    return day


def _amount(value: Decimal | None, field: str, missing: str) -> Decimal:
    if value is None:
        raise DomainError(missing, field=field)
    if not value.is_finite():
        raise DomainError("Indiquez un montant en chiffres.", field=field)
    return value


# --- Creation --------------------------------------------------------------------------------


def convention_of(session: Session, initiative: Initiative) -> Convention | None:
    """The initiative's convention, if there is one."""
    return session.scalar(select(Convention).where(Convention.initiative_id == initiative.id))


def create_convention(session: Session, initiative: Initiative, amount: Decimal, now: datetime,
                      *, actor: User | None = None) -> Convention:
    """The convention of a winner, for the amount granted, to be signed (18 months by default).

    Called when the allocation is published. A second convention for the same initiative is a
    Conflict, never a silent duplicate (the database's unique key backs the check up).
    """
    try:
        value = Decimal(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise DomainError("Indiquez le montant accordé en chiffres.", field="amount") from None
    if problem := rules.grant_problem(value):
        raise DomainError(problem, field="amount")
    if initiative.status_enum is not Status.WINNER:
        raise Conflict(f"Seule une initiative lauréate reçoit une convention : « {initiative.title} » ne "
                       "l'est pas.", field="initiative_id")
    if convention_of(session, initiative) is not None:
        raise Conflict(f"L'initiative « {initiative.title} » a déjà une convention.", field="initiative_id")
    convention = Convention(initiative=initiative, edition_id=initiative.edition_id,
                            status=ConventionStatus.TO_SIGN.value, amount_granted=euros_amount(value),
                            duration_months=rules.DEFAULT_DURATION_MONTHS, created_at=now, updated_at=now,
                            closing_note="", termination_reason="")
    try:
        with session.begin_nested():
            session.add(convention)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"L'initiative « {initiative.title} » a déjà une convention.",
                       field="initiative_id") from exc
    audit.record(session, actor=actor, action="convention.create", object_type="convention",
                 object_id=convention.id, now=now, summary=f"Convention « {initiative.title[:80]} »",
                 after={"initiative_id": initiative.id, "amount_granted": convention.amount_granted})
    session.flush()
    return convention


def create_for_winner(session: Session, actor: User, initiative_id: int | None, amount: Decimal,
                      now: datetime) -> Convention:
    """The ESS service creates the convention of a winner that the allocation left without one."""
    initiative = session.get(Initiative, initiative_id) if initiative_id is not None else None
    if initiative is None:
        raise DomainError("Initiative inconnue.", field="initiative_id")
    return create_convention(session, initiative, euros_amount(amount), now, actor=actor)


def winners_without_convention(session: Session, edition_id: int) -> list[Initiative]:
    """Winners of an edition still waiting for their convention."""
    return list(session.scalars(
        select(Initiative)
        .where(Initiative.edition_id == edition_id, Initiative.status == Status.WINNER.value,
               ~exists().where(Convention.initiative_id == Initiative.id))
        .order_by(*alphabetically(Initiative.title))))


# --- Steps -----------------------------------------------------------------------------------


def sign(session: Session, actor: User, convention: Convention, signed_on: date | None,
         duration_months: int | None, now: datetime) -> Convention:
    """Record the signature by both parties; the dates follow from it and the initiative is under
    agreement."""
    today = local_today(now)
    _lock(session, convention)
    _require_move(convention, ConventionStatus.SIGNED)
    months = rules.DEFAULT_DURATION_MONTHS if duration_months is None else duration_months
    if problem := rules.duration_problem(months):
        raise DomainError(problem, field="duration_months")
    signed_on = _check_day(signed_on, "signed_on", "de signature", today, date(convention.edition.year, 1, 1),
                           f"l'année de l'édition ({convention.edition.year})")
    before = _snapshot(convention)
    schedule = rules.schedule_for(signed_on, months)
    convention.signed_on, convention.duration_months = signed_on, months
    convention.end_on, convention.report_due_on = schedule.end_on, schedule.report_due_on
    convention.updated_at = now
    _move(convention, ConventionStatus.SIGNED)
    change_status(session, actor, convention.initiative, Status.UNDER_AGREEMENT, "Convention signée.", now,
                  as_staff=True)
    _audit(session, actor, convention, "convention.sign", before, now)
    session.flush()
    notifications.step_recorded(session, convention, "signed")
    return convention


def record_payment(session: Session, actor: User, convention: Convention, paid_on: date | None,
                   amount: Decimal | None, now: datetime) -> Convention:
    """Record the payment (in one go, at most the amount granted)."""
    today = local_today(now)
    _lock(session, convention)
    _require_move(convention, ConventionStatus.PAID)
    value = _amount(amount, "amount_paid", "Indiquez le montant versé.")
    if problem := rules.payment_problem(value, convention.amount_granted):
        raise DomainError(problem, field="amount_paid")
    _check_day(paid_on, "paid_on", "de versement", today, convention.signed_on, "la signature")
    before = _snapshot(convention)
    _move(convention, ConventionStatus.PAID)
    convention.paid_on, convention.amount_paid = paid_on, euros_amount(value)
    convention.updated_at = now
    _audit(session, actor, convention, "convention.pay", before, now)
    session.flush()
    notifications.step_recorded(session, convention, "paid")
    return convention


def check_can_send_report(convention: Convention, user: User, *, as_staff: bool) -> None:
    """Refuse before any file is written: not one's convention, or not the moment for a report."""
    if as_staff:
        if not permissions.can_record_steps(user):
            raise NotAllowed("Seuls les administrateurs enregistrent un bilan pour le porteur.", field="file")
    elif not permissions.is_holder_of(user, convention.initiative):
        raise NotAllowed("Cette convention n'est pas la vôtre.", field="file")
    status = convention.status_enum
    if status is ConventionStatus.REPORT_RECEIVED:
        return  # a corrected report replaces the first one until the convention is closed
    if status in (ConventionStatus.TO_SIGN, ConventionStatus.SIGNED):
        raise Conflict("Le bilan final s'envoie une fois la subvention versée.", field="file")
    if status is not ConventionStatus.PAID:
        raise Conflict(f"Cette convention est « {rules.STATUS_LABELS[status]} » : elle n'attend plus de "
                       "bilan.", field="file")


def checked_indicators(answers: Indicators | None, *, as_staff: bool) -> Indicators | None:
    """The report's impact indicators, cleaned, or InvalidInput with every problem on its field. A holder
    gives them all; the ESS service, recording a report received by post, may leave them all blank
    (None: nothing is recorded) but not half-filled."""
    if as_staff and (answers is None or answers.is_blank()):
        return None
    answers = answers or Indicators()
    if found := indicators.problems(answers):
        raise InvalidInput(found)
    return answers.cleaned()


def _record_impact(session: Session, convention: Convention, answers: Indicators, now: datetime) -> None:
    """Keep the indicators given with the report (a corrected report replaces them)."""
    impact = convention.report_impact or ReportImpact(convention=convention)
    for name in INDICATOR_FIELDS:
        setattr(impact, name, getattr(answers, name))
    impact.recorded_at = now
    session.add(impact)


INDICATOR_FIELDS = ("still_active", "volunteers_before", "volunteers_after", "employees_before",
                    "employees_after", "other_funding", "other_funding_amount", "funders", "story",
                    "story_public")


def report_expected(convention: Convention) -> bool:
    """The convention waits for its final report (or a corrected one)."""
    return convention.status_enum in (ConventionStatus.PAID, ConventionStatus.REPORT_RECEIVED)


def record_report(session: Session, actor: User, convention: Convention, stored: uploads.StoredFile,
                  original_name: str, now: datetime, *, as_staff: bool,
                  answers: Indicators | None = None) -> str | None:
    """Attach the final report (already stored on disk) and its impact indicators (already checked by
    checked_indicators); returns the replaced file's name, for the caller to delete once committed."""
    _lock(session, convention)
    check_can_send_report(convention, actor, as_staff=as_staff)
    before = _snapshot(convention)
    replaced = convention.report_stored_name
    if convention.status_enum is ConventionStatus.PAID:
        _move(convention, ConventionStatus.REPORT_RECEIVED)
    name = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "bilan-final"
    convention.report_original_name, convention.report_stored_name = name, stored.stored_name
    convention.report_content_type, convention.report_size = stored.content_type, stored.size
    convention.report_sha256, convention.report_received_at = stored.sha256, now
    convention.updated_at = now
    if answers is not None:
        _record_impact(session, convention, answers, now)
    _audit(session, actor, convention, "convention.report", before, now)
    session.flush()
    notifications.step_recorded(session, convention, "report")
    return replaced


def send_report(session: Session, actor: User, convention: Convention, stream: BinaryIO | None,
                original_name: str, files: Storage, now: datetime, *, as_staff: bool,
                answers: Indicators | None = None) -> None:
    """The final report sent by its holder (or recorded by an administrator) with its impact indicators:
    checked, stored, recorded, all or nothing. Every problem (a missing file, a missing indicator) is
    found before any file is written; the stored file is removed again if the transaction is rolled back,
    even at its commit; the report it replaces is removed once the new one is committed."""
    check_can_send_report(convention, actor, as_staff=as_staff)
    found: list[tuple[str | None, str]] = []
    if stream is None or not original_name:
        found.append(("file", "Choisissez le fichier du bilan final."))
    try:
        cleaned = checked_indicators(answers, as_staff=as_staff)
    except InvalidInput as error:
        found.extend(error.problems)
    if found or stream is None:
        raise InvalidInput(found)
    stored = uploads.store(session, files, stream)
    replaced = record_report(session, actor, convention, stored, original_name, now, as_staff=as_staff,
                             answers=cleaned)
    if replaced:
        uploads.remove(session, files, replaced)


def close(session: Session, actor: User, convention: Convention, closed_on: date | None,
          amount_to_repay: Decimal | None, note: str, now: datetime) -> Convention:
    """Close after checking the final report; a reduction of the grant is recorded as a sum to pay back."""
    today = local_today(now)
    _lock(session, convention)
    _require_move(convention, ConventionStatus.CLOSED)
    repay = Decimal("0") if amount_to_repay is None else _amount(amount_to_repay, "amount_to_repay", "")
    if problem := rules.repayment_problem(repay, convention.amount_paid or Decimal("0")):
        raise DomainError(problem, field="amount_to_repay")
    received = to_local(convention.report_received_at).date() if convention.report_received_at else None
    _check_day(closed_on, "closed_on", "de clôture", today, received, "la réception du bilan")
    if len(note) > 2000:
        raise DomainError("La note de clôture ne doit pas dépasser 2 000 caractères.", field="note")
    before = _snapshot(convention)
    _move(convention, ConventionStatus.CLOSED)
    change_status(session, actor, convention.initiative, Status.CLOSED, "Convention soldée.", now,
                  as_staff=True)
    convention.closed_on, convention.amount_to_repay = closed_on, euros_amount(repay)
    convention.closing_note = note.strip()
    convention.updated_at = now
    _audit(session, actor, convention, "convention.close", before, now)
    session.flush()
    notifications.step_recorded(session, convention, "closed")
    return convention


def terminate(session: Session, actor: User, convention: Convention, terminated_on: date | None, reason: str,
              amount_to_repay: Decimal | None, now: datetime) -> Convention:
    """Terminate a signed convention (breach, abandoned project, missing report) with the sum to pay back,
    between 0 and what was paid; the initiative is abandoned with the reason."""
    today = local_today(now)
    _lock(session, convention)
    _require_move(convention, ConventionStatus.TERMINATED)
    reason = reason.strip()
    if not reason:
        raise DomainError("Indiquez le motif de la résiliation.", field="reason")
    if len(reason) > 2000:
        raise DomainError("Le motif ne doit pas dépasser 2 000 caractères.", field="reason")
    repay = _amount(amount_to_repay, "amount_to_repay",
                    "Indiquez le montant à reverser (0 si rien n'est réclamé).")
    if problem := rules.repayment_problem(repay, convention.amount_paid or Decimal("0")):
        raise DomainError(problem, field="amount_to_repay")
    _check_day(terminated_on, "terminated_on", "de résiliation", today, convention.signed_on, "la signature")
    before = _snapshot(convention)
    _move(convention, ConventionStatus.TERMINATED)
    if convention.initiative.status_enum is not Status.ABANDONED:
        change_status(session, actor, convention.initiative, Status.ABANDONED,
                      f"Convention résiliée : {reason}"[:1000], now, as_staff=True)
    convention.terminated_on, convention.termination_reason = terminated_on, reason
    convention.amount_to_repay = euros_amount(repay)
    convention.updated_at = now
    _audit(session, actor, convention, "convention.terminate", before, now)
    session.flush()
    notifications.step_recorded(session, convention, "terminated")
    return convention


# --- Lists -----------------------------------------------------------------------------------


def listing(edition_id: int | None, status: ConventionStatus | None) -> Select[tuple[Convention]]:
    """Conventions of an edition (all editions when None), optionally of one status, by initiative title."""
    stmt = select(Convention).join(Initiative, Convention.initiative_id == Initiative.id)
    if edition_id is not None:
        stmt = stmt.where(Convention.edition_id == edition_id)
    if status is not None:
        stmt = stmt.where(Convention.status == status.value)
    return stmt.options(selectinload(Convention.initiative).selectinload(Initiative.holder),
                        selectinload(Convention.edition)) \
        .order_by(*alphabetically(Initiative.title), Convention.id)


def late_reports(session: Session, edition_id: int | None, today: date) -> list[Convention]:
    """Conventions whose final report is past due and not received, the latest first."""
    stmt = listing(edition_id, None).where(
        Convention.status.in_([s.value for s in rules.AWAITING_REPORT]), Convention.report_due_on < today)
    return list(session.scalars(stmt.order_by(None).order_by(Convention.report_due_on, Convention.id)))


def conventions_for_holder(session: Session, user: User) -> list[Convention]:
    """The conventions of a holder's initiatives, the newest first."""
    return list(session.scalars(
        select(Convention).join(Initiative, Convention.initiative_id == Initiative.id)
        .where(Initiative.holder_id == user.id).options(selectinload(Convention.initiative))
        .order_by(Convention.created_at.desc(), Convention.id.desc())))
