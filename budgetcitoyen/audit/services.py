"""Recording audit entries: the only way admin changes are journaled."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.db import paginate

if TYPE_CHECKING:  # the actor is an account; accounts sit above the journal in the package order
    from budgetcitoyen.accounts.models import User


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose value differs, so the journal shows what actually changed."""
    keys = [k for k in after if _jsonable(before.get(k)) != _jsonable(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    now: datetime,
    summary: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; it is written in the same transaction as the change it describes."""
    entry = AuditEntry(
        at=now,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:500],
        before=_jsonable(dict(before)) if before is not None else None,
        after=_jsonable(dict(after)) if after is not None else None,
    )
    session.add(entry)
    return entry


def journal(session: Session, object_type: str, page: int, size: int) -> tuple[list[AuditEntry], int]:
    """One page of the journal, newest first, of one type of object (all when empty); and the total."""
    statement = select(AuditEntry)
    if object_type:
        statement = statement.where(AuditEntry.object_type == object_type)
    return paginate(session, statement.order_by(AuditEntry.id.desc()), page, size)


def object_types(session: Session) -> list[str]:
    """The types of object the journal mentions, to filter it by."""
    return list(session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))
