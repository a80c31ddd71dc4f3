"""Demo conventions for the winners: every status, a late final report and the reminders sent about it."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.clock import local_midnight
from budgetcitoyen.conventions import dates, rules, services
from budgetcitoyen.conventions.models import Convention, ConventionReminder
from budgetcitoyen.conventions.rules import ConventionStatus, Reminder
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives import uploads
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.money import euros_amount
from budgetcitoyen.storage import Storage


def _granted(initiative: Initiative) -> Decimal:
    """The amount asked, capped by the category's ceiling (the default allocation rule)."""
    asked = initiative.amount_asked or Decimal("5000")
    if initiative.category is not None:
        asked = min(asked, initiative.category.ceiling)
    return euros_amount(asked)


def _demo_pdf(title: str) -> bytes:
    """A small but well-formed PDF, so the demo's report links open something."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = (b"BT /F1 14 Tf 60 780 Td (Bilan final d'execution - demonstration) Tj 0 -24 Td (" + text
              + b") Tj ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _storage(files: Storage | None) -> Storage | None:
    if files is not None:
        return files
    from flask import current_app, has_app_context

    return current_app.extensions["storage"] if has_app_context() else None


def _attach_report(session: Session, convention: Convention, received: datetime,
                   files: Storage | None) -> None:
    """A final report on the convention; stored when the app's storage is known."""
    convention.report_received_at = received
    convention.report_original_name = f"Bilan final - {convention.initiative.title[:120]}.pdf"
    content = _demo_pdf(convention.initiative.title)
    convention.report_content_type, convention.report_size = "application/pdf", len(content)
    convention.report_sha256 = hashlib.sha256(content).hexdigest()
    convention.report_stored_name = secrets.token_hex(16) + ".pdf"
    if files is not None:
        files.put(session, uploads.key_of(convention.report_stored_name), io.BytesIO(content))


def _signed(convention: Convention, signed_on: date, paid: bool = True) -> None:
    schedule = rules.schedule_for(signed_on, convention.duration_months)
    convention.signed_on, convention.end_on, convention.report_due_on = (
        schedule.signed_on, schedule.end_on, schedule.report_due_on)
    convention.status = ConventionStatus.SIGNED.value
    if paid:
        convention.paid_on = signed_on + timedelta(days=5)
        convention.amount_paid = convention.amount_granted
        convention.status = ConventionStatus.PAID.value


def _remind(convention: Convention, kind: Reminder, due_on: date, recipient: str) -> None:
    convention.reminders.append(ConventionReminder(kind=kind.value, due_on=due_on, recipient=recipient,
                                                   sent_at=local_midnight(due_on) + timedelta(hours=7)))


def _apply(session: Session, convention: Convention, plan: str, today: date, now: datetime,
           files: Storage | None, not_before: date | None = None) -> Status:
    """Bring a convention to the state `plan` names; returns the status its initiative must then have."""
    recipient = convention.initiative.holder.email
    if plan == "to_sign":
        return Status.WINNER
    if plan == "signed":
        _signed(convention, max(today - timedelta(days=3), not_before or date.min), paid=False)
    elif plan == "paid":
        _signed(convention, today - timedelta(days=90))
    elif plan == "extension_window":
        _signed(convention, dates.add_months(today, -13))
        assert convention.schedule is not None
        _remind(convention, Reminder.EXTENSION_WINDOW, convention.schedule.extension_from, recipient)
    elif plan == "late_report":
        _signed(convention, dates.add_months(today, -26))
        assert convention.schedule is not None
        _remind(convention, Reminder.EXTENSION_WINDOW, convention.schedule.extension_from, recipient)
        _remind(convention, Reminder.REPORT_DUE_SOON, convention.schedule.report_reminder_on, recipient)
        _remind(convention, Reminder.REPORT_OVERDUE, convention.schedule.report_due_on + timedelta(days=1),
                recipient)
    elif plan == "report_received":
        _signed(convention, dates.add_months(today, -20))
        convention.status = ConventionStatus.REPORT_RECEIVED.value
        _attach_report(session, convention, now - timedelta(days=10), files)
    elif plan in ("closed", "closed_reduced"):
        _signed(convention, dates.add_months(today, -30))
        _attach_report(session, convention, now - timedelta(days=120), files)
        convention.status = ConventionStatus.CLOSED.value
        convention.closed_on = today - timedelta(days=60)
        reduced = plan == "closed_reduced"
        convention.amount_to_repay = (min(Decimal("1200.00"), convention.amount_paid or Decimal("0"))
                                      if reduced else Decimal("0.00"))
        convention.closing_note = ("Dépenses réalisées inférieures au budget prévisionnel : la différence "
                                   "est à reverser." if reduced else "Bilan conforme, dépenses justifiées.")
        return Status.CLOSED
    elif plan == "terminated":
        _signed(convention, today - timedelta(days=150))
        convention.status = ConventionStatus.TERMINATED.value
        convention.terminated_on = today - timedelta(days=20)
        convention.termination_reason = ("L'association abandonne le projet, faute de local : "
                                         "elle demande la résiliation et reverse les sommes non utilisées.")
        convention.amount_to_repay = euros_amount((convention.amount_paid or Decimal("0")) * Decimal("0.7"))
        return Status.ABANDONED
    else:
        raise ValueError(plan)
    return Status.UNDER_AGREEMENT


