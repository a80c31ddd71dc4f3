"""The current edition: the published edition of the latest year, the one the public site presents, read
once per transaction (most pages need it, the signed-in ones load it with the account in one statement)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from budgetcitoyen.editions.models import Edition

_CURRENT = "current_edition"


def current_edition_id() -> Any:
    """The id of the current edition, as a scalar subquery: a caller may load it within its own statement
    (the signed-in account and the current edition come in one, see extensions.load_user)."""
    return (select(Edition.id).where(Edition.is_published.is_(True)).order_by(Edition.year.desc())
            .limit(1).scalar_subquery())


def remember_current_edition(session: Session, edition: Edition | None) -> None:
    """Keep the current edition, loaded elsewhere with its calendar, for the rest of this transaction."""
    session.info[_CURRENT] = edition


def current_edition(session: Session) -> Edition | None:
    """The published edition of the latest year: the one the public site presents (with its calendar, in
    one statement; once per transaction, which a commit or rollback ends)."""
    if _CURRENT in session.info:
        return session.info[_CURRENT]  # type: ignore[no-any-return]
    edition = session.scalars(
        select(Edition).where(Edition.is_published.is_(True)).order_by(Edition.year.desc()).limit(1)
        .options(joinedload(Edition.phases))
    ).unique().first()
    remember_current_edition(session, edition)
    return edition


@event.listens_for(Session, "after_transaction_end")
def _forget_current_edition(session: Session, transaction: Any) -> None:
    # A commit may have published another edition; a new transaction reads it again.
    if transaction.parent is None:
        session.info.pop(_CURRENT, None)
