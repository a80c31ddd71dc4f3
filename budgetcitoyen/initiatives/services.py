"""Use cases that move an initiative along its status machine: the holder withdrawing, the ESS service
moving a dossier, and `change_status`, which the later domains (labelling, results, conventions) call
too. Flush, never commit. The other use cases: `workshops` (comptoirs), `dossiers` (idea, draft,
filing), `attachments`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.audit import services as audit
from budgetcitoyen.clock import local_midnight, to_local
from budgetcitoyen.errors import DomainError, NotAllowed
from budgetcitoyen.initiatives import notifications
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Actor, Status, TransitionRefused, check_transition

DEFAULT_REOPENING = timedelta(days=7)
LONGEST_REOPENING = timedelta(days=366)


def record_status(initiative: Initiative, source: Status | None, target: Status, actor: User | None,
                  reason: str, now: datetime) -> StatusChange:
    """Set the status and write the step into the initiative's history (the transition is checked first)."""
    initiative.status = target.value
    change = StatusChange(from_status=source.value if source else None, to_status=target.value,
                          actor_id=actor.id if actor else None, reason=reason, at=now)
    initiative.history.append(change)
    return change


def change_status(session: Session, actor: User, initiative: Initiative, target: Status, reason: str,
                  now: datetime, *, as_staff: bool, reopen_until: datetime | None = None) -> StatusChange:
    """Move an initiative along the workflow (staff changes are audited). Nobody is told here: the use case
    that calls it decides which mail goes (see `notifications.status_changed`)."""
    # Locked and re-read: a holder withdrawing while an admin moves the dossier must not both succeed.
    # Pending changes are flushed first, since a refresh would discard them.
    session.flush()
    session.refresh(initiative, with_for_update=True)
    source = initiative.status_enum
    kind = Actor.STAFF if as_staff else Actor.HOLDER
    if kind is Actor.HOLDER and initiative.holder_id != actor.id:
        raise NotAllowed("Ce dossier n'est pas le vôtre.")
    try:
        check_transition(source, target, kind, reason)
    except TransitionRefused as exc:
        raise DomainError(str(exc), field="reason" if "motif" in str(exc) else None) from exc
    change = record_status(initiative, source, target, actor, reason.strip(), now)
    if target is Status.DRAFT and source is not Status.IDEA:
        initiative.reopened_until = reopen_until
        initiative.filed_at = None
    initiative.updated_at = now
    if as_staff:
        audit.record(session, actor=actor, action="initiative.status", object_type="initiative",
                     object_id=initiative.id, now=now, summary=f"Dossier « {initiative.title[:80]} »",
                     before={"status": source.value},
                     after={"status": target.value, "reason": reason.strip()})
    session.flush()
    return change


def withdraw(session: Session, holder: User, initiative: Initiative, now: datetime) -> StatusChange:
    """The holder withdraws the initiative, for good; the holder gets the confirmation by mail."""
    change = change_status(session, holder, initiative, Status.ABANDONED, "", now, as_staff=False)
    notifications.status_changed(session, initiative, change)
    return change


def move_dossier(session: Session, admin: User, initiative: Initiative, target: Status, reason: str,
                 reopen_last_day: date | None, now: datetime) -> StatusChange:
    """The ESS service moves a dossier and the holder is told. Given back for corrections (draft), the
    dossier stays open until the end of `reopen_last_day` (a week when not given, a year at most)."""
    reopen_until = None
    if target is Status.DRAFT:
        today = to_local(now).date()
        last_day = reopen_last_day or today + DEFAULT_REOPENING
        if not today <= last_day <= today + LONGEST_REOPENING:
            raise DomainError("La réouverture doit finir entre aujourd'hui et dans un an.",
                              field="reopen_until")
        reopen_until = local_midnight(last_day + timedelta(days=1))
    change = change_status(session, admin, initiative, target, reason, now, as_staff=True,
                           reopen_until=reopen_until)
    notifications.status_changed(session, initiative, change)
    return change