def _follow(initiative: Initiative, convention: Convention, target: Status) -> None:
    """Move the initiative along the workflow as the conventions' steps would have, with its history."""
    path = [Status.WINNER, Status.UNDER_AGREEMENT, target] if target in (Status.CLOSED, Status.ABANDONED) \
        else [Status.WINNER, target]
    start = path.index(initiative.status_enum) if initiative.status_enum in path else len(path)
    days = {Status.UNDER_AGREEMENT: (convention.signed_on, "Convention signée."),
            Status.CLOSED: (convention.closed_on, "Convention soldée."),
            Status.ABANDONED: (convention.terminated_on,
                               f"Convention résiliée : {convention.termination_reason}"[:1000])}
    for source, reached in zip(path[start:], path[start + 1:], strict=False):
        day, reason = days[reached]
        assert day is not None
        initiative.history.append(StatusChange(from_status=source.value, to_status=reached.value,
                                               reason=reason, at=local_midnight(day)))
        initiative.status = reached.value


# The winners' conventions, in this order (the first ones matter when there are few winners): one stays
# to sign, one has its final report late, and so on; beyond the list, winners alternate to sign / paid.
WINNER_PLAN = ("to_sign", "late_report", "paid", "report_received", "signed", "extension_window", "closed",
               "terminated", "closed_reduced")
UNDER_AGREEMENT_PLAN = ("signed", "extension_window", "late_report", "report_received", "paid")
CLOSED_PLAN = ("closed", "closed_reduced")
# Results published lately leave room for nothing older: to sign, or signed since the publication.
RECENT_PLAN = ("to_sign", "signed")
# How long ago each plan's convention was signed (months, days), as _apply dates it.
SIGNED_AGO = {"paid": (0, 90), "extension_window": (13, 0), "late_report": (26, 0),
              "report_received": (20, 0), "closed": (30, 0), "closed_reduced": (30, 0),
              "terminated": (0, 150)}


def plans_since(published_on: date, today: date) -> tuple[str, ...]:
    """The winners' plans of an edition whose results were published that day, a year or two ago: every
    plan whose convention is signed after it (none to sign any more, that long after)."""
    return tuple(plan for plan in WINNER_PLAN if plan == "signed" or (
        plan in SIGNED_AGO and dates.add_months(today, -SIGNED_AGO[plan][0])
        - timedelta(days=SIGNED_AGO[plan][1]) >= published_on)) or RECENT_PLAN


def seed_conventions(session: Session, edition: Edition, now: datetime, *,
                     files: Storage | None = None, not_before: date | None = None,
                     plans: tuple[str, ...] | None = None) -> int:
    """Conventions in every status for the edition's winners (those the allocation's publication left "to
    sign" included) and for initiatives already under agreement or closed without one: to sign, signed,
    paid, in the extension window, with a late final report (and the reminders sent about it), report
    received, closed (one with a reduction), terminated. Dates are counted back from today, so the late
    report is late whatever the edition's year. With `not_before` (the day the results were published)
    no convention is signed before it: the winners are then only to sign or signed since. Returns how
    many conventions were created or advanced; with no winner it does nothing, and once run it does
    nothing again. `plans` (with `not_before`) are the winners' plans in turn instead of RECENT_PLAN."""
    moved = select(Convention.id).where(Convention.edition_id == edition.id,
                                        Convention.status != ConventionStatus.TO_SIGN.value)
    if session.scalar(moved.limit(1)):
        return 0
    files = _storage(files)
    today = services.local_today(now)
    initiatives = session.scalars(
        select(Initiative).where(
            Initiative.edition_id == edition.id,
            Initiative.status.in_([Status.WINNER.value, Status.UNDER_AGREEMENT.value, Status.CLOSED.value]))
        .order_by(Initiative.id)).all()
    existing = {c.initiative_id: c for c in session.scalars(
        select(Convention).where(Convention.edition_id == edition.id))}
    counters = {Status.WINNER: 0, Status.UNDER_AGREEMENT: 0, Status.CLOSED: 0}
    touched = 0
    for initiative in initiatives:
        status = initiative.status_enum
        convention = existing.get(initiative.id)
        is_new = convention is None
        if convention is None:
            convention = Convention(initiative=initiative, edition_id=initiative.edition_id,
                                    status=ConventionStatus.TO_SIGN.value,
                                    amount_granted=_granted(initiative),
                                    duration_months=rules.DEFAULT_DURATION_MONTHS, created_at=now,
                                    updated_at=now, closing_note="", termination_reason="")
            session.add(convention)
        elif status is not Status.WINNER:
            continue  # already followed by someone: leave it alone
        index = counters[status]
        counters[status] += 1
        if not_before is not None:
            recent = plans or RECENT_PLAN
            plan = recent[index % len(recent)]
        elif status is Status.WINNER:
            plan = WINNER_PLAN[index] if index < len(WINNER_PLAN) else ("to_sign", "paid")[index % 2]
        elif status is Status.UNDER_AGREEMENT:
            plan = UNDER_AGREEMENT_PLAN[index % len(UNDER_AGREEMENT_PLAN)]
        else:
            plan = CLOSED_PLAN[index % len(CLOSED_PLAN)]
        target = _apply(session, convention, plan, today, now, files, not_before)
        if target is not status:
            _follow(initiative, convention, target)
        touched += 1 if is_new or plan != "to_sign" else 0
    session.flush()
    return touched
