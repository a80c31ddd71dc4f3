"""Files kept in the database (the `database` storage backend): one row per file, its content in chunks.

Chunks, not one bytea value: a download reads one chunk per query, so a server never holds a whole file
in memory, and the rows stay far below PostgreSQL's 1 GB value limit and its TOAST sweet spot. The same
tables work on SQLite (the backend is tested on both engines)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from budgetcitoyen.db import Base


class StoredObject(Base):
    """One stored file: its key (`uploads/<random>.pdf`, `results/2026/…pb`), size and SHA-256."""

    __tablename__ = "storage_files"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    chunks: Mapped[int]
    stored_at: Mapped[datetime]


class StoredChunk(Base):
    """A piece of a stored file's content, in order (`position` from 0)."""

    __tablename__ = "storage_chunks"

    key: Mapped[str] = mapped_column(String(255), ForeignKey("storage_files.key", ondelete="CASCADE"),
                                     primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
