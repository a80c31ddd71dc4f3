"""One row per counted action, kept only as long as the longest window needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from budgetcitoyen.db import Base


class RateEvent(Base):
    """An action counted against a limit. `key` is a keyed hash, never a readable address or e-mail."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_action_key_at", "action", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
