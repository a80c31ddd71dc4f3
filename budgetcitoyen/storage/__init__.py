"""Where the files the application must find again live: one small interface, two backends.

Files by key (`uploads/<random>.pdf`, `results/<year>/<name>`): `put` (from a stream, read to its end),
`open` (a stream read piece by piece), `size`/`exists`, `delete`. Writes follow the transaction of the
session they are given, whatever the backend: a file put by a use case that then rolls back is gone, a
file deleted by one is gone only once it commits.

- `local` (the embedded default): today's folders, `<instance>/uploads` (or UPLOAD_FOLDER) and
  `<instance>/results/<year>`. Rollback and commit are followed by session hooks.
- `database` (several web servers; storage/database.py): the files are rows of the database the servers
  share (storage_files, storage_chunks), so they are written in the very transaction of the rows that name
  them, and `budgetcitoyen backup` (or pg_dump) saves them with those rows. At this project's scale (a
  few thousand files of at most 10 MB per edition, published files of a few MB) one PostgreSQL holds them
  easily, and no second service has to be run, secured and backed up in step with the database.

Caches (radar charts) are not stored here: each server rebuilds its own from the database. The results
charts are not a cache: drawn once at publication, they are published files (`results/<year>/graphiques/`).
"""

from __future__ import annotations

import os
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

__all__ = ["BACKENDS", "LocalStorage", "Reader", "Storage", "check_key", "copy_files", "make_storage"]

BACKENDS = ("local", "database")
# What the files of each key's first part are (and the folder names of backups, see budgetcitoyen.backup).
ROOTS = ("uploads", "results")
CHUNK = 512 * 1024
READ_SIZE = 64 * 1024
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
                while chunk := stream.read(READ_SIZE):
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


def init_app(app: Any) -> None:
    """The app's storage, as its STORAGE setting says (after db.init_app: the database backend needs
    the engine)."""
    app.extensions["storage"] = make_storage(app.config["STORAGE"], app.extensions["db_engine"],
                                             app.instance_path, app.config["UPLOAD_FOLDER"])


def make_storage(backend: str, engine: Engine, instance: Path | str,
                 upload_folder: Path | str | None) -> Storage:
    """The storage a setting names (`local` or `database`)."""
    if backend == "database":
        from budgetcitoyen.storage.database import DatabaseStorage

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
