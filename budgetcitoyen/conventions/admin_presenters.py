"""What the ESS service's follow-up pages show: the list with its late reports and totals, the CSV's
lines, and a convention's detail with the form of each next step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.conventions import forms, rules, services
from budgetcitoyen.conventions.models import Convention
from budgetcitoyen.conventions.rules import ConventionStatus
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.french import short_date
from budgetcitoyen.initiatives.rules import STATUS_LABELS as INITIATIVE_LABELS

# The detail page shows several step forms at once: prefixes keep their field ids apart.
PREFIXES = {"sign": "signature", "pay": "versement", "report": "bilan", "close": "cloture",
            "terminate": "resiliation"}
CSV_HEADER = ["N°", "Édition", "Initiative", "Structure", "SIRET", "Statut", "Montant accordé (€)",
              "Signée le", "Durée (mois)", "Fin le (inclus)", "Versée le", "Montant versé (€)",
              "Bilan dû le (inclus)", "Bilan reçu le", "Soldée le", "Résiliée le", "Motif de résiliation",
              "À reverser (€)"]


def chosen_edition(session: Session, edition_id: int | None) -> Edition:
    """The edition asked for, else the current one, else the latest."""
    edition = session.get(Edition, edition_id) if edition_id is not None else None
    if edition is None:
        edition = current_edition(session) or session.scalar(select(Edition).order_by(Edition.year.desc()))
    return edition


def list_page(session: Session, edition_id: int | None, status: ConventionStatus | None,
              today: date) -> dict[str, Any]:
    """The conventions listed, the late final reports, the counts by status and the totals."""
    rows = session.scalars(services.listing(edition_id, status)).all()
    return {
        "conventions": rows, "late": services.late_reports(session, edition_id, today),
        "editions": session.scalars(select(Edition).order_by(Edition.year.desc())).all(),
        "labels": rules.STATUS_LABELS, "counts": Counter(c.status for c in rows), "today": today,
        "totals": {"granted": sum((c.amount_granted for c in rows), Decimal("0")),
                   "paid": sum((c.amount_paid or Decimal("0") for c in rows), Decimal("0")),
                   "repay": sum((c.amount_to_repay or Decimal("0") for c in rows), Decimal("0"))},
    }


def _or_blank(value: object) -> object:
    return value if value is not None else ""


def csv_lines(rows: Iterable[Convention]) -> Iterator[list[object]]:
    """One CSV line per convention, as CSV_HEADER names them."""
    for c in rows:
        i = c.initiative
        yield [c.id, c.edition.year, i.title, i.structure_name, i.siret, rules.STATUS_LABELS[c.status_enum],
               c.amount_granted, short_date(c.signed_on), c.duration_months if c.signed_on else "",
               short_date(c.end_on), short_date(c.paid_on), _or_blank(c.amount_paid),
               short_date(c.report_due_on), short_date(c.report_received_at), short_date(c.closed_on),
               short_date(c.terminated_on), c.termination_reason, _or_blank(c.amount_to_repay)]


def detail_page(convention: Convention, today: date, **overrides: Any) -> dict[str, Any]:
    """One convention, and the form of each step (blank, or as sent back with its errors)."""
    step_forms: dict[str, Any] = {
        "sign_form": forms.SignForm(formdata=None, prefix=PREFIXES["sign"], data={"signed_on": today}),
        "payment_form": forms.PaymentForm(formdata=None, prefix=PREFIXES["pay"],
                                          data={"paid_on": today, "amount_paid": convention.amount_granted}),
        "report_form": forms.ReportForm(formdata=None, prefix=PREFIXES["report"]),
        "close_form": forms.CloseForm(formdata=None, prefix=PREFIXES["close"],
                                      data={"closed_on": today, "amount_to_repay": Decimal("0")}),
        "terminate_form": forms.TerminateForm(formdata=None, prefix=PREFIXES["terminate"],
                                              data={"terminated_on": today}),
    }
    step_forms.update(overrides)
    status = convention.status_enum
    return {
        "convention": convention, "labels": rules.STATUS_LABELS, "initiative_labels": INITIATIVE_LABELS,
        "moves": rules.next_moves(status), "statuses": ConventionStatus, "today": today,
        "late": rules.is_report_late(status, convention.report_due_on, today),
        "reminder_labels": rules.REMINDER_LABELS, "step_errors": any(f.errors for f in step_forms.values()),
        **step_forms,
    }
