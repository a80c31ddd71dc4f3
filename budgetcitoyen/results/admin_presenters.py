"""What the back office shows of the allocation, in French: the allocation page (preview or published)
and the report to the Commission permanente with its CSV lines.

Built for the admin views from the stored result; nothing here changes anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import local_zone
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.rules import public_structure_name
from budgetcitoyen.results import charts
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.results.presenters import ranking_rows, recompute_command, rule_description, rule_label
from budgetcitoyen.results.services import decisions_of, result_of
from budgetcitoyen.voting import figures as vote_figures
from budgetcitoyen.voting import rules as vote_rules
from budgetcitoyen.voting.rules import last_vote_day

# --- the allocation page -------------------------------------------------------------------------


def settings_changed(edition: Edition, result: AllocationResult) -> bool:
    """Whether the edition's rule settings moved since the computation (publishing would be refused)."""
    settings = result.settings or {}
    return (result.rule != edition.allocation_rule
            or int(settings.get("threshold") or 0) != edition.vote_threshold
            or settings.get("utility") != edition.mes_utility
            or result.envelope != edition.envelope)


def edition_settings(edition: Edition) -> dict[str, Any]:
    """What the rule will run with, before any computation (services.rule_settings needs the ballots)."""
    return {
        "threshold": edition.vote_threshold,
        "utility": edition.mes_utility,
        "tie_break": "edition",
        "ceilings": {c.code: str(c.ceiling) for c in edition.categories},
        "sub_envelopes": {c.code: str(c.sub_envelope) for c in edition.categories
                          if c.sub_envelope is not None},
    }


def allocation_page(session: Session, edition: Edition, now: datetime) -> dict[str, Any]:
    """Where the vote stands, the allocation computed (a preview) or published, and the rule in words."""
    window = edition.window(Phase.VOTE)
    result = result_of(session, edition)
    rows = ranking_rows(result, decisions_of(session, result)) if result is not None else []
    published = result is not None and result.published_at is not None
    return {
        "edition": edition, "window": window, "vote_status": vote_rules.vote_window_status(edition, now),
        "last_day": last_vote_day(window.ends_at, local_zone()) if window else None,
        "figures": vote_figures.participation(session, edition), "result": result, "rows": rows,
        "winners": sum(1 for r in rows if r.funded),
        "published_by": (session.get(User, result.published_by_id) if result and result.published_by_id
                         else None),
        "stale": result is not None and not published and settings_changed(edition, result),
        "edition_rule": rule_description(edition, edition_settings(edition), edition.allocation_rule),
        "rule": rule_description(edition, result.settings or {}, result.rule) if result else None,
        "command": recompute_command(result, edition.year) if result and published else None,
        "share": charts.share,
    }


# --- the Commission permanente report -----------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """A line of the report: the budget line, the balance before and after the winner's grant."""

    decision: AllocationDecision
    structure: str | None
    available: Decimal | None
    proposal: Decimal
    balance: Decimal | None


REPORT_CSV_HEADER = ["Rang", "Code opération", "Imputation budgétaire", "Libellé opération", "CP",
                     "Disponible", "Proposition", "Solde", "N° initiative", "Initiative", "Structure",
                     "Territoire"]


def running_balance(start: Decimal | None,
                    proposals: Sequence[Decimal]) -> list[tuple[Decimal | None, Decimal | None]]:
    """(Disponible, Solde) for each proposal in turn: the Solde of a line is the Disponible of the next."""
    lines: list[tuple[Decimal | None, Decimal | None]] = []
    available = start
    for proposal in proposals:
        balance = available - proposal if available is not None else None
        lines.append((available, balance))
        available = balance
    return lines


def report_rows(session: Session, edition: Edition,
                result: AllocationResult) -> tuple[list[ReportRow], Decimal | None]:
    """The winners in ranking order with the running balance, and the first Disponible (None: unknown)."""
    start = edition.credits_available if edition.credits_available is not None else edition.payment_credits
    winners = [d for d in decisions_of(session, result) if d.funded]
    balances = running_balance(start, [d.granted for d in winners])
    return [ReportRow(decision=d, structure=public_structure_name(d.initiative), available=available,
                      proposal=d.granted, balance=balance)
            for d, (available, balance) in zip(winners, balances, strict=True)], start


def report_page(session: Session, edition: Edition) -> dict[str, Any]:
    """The report to the Commission permanente (empty until the allocation is computed)."""
    result = result_of(session, edition)
    rows, start = report_rows(session, edition, result) if result is not None else ([], None)
    total = sum((r.proposal for r in rows), Decimal(0))
    return {"edition": edition, "result": result, "rows": rows, "start": start, "total": total,
            "over": start is not None and total > start,
            "rule_label": rule_label(result.rule) if result is not None else None}


def csv_amount(value: Decimal | None) -> str:
    """French spreadsheets read "209285,00" as a number; the page shows "209 285,00 €"."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def report_csv_lines(edition: Edition, rows: list[ReportRow]) -> Iterator[list[object]]:
    """The report's lines as the CSV has them."""
    for r in rows:
        initiative = r.decision.initiative
        yield [r.decision.rank, edition.operation_code, edition.imputation, edition.budget_label,
               csv_amount(edition.payment_credits), csv_amount(r.available), csv_amount(r.proposal),
               csv_amount(r.balance), initiative.id, initiative.title, r.structure or "",
               initiative.territory.name if initiative.territory else ""]
