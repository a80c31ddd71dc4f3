"""The `database` storage backend: files as rows of the database every web server shares.

Written through the caller's session (so in its transaction), read chunk by chunk on connections of their
own (see budgetcitoyen.storage for the interface and the choice of this backend)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from budgetcitoyen.clock import now_utc
from budgetcitoyen.db import mark_written
from budgetcitoyen.storage import CHUNK, READ_SIZE, Reader, Storage, check_key
from budgetcitoyen.storage.models import StoredChunk, StoredObject


class DatabaseStorage(Storage):
    """Files in the database all servers share (storage_files, storage_chunks).

    Writes go through the caller's session, so they are part of its transaction. Reads use a connection
    of their own for each chunk (autocommit): a download served after the request's session is closed,
    or a slow client, holds no connection between chunks."""

    name = "database"

    def __init__(self, engine: Engine) -> None:
        self.reads = engine.execution_options(isolation_level="AUTOCOMMIT")

    def put(self, session: Session, key: str, stream: BinaryIO, *, replace: bool = False) -> int:
        check_key(key)
        if replace:
            self._remove(session, key)
        elif session.scalar(select(StoredObject.key).where(StoredObject.key == key)) is not None:
            raise FileExistsError(key)
        session.execute(insert(StoredObject).values(key=key, size=0, sha256="", chunks=0,
                                                    stored_at=now_utc()))
        mark_written(session)
        digest, size, position = hashlib.sha256(), 0, 0
        try:
            while chunk := _read_full(stream, CHUNK):
                digest.update(chunk)
                size += len(chunk)
                session.execute(insert(StoredChunk).values(key=key, position=position, data=chunk))
                position += 1
        except BaseException:
            # The caller's transaction is rolled back in the end; this leaves nothing even if it is not.
            self._remove(session, key)
            raise
        session.execute(update(StoredObject).where(StoredObject.key == key)
                        .values(size=size, sha256=digest.hexdigest(), chunks=position))
        return size

    def delete(self, session: Session, key: str) -> None:
        check_key(key)
        self._remove(session, key)
        mark_written(session)

    @staticmethod
    def _remove(session: Session, key: str) -> None:
        # Chunks first: no reliance on ON DELETE CASCADE being enforced (SQLite needs a pragma for it).
        session.execute(delete(StoredChunk).where(StoredChunk.key == key))
        session.execute(delete(StoredObject).where(StoredObject.key == key))

    def open(self, key: str) -> Reader:
        check_key(key)
        with self.reads.connect() as connection:
            row = connection.execute(select(StoredObject.size, StoredObject.chunks)
                                     .where(StoredObject.key == key)).first()
        if row is None:
            raise FileNotFoundError(key)
        return _DatabaseReader(self.reads, key, int(row.size), int(row.chunks))

    def size(self, key: str) -> int | None:
        try:
            check_key(key)
        except FileNotFoundError:
            return None
        with self.reads.connect() as connection:
            size = connection.scalar(select(StoredObject.size).where(StoredObject.key == key))
        return None if size is None else int(size)

    def keys(self, root: str) -> Iterator[str]:
        with self.reads.connect() as connection:
            found = connection.scalars(select(StoredObject.key).where(StoredObject.key.startswith(f"{root}/"))
                                       .order_by(StoredObject.key)).all()
        yield from found


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end (a request stream may answer in smaller pieces)."""
    parts, missing = [], size
    while missing > 0:
        piece = stream.read(min(missing, READ_SIZE))
        if not piece:
            break
        parts.append(piece)
        missing -= len(piece)
    return b"".join(parts)


class _DatabaseReader:
    """A stored file read chunk by chunk, one short query each (no fileno: servers stream it)."""

    def __init__(self, engine: Engine, key: str, size: int, chunks: int) -> None:
        self.size, self._engine, self._key, self._chunks = size, engine, key, chunks
        self._position, self._buffer, self._offset = 0, b"", 0

    def _next_chunk(self) -> bytes:
        if self._position >= self._chunks:
            return b""
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # bytea in binary format: in text format it travels hex-encoded, and a download read
                # 3 to 5 times slower (benchmarks/storage.py).
                raw: Any = connection.connection.dbapi_connection
                with raw.cursor(binary=True) as cursor:
                    cursor.execute("SELECT data FROM storage_chunks WHERE key = %s AND position = %s",
                                   (self._key, self._position))
                    row = cursor.fetchone()
                data = row[0] if row else None
            else:
                data = connection.scalar(select(StoredChunk.data).where(
                    StoredChunk.key == self._key, StoredChunk.position == self._position))
        if data is None:
            # Deleted while being read: an error, never a silently shortened file.
            raise OSError(f"stored file {self._key} changed while read")
        self._position += 1
        return bytes(data)

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            parts = [self._buffer[self._offset:]]
            while chunk := self._next_chunk():
                parts.append(chunk)
            self._buffer, self._offset = b"", 0
            return b"".join(parts)
        if self._offset >= len(self._buffer):
            # Served from one chunk at a time, by offset: no copy of the chunk's rest on each read.
            self._buffer, self._offset = self._next_chunk(), 0
        data = self._buffer[self._offset:self._offset + size]
        self._offset += len(data)
        return data

    def close(self) -> None:
        self._buffer, self._offset, self._position = b"", 0, self._chunks

    def __enter__(self) -> _DatabaseReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
