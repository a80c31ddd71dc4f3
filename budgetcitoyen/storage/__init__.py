"""Where the files the application must find again live: one small interface, two backends.

Files by key (`uploads/<random>.pdf`, `results/<year>/<name>`): `put` (from a stream, read to its end),
`open` (a stream read piece by piece), `size`/`exists`, `delete`. Writes follow the transaction of the
session they are given, whatever the backend: a file put by a use case that then rolls back is gone, a
file deleted by one is gone only once it commits.

- `local` (the embedded default): today's folders, `<instance>/uploads` (or UPLOAD_FOLDER) and
  `<instance>/results/<year>`. Rollback and commit are followed by session hooks.
- `database` (several web servers): the files are rows of the database the servers already share
  (storage_files, storage_chunks), so they are written in the very transaction of the rows that name
  them, and `budgetcitoyen backup` (or pg_dump) saves them with those rows. At this project's scale (a
  few thousand files of at most 10 MB per edition, published files of a few MB) one PostgreSQL holds them
  easily, and no second service has to be run, secured and backed up in step with the database.

Caches (radar charts, results charts) are not stored here: each server rebuilds its own from the
database.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import Engine, delete, event, insert, select, update
from sqlalchemy.orm import Session

from budgetcitoyen.clock import now_utc
from budgetcitoyen.db import mark_written

__all__ = ["BACKENDS", "DatabaseStorage", "LocalStorage", "Reader", "Storage", "check_key", "make_storage"]

BACKENDS = ("local", "database")
# What the files of each key's first part are (and the folder names of backups, see budgetcitoyen.backup).
ROOTS = ("uploads", "results")
CHUNK = 512 * 1024
_READ = 64 * 1024
_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
_ON_ROLLBACK = "storage.undo_on_rollback"
_AFTER_COMMIT = "storage.do_after_commit"


def check_key(key: str) -> str:
    """A key is ours: a known root then plain names (no dot first, no `..`, no backslash)."""
    parts = key.split("/")
    if (len(key) > 255 or len(parts) < 2 or parts[0] not in ROOTS
            or not all(_PART.fullmatch(part) and not part.endswith(".part") for part in parts)):
        raise FileNotFoundError(key)
    return key


class Reader(Protocol):
    """A stored file opened for reading: `read(n)` until b"", then `close()`; `size` in bytes."""

    size: int

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class Storage(ABC):
    """The files of the application, by key."""

    name: str

    @abstractmethod
    def put(self, session: Session, key: str, stream: BinaryIO, *, replace: bool = False) -> int:
        """Store the stream's bytes (read to its end) under `key`, kept only if the session's transaction
        commits; returns the size. An exception raised by the stream (a size limit) leaves nothing.
        `replace`: a file already under the key is replaced, else FileExistsError."""

    @abstractmethod
    def delete(self, session: Session, key: str) -> None:
        """Delete the file once the session's transaction commits (kept if it rolls back)."""

    @abstractmethod
    def open(self, key: str) -> Reader:
        """The committed file, to read piece by piece; FileNotFoundError when there is none."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The committed file's size, or None when there is none."""

    @abstractmethod
    def keys(self, root: str) -> Iterator[str]:
        """Every committed key under a root (`uploads`, `results`), in order."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def read(self, key: str) -> bytes:
        """The whole file (small files and tests)."""
        handle = self.open(key)
        try:
            return handle.read()
        finally:
            handle.close()


# --- following the transaction -----------------------------------------------------------------


def on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run `action` if the session's (outermost) transaction rolls back."""
    session.connection()  # a transaction to follow: a session that never began one fires no event
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session's (outermost) transaction has committed."""
    session.connection()
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_AFTER_COMMIT, []):
        action()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is not None:
        return
    session.info.pop(_AFTER_COMMIT, None)
    for action in session.info.pop(_ON_ROLLBACK, []):
        action()


# --- local folders ---------------------------------------------------------------------------------


