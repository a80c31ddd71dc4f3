"""Uploads (attachments, final reports): type from the content, size and count limits, random names.

They live in the app's storage (budgetcitoyen.storage: local folder or the shared database) and follow
the transaction that records them: a refused or failed use case leaves nothing stored; a dropped file
goes only once the change is committed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from budgetcitoyen.errors import DomainError
from budgetcitoyen.storage import Storage, check_key

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_DOSSIER = 5
_CHUNK = 64 * 1024

# Magic numbers: the name and the browser's declared type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class StoredFile:
    """An upload kept in the storage (under `uploads/<stored_name>`)."""

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


class _Checked:
    """The upload as the storage reads it: the bytes already sniffed first, then the rest, counted and
    hashed on the way; over the limit it raises, and the storage keeps nothing."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = head, stream
        self.size, self.digest = 0, hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            data, self._head = self._head, b""
        else:
            data = self._stream.read(min(size, _CHUNK) if size and size > 0 else _CHUNK)
        self.size += len(data)
        if self.size > MAX_FILE_BYTES:
            raise DomainError("Le fichier dépasse 10 Mo.", field="file")
        self.digest.update(data)
        return data


def store(session: Session, files: Storage, stream: BinaryIO) -> StoredFile:
    """Store the upload, refusing wrong types and files over the limit; nothing is left behind on
    refusal, nor if the session's transaction rolls back."""
    head = stream.read(16)
    kind = sniff(head)
    if kind is None:
        raise DomainError("Seuls les fichiers PDF, PNG et JPEG sont acceptés (le contenu du fichier a été "
                          "vérifié).", field="file")
    content_type, extension = kind
    stored_name = secrets.token_hex(16) + extension
    checked = _Checked(head, stream)
    files.put(session, key_of(stored_name), checked)  # type: ignore[arg-type]
    return StoredFile(stored_name, content_type, checked.size, checked.digest.hexdigest())


def key_of(stored_name: str) -> str:
    """The storage key of an upload (names are ours: random hex and a known extension)."""
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise FileNotFoundError(stored_name)
    return check_key(f"uploads/{stored_name}")


def remove(session: Session, files: Storage, stored_name: str) -> None:
    """An upload the session's transaction no longer needs: deleted once it commits, kept otherwise."""
    files.delete(session, key_of(stored_name))
