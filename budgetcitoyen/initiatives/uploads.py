"""Attachment storage: type from the content, size and count limits, random names outside static/.

Files follow the transaction that records them: a use case that writes a file calls
`discard_on_rollback`, so a refused or failed use case leaves nothing on disk; one that drops a file
calls `remove_after_commit`, so the file goes only once the change is committed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session

from budgetcitoyen.errors import DomainError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_DOSSIER = 5
_CHUNK = 64 * 1024
_ON_ROLLBACK = "files_to_remove_on_rollback"
_AFTER_COMMIT = "files_to_remove_after_commit"

# Magic numbers: the name and the browser's declared type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload folder."""

    stored_name: str
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for anything but PDF, PNG and JPEG."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def store(stream: BinaryIO, folder: Path) -> StoredFile:
    """Copy the upload to disk, refusing wrong types and files over the limit; nothing is left behind on
    refusal."""
    head = stream.read(16)
    kind = sniff(head)
    if kind is None:
        raise DomainError("Seuls les fichiers PDF, PNG et JPEG sont acceptés (le contenu du fichier a été "
                          "vérifié).", field="file")
    content_type, extension = kind
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16) + extension
    target = folder / stored_name
    digest = hashlib.sha256(head)
    size = len(head)
    try:
        with target.open("xb") as out:
            out.write(head)
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise DomainError("Le fichier dépasse 10 Mo.", field="file")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StoredFile(stored_name, content_type, size, digest.hexdigest())


def path_of(folder: Path, stored_name: str) -> Path:
    """Where a stored file lives (names are ours: random hex and a known extension)."""
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise FileNotFoundError(stored_name)
    return folder / stored_name


def discard_on_rollback(session: Session, path: Path) -> None:
    """A file written for the session's transaction: removed again if the transaction rolls back."""
    session.info.setdefault(_ON_ROLLBACK, []).append(path)


def remove_after_commit(session: Session, path: Path) -> None:
    """A file the session's transaction no longer needs: removed once it is committed, kept otherwise."""
    session.info.setdefault(_AFTER_COMMIT, []).append(path)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    session.info.pop(_ON_ROLLBACK, None)
    for path in session.info.pop(_AFTER_COMMIT, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is not None:
        return
    session.info.pop(_AFTER_COMMIT, None)
    for path in session.info.pop(_ON_ROLLBACK, []):
        path.unlink(missing_ok=True)
