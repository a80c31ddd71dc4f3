"""Counters of actions per key and time slice, kept only as long as the longest window needs."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from budgetcitoyen.db import Base


class RateCounter(Base):
    """How many times `action` was counted for `key` in the slice of `step` seconds starting at `start`
    (Unix seconds, a multiple of `step`).

    `key` is a keyed hash, never a readable address or e-mail. No row per action and no exact time: a
    slice is a sixtieth of the limit's window (ten seconds for the ballot's ten minutes), and the key is
    a hash only the application can compute, so the table cannot be lined up with the ballots.
    """

    __tablename__ = "rate_counters"
    __table_args__ = (
        PrimaryKeyConstraint("action", "key", "step", "start"),
        CheckConstraint("count >= 1 AND step >= 1", name="positive"),
    )

    action: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    step: Mapped[int]
    start: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int]
