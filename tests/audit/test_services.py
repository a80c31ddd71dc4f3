"""The audit log is append-only at the database level, on both engines."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from budgetcitoyen.audit import services as audit
from budgetcitoyen.audit.models import AuditEntry
from budgetcitoyen.clock import now_utc


def test_entries_can_be_added_but_never_changed_or_deleted(app: Flask) -> None:
    sessionmaker = app.extensions["db_sessionmaker"]
    with sessionmaker() as session:
        entry = audit.record(
            session,
            actor=None,
            action="test.action",
            object_type="test",
            object_id=1,
            now=now_utc(),
            before={"a": 1},
            after={"a": 2},
        )
        session.commit()
        entry_id = entry.id
    with sessionmaker() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(summary="réécrit"))
        session.commit()
    with sessionmaker() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(delete(AuditEntry).where(AuditEntry.id == entry_id))
        session.commit()
    with sessionmaker() as session:
        kept = session.get(AuditEntry, entry_id)
        assert kept is not None and kept.summary == "" and kept.after == {"a": 2}


def test_changed_fields_keeps_only_differences() -> None:
    before, after = audit.changed_fields({"a": 1, "b": "x"}, {"a": 1, "b": "y"})
    assert before == {"b": "x"} and after == {"b": "y"}
