"""Receipts: the signed code a voter keeps, and what checking it tells (queries: session in, no Flask).

A receipt says whether the ballot counts, was replaced by a later version or was voided, never what
it holds; its id is not the export's, so a voter cannot prove to a third party how they voted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.voting.models import Ballot

RECEIPT_SALT = "ballot-receipt"


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
    invalid = DomainError(
        "Ce code de reçu n'est pas valide. Vérifiez qu'il a été recopié en entier.", field="code"
    )
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