class LocalStorage(Storage):
    """Files in folders of this server: one folder per root (today's layout)."""

    name = "local"

    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = {root: Path(roots[root]) for root in ROOTS}

    @classmethod
    def for_instance(cls, instance: Path | str, upload_folder: Path | str | None = None) -> LocalStorage:
        instance = Path(instance)
        return cls({"uploads": Path(upload_folder) if upload_folder else instance / "uploads",
                    "results": instance / "results"})

    def path(self, key: str) -> Path:
        root, *rest = check_key(key).split("/")
        return self.roots[root].joinpath(*rest)

    def put(self, session: Session, key: str, stream: BinaryIO, *, replace: bool = False) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked (or renamed) into place: readers see a whole file or none.
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        size = 0
        try:
            with partial.open("xb") as out:
                while chunk := stream.read(_READ):
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if replace:
                os.replace(partial, target)
            else:
                os.link(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        on_rollback(session, lambda: target.unlink(missing_ok=True))
        return size

    def delete(self, session: Session, key: str) -> None:
        target = self.path(key)
        after_commit(session, lambda: target.unlink(missing_ok=True))

    def open(self, key: str) -> Reader:
        handle = self.path(key).open("rb")
        handle.size = os.fstat(handle.fileno()).st_size  # type: ignore[attr-defined]
        return handle  # type: ignore[return-value]

    def size(self, key: str) -> int | None:
        try:
            path = self.path(key)
            return path.stat().st_size if path.is_file() else None
        except FileNotFoundError:
            return None

    def keys(self, root: str) -> Iterator[str]:
        folder = self.roots[root]
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield f"{root}/{path.relative_to(folder).as_posix()}"


# --- the shared database ---------------------------------------------------------------------------


class DatabaseStorage(Storage):
    """Files in the database all servers share (storage_files, storage_chunks).

    Writes go through the caller's session, so they are part of its transaction. Reads use a connection
    of their own for each chunk (autocommit): a download served after the request's session is closed,
    or a slow client, holds no connection between chunks."""

    name = "database"

    def __init__(self, engine: Engine) -> None:
        self.reads = engine.execution_options(isolation_level="AUTOCOMMIT")

    def put(self, session: Session, key: str, stream: BinaryIO, *, replace: bool = False) -> int:
        from budgetcitoyen.storage.models import StoredChunk, StoredObject

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
        from budgetcitoyen.storage.models import StoredChunk, StoredObject

        # Chunks first: no reliance on ON DELETE CASCADE being enforced (SQLite needs a pragma for it).
        session.execute(delete(StoredChunk).where(StoredChunk.key == key))
        session.execute(delete(StoredObject).where(StoredObject.key == key))

    def open(self, key: str) -> Reader:
        from budgetcitoyen.storage.models import StoredObject

        check_key(key)
        with self.reads.connect() as connection:
            row = connection.execute(select(StoredObject.size, StoredObject.chunks)
                                     .where(StoredObject.key == key)).first()
        if row is None:
            raise FileNotFoundError(key)
        return _DatabaseReader(self.reads, key, int(row.size), int(row.chunks))

    def size(self, key: str) -> int | None:
        from budgetcitoyen.storage.models import StoredObject

        try:
            check_key(key)
        except FileNotFoundError:
            return None
        with self.reads.connect() as connection:
            size = connection.scalar(select(StoredObject.size).where(StoredObject.key == key))
        return None if size is None else int(size)

    def keys(self, root: str) -> Iterator[str]:
        from budgetcitoyen.storage.models import StoredObject

        with self.reads.connect() as connection:
            found = connection.scalars(select(StoredObject.key).where(StoredObject.key.startswith(f"{root}/"))
                                       .order_by(StoredObject.key)).all()
        yield from found


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end (a request stream may answer in smaller pieces)."""
    parts, missing = [], size
    while missing > 0:
        piece = stream.read(min(missing, _READ))
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
        from budgetcitoyen.storage.models import StoredChunk

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


def init_app(app: Any) -> None:
    """The app's storage, as its STORAGE setting says (after db.init_app: the database backend needs
    the engine)."""
    app.extensions["storage"] = make_storage(app.config["STORAGE"], app.extensions["db_engine"],
                                             app.instance_path, app.config["UPLOAD_FOLDER"])


def make_storage(backend: str, engine: Engine, instance: Path | str,
                 upload_folder: Path | str | None) -> Storage:
    """The storage a setting names (`local` or `database`)."""
    if backend == "database":
        return DatabaseStorage(engine)
    if backend == "local":
        return LocalStorage.for_instance(instance, upload_folder)
    raise RuntimeError(f"BUDGETCITOYEN_STORAGE={backend!r}: choose one of {', '.join(BACKENDS)}")


def copy_files(source: Storage, target: Storage, sessions: Callable[[], Session]) -> tuple[int, int]:
    """Copy every file of `source` that `target` lacks (moving from one server's folders to the shared
    database, or back; a restored archive's files to the configured backend). One commit per file, so an
    interrupted copy is resumed by running it again. Returns (copied, already there)."""
    copied = present = 0
    for root in ROOTS:
        for key in source.keys(root):
            if target.size(key) == source.size(key):
                present += 1
                continue
            handle = source.open(key)
            try:
                with sessions() as session:
                    target.put(session, key, handle, replace=True)  # type: ignore[arg-type]
                    session.commit()
            finally:
                handle.close()
            copied += 1
    return copied, present
