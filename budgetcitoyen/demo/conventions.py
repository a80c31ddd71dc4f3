"""Demo conventions for the demo edition's winners: every status, a late final report, reminders already sent."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from budgetcitoyen.clock import local_midnight
from budgetcitoyen.conventions import dates, rules, services
from budgetcitoyen.conventions.models import Convention, ConventionReminder
from budgetcitoyen.conventions.rules import ConventionStatus, Reminder
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative, StatusChange
from budgetcitoyen.initiatives.workflow import Status
from budgetcitoyen.money import euros_amount

# What each "under agreement" demo initiative shows, in turn.
UNDER_AGREEMENT_PLAN = ("signed", "extension_window", "late_report", "report_received", "paid")


def _granted(initiative: Initiative) -> Decimal:
    """The amount asked, capped by the category's ceiling (the default allocation rule)."""
    asked = initiative.amount_asked or Decimal("5000")
    if initiative.category is not None:
        asked = min(asked, initiative.category.ceiling)
    return euros_amount(asked)


def _demo_pdf(title: str) -> bytes:
    """A small but well-formed PDF, so the demo's report links open something."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 60 780 Td (Bilan final d'execution - demonstration) Tj 0 -24 Td (" + text + b") Tj ET"
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


def _upload_folder(folder: Path | None) -> Path | None:
    if folder is not None:
        return folder
    from flask import current_app, has_app_context

    return Path(current_app.config["UPLOAD_FOLDER"]) if has_app_context() else None


def _attach_report(convention: Convention, received: datetime, folder: Path | None) -> None:
    """A final report on the convention; written to disk when the upload folder is known."""
    convention.report_received_at = received
    convention.report_original_name = f"Bilan final - {convention.initiative.title[:120]}.pdf"
    content = _demo_pdf(convention.initiative.title)
    convention.report_content_type, convention.report_size = "application/pdf", len(content)
    convention.report_sha256 = hashlib.sha256(content).hexdigest()
    convention.report_stored_name = secrets.token_hex(16) + ".pdf"
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / convention.report_stored_name).write_bytes(content)


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


def seed_conventions(session: Session, edition: Edition, now: datetime, *, upload_folder: Path | None = None) -> int:
    """Conventions for the edition's winners, under-agreement and closed initiatives that have none yet:
    to sign, signed and paid, in the extension window, with a late final report (and its reminders),
    report received, closed (one with a reduction) and one terminated. Dates are counted back from today,
    so the late report is late whatever the edition's year. Returns how many were created; with no
    winner at all, it creates nothing."""
    folder = _upload_folder(upload_folder)
    today = services.local_today(now)
    candidates = session.scalars(
        select(Initiative).where(
            Initiative.edition_id == edition.id,
            Initiative.status.in_([Status.WINNER.value, Status.UNDER_AGREEMENT.value, Status.CLOSED.value]),
            ~exists().where(Convention.initiative_id == Initiative.id))
        .order_by(Initiative.id)).all()
    by_status: dict[str, list[Initiative]] = {}
    for initiative in candidates:
        by_status.setdefault(initiative.status, []).append(initiative)
    created = 0

    def new(initiative: Initiative, created_at: datetime) -> Convention:
        nonlocal created
        convention = Convention(initiative=initiative, edition_id=initiative.edition_id,
                                status=ConventionStatus.TO_SIGN.value, amount_granted=_granted(initiative),
                                duration_months=rules.DEFAULT_DURATION_MONTHS, created_at=created_at,
                                updated_at=now, closing_note="", termination_reason="")
        session.add(convention)
        created += 1
        return convention

    winners = by_status.get(Status.WINNER.value, [])
    # One winner goes the whole way to a termination, as long as another stays to be signed.
    terminated = winners.pop() if len(winners) >= 2 else None
    for initiative in winners:
        new(initiative, now)

    for index, initiative in enumerate(by_status.get(Status.UNDER_AGREEMENT.value, [])):
        plan = UNDER_AGREEMENT_PLAN[index % len(UNDER_AGREEMENT_PLAN)]
        recipient = initiative.holder.email
        if plan == "signed":
            convention = new(initiative, now - timedelta(days=20))
            _signed(convention, today - timedelta(days=3), paid=False)
        elif plan == "paid":
            convention = new(initiative, now - timedelta(days=100))
            _signed(convention, today - timedelta(days=90))
        elif plan == "extension_window":
            convention = new(initiative, now - timedelta(days=420))
            _signed(convention, dates.add_months(today, -13))
            assert convention.schedule is not None
            _remind(convention, Reminder.EXTENSION_WINDOW, convention.schedule.extension_from, recipient)
        elif plan == "late_report":
            convention = new(initiative, now - timedelta(days=820))
            _signed(convention, dates.add_months(today, -26))
            assert convention.schedule is not None
            _remind(convention, Reminder.EXTENSION_WINDOW, convention.schedule.extension_from, recipient)
            _remind(convention, Reminder.REPORT_DUE_SOON, convention.schedule.report_reminder_on, recipient)
            _remind(convention, Reminder.REPORT_OVERDUE, convention.schedule.report_due_on + timedelta(days=1),
                    recipient)
        else:
            convention = new(initiative, now - timedelta(days=640))
            _signed(convention, dates.add_months(today, -20))
            convention.status = ConventionStatus.REPORT_RECEIVED.value
            _attach_report(convention, now - timedelta(days=10), folder)

    for index, initiative in enumerate(by_status.get(Status.CLOSED.value, [])):
        convention = new(initiative, now - timedelta(days=950))
        _signed(convention, dates.add_months(today, -30))
        _attach_report(convention, now - timedelta(days=120), folder)
        convention.status = ConventionStatus.CLOSED.value
        convention.closed_on = today - timedelta(days=60)
        reduction = min(Decimal("1200.00"), convention.amount_paid or Decimal("0")) if index % 2 else Decimal("0")
        convention.amount_to_repay = reduction
        convention.closing_note = ("Dépenses réalisées inférieures au budget prévisionnel : la différence est "
                                   "à reverser." if reduction else "Bilan conforme, dépenses justifiées.")

    if terminated is not None:
        convention = new(terminated, now - timedelta(days=160))
        _signed(convention, today - timedelta(days=150))
        convention.status = ConventionStatus.TERMINATED.value
        convention.terminated_on = today - timedelta(days=20)
        convention.termination_reason = ("L'association abandonne le projet, faute de local : "
                                         "elle demande la résiliation et reverse les sommes non utilisées.")
        convention.amount_to_repay = euros_amount((convention.amount_paid or Decimal("0")) * Decimal("0.7"))
        reason = f"Convention résiliée : {convention.termination_reason}"
        signed_at = local_midnight(convention.signed_on or today)
        terminated.history.append(StatusChange(from_status=Status.WINNER.value,
                                               to_status=Status.UNDER_AGREEMENT.value,
                                               reason="Convention signée.", at=signed_at))
        terminated.history.append(StatusChange(from_status=Status.UNDER_AGREEMENT.value,
                                               to_status=Status.ABANDONED.value, reason=reason[:1000],
                                               at=local_midnight(convention.terminated_on)))
        terminated.status = Status.ABANDONED.value
    session.flush()
    return created
