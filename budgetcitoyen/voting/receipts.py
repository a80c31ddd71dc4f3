"""Receipts: the signed code a voter keeps, and what checking it tells (queries: session in, no Flask).

A receipt says whether the ballot counts, was replaced by a later version or was voided, never what
it holds; its id is not the export's, so a voter cannot prove to a third party how they voted.

The code is short enough to read aloud or copy by hand: 16 characters in groups of 4 (ABCD-EFGH-…) from
an alphabet without the look-alikes 0/O, 1/l/I (typed in any case, with or without dashes or spaces). The
first 8 encode the start of the ballot's receipt id (36 bits, enough to find it among a few candidates);
the last 8 are an HMAC of the whole receipt id and the version under the app's secret (about 40 bits), so
a code cannot be made up or altered without the secret. The version is not written in the code: checking
tries each version of the ballot, which is how an old code is told apart ("superseded"). Codes of the
first format (receipt id, version and an itsdangerous signature, about 60 characters) stay verifiable.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.voting.models import Ballot

RECEIPT_SALT = "ballot-receipt"
# 31 symbols: digits 2-9 and capitals without I, L and O (read aloud or copied by hand without doubt).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_HALF = 8  # characters of the lookup part, then of the signature
_PREFIX_HEX = 9  # hex digits of the receipt id the lookup part encodes: 16**9 < 31**8
_MAC_MODULUS = len(ALPHABET) ** _HALF


def _encode(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def _decode(text: str) -> int:
    number = 0
    for char in text:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    return number


def _mac(secret: str, receipt_id: str, version: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{RECEIPT_SALT}:short:{receipt_id}:{version}".encode(), hashlib.sha256
    ).digest()
    return _encode(int.from_bytes(digest[:8], "big") % _MAC_MODULUS, _HALF)


def short_code(secret: str, receipt_id: str, version: int) -> str:
    """ABCD-EFGH-JKMN-PQRS: the receipt id's start and a signature of the id and the version."""
    raw = _encode(int(receipt_id[:_PREFIX_HEX], 16), _HALF) + _mac(secret, receipt_id, version)
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def receipt_code(secret: str, ballot: Ballot) -> str:
    """What the voter keeps: the short code of the ballot's receipt id and current version."""
    return short_code(secret, ballot.receipt_id, ballot.version)


def _normalised(code: str) -> str | None:
    """The 16 symbols of a short code as typed (any case, dashes or spaces anywhere), or None."""
    raw = "".join(code.split()).replace("-", "").upper()
    if len(raw) != 2 * _HALF or any(char not in ALPHABET for char in raw):
        return None
    return raw


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt tells: counted, replaced by a later version, or voided — never the choices."""

    state: str  # "counted", "superseded", "voided"
    cast_at: datetime
    edition_year: int


def _check_short(session: Session, secret: str, raw: str) -> tuple[Ballot, int] | None:
    """The ballot and version a short code names, or None."""
    prefix = int(_decode(raw[:_HALF]))
    if prefix >= 16**_PREFIX_HEX:
        return None
    start = f"{prefix:0{_PREFIX_HEX}x}"
    # Receipt ids are random: two ballots share these 36 bits only by rare chance; the signature decides.
    candidates = session.scalars(select(Ballot).where(Ballot.receipt_id.startswith(start, autoescape=True)))
    for ballot in candidates:
        for version in range(ballot.version, 0, -1):
            if hmac.compare_digest(_mac(secret, ballot.receipt_id, version), raw[_HALF:]):
                return ballot, version
    return None


def _check_long(session: Session, secret: str, code: str) -> tuple[Ballot, int] | None:
    """The ballot and version a code of the first format names, or None."""
    try:
        payload = Signer(secret, salt=RECEIPT_SALT).unsign(code.strip()).decode()
    except (BadSignature, UnicodeError, ValueError):
        return None
    receipt_id, _, version_text = payload.rpartition("-")
    if not (version_text.isascii() and version_text.isdigit()):
        return None
    ballot = session.scalar(select(Ballot).where(Ballot.receipt_id == receipt_id))
    return None if ballot is None else (ballot, int(version_text))


def check_receipt(session: Session, secret: str, code: str) -> ReceiptCheck:
    """Verify a receipt code; DomainError for a forged, mistyped or unknown one."""
    raw = _normalised(code)
    found = _check_short(session, secret, raw) if raw else _check_long(session, secret, code)
    if found is None:
        raise DomainError(
            "Ce code de reçu n'est pas valide. Vérifiez qu'il a été recopié en entier (16 caractères, "
            "par groupes de 4).", field="code"
        )
    ballot, version = found
    edition = session.get(Edition, ballot.edition_id)
    year = edition.year if edition else 0
    if ballot.voided_at is not None:
        return ReceiptCheck("voided", ballot.cast_at, year)
    if version != ballot.version:
        return ReceiptCheck("superseded", ballot.cast_at, year)
    return ReceiptCheck("counted", ballot.cast_at, year)


def long_code(secret: str, ballot: Ballot) -> str:
    """A code of the first format (kept for tests of codes handed out before the short ones)."""
    return Signer(secret, salt=RECEIPT_SALT).sign(f"{ballot.receipt_id}-{ballot.version}").decode()
