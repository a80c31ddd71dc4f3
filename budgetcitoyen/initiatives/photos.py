"""Use cases of an initiative's photo: the holder adds or replaces it (re-encoded, see initiatives.images),
changes its description, or removes it, while the dossier is editable. The widths are written to the
shared storage in the transaction that records them (nothing left on refusal or rollback); replaced or
removed ones go once the change is committed. Flush, never commit."""

from __future__ import annotations

import io
import secrets
from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives import images
from budgetcitoyen.initiatives.dossiers import require_editable
from budgetcitoyen.initiatives.models import Initiative, InitiativePhoto
from budgetcitoyen.storage import Storage, check_key


def key_of(token: str, width: int) -> str:
    """The storage key of one width of a photo (tokens are ours: random hex)."""
    if not token.isalnum():
        raise FileNotFoundError(token)
    return check_key(f"uploads/photo-{token}-{width}{images.EXTENSION}")


def _lock_editable(session: Session, user: User, initiative: Initiative, now: datetime) -> None:
    # Locked and re-read, so two replacements at once cannot both keep their files.
    session.flush()
    session.refresh(initiative, with_for_update=True)
    require_editable(initiative, user, now)


def store_photo(session: Session, initiative: Initiative, prepared: images.PreparedPhoto, alt_text: str,
                files: Storage, now: datetime) -> InitiativePhoto:
    """Record a prepared photo on the initiative, replacing its photo if it has one (no permission check:
    the holder's use case checks first; the demo seeds through here)."""
    token = secrets.token_hex(16)
    for rendition in prepared.renditions:
        files.put(session, key_of(token, rendition.width), io.BytesIO(rendition.data))
    widest = prepared.renditions[-1]
    photo = initiative.photo
    if photo is None:
        photo = InitiativePhoto(initiative_id=initiative.id)
        initiative.photo = photo
    else:
        _drop_files(session, photo, files)
    photo.token = token
    photo.alt_text = images.check_alt_text(alt_text)
    photo.widths = " ".join(str(r.width) for r in prepared.renditions)
    photo.width, photo.height = widest.width, widest.height
    photo.content_type = images.CONTENT_TYPE
    photo.original_size = prepared.original_bytes
    photo.stored_size = sum(len(r.data) for r in prepared.renditions)
    photo.uploaded_at = now
    initiative.updated_at = now
    session.flush()
    return photo


def _drop_files(session: Session, photo: InitiativePhoto, files: Storage) -> None:
    for width in photo.width_list:
        files.delete(session, key_of(photo.token, width))


def set_photo(session: Session, user: User, initiative: Initiative, upload: BinaryIO | None, alt_text: str,
              files: Storage, now: datetime) -> InitiativePhoto:
    """Add or replace the photo of an editable dossier with its description; without a file, change the
    description of the photo already there. Refused files leave nothing behind."""
    require_editable(initiative, user, now)  # refused before any decoding
    alt = images.check_alt_text(alt_text)
    # Decoded and re-encoded (up to half a second) before the dossier's row is locked.
    prepared = images.prepare(images.read_upload(upload)) if upload is not None else None
    _lock_editable(session, user, initiative, now)
    if prepared is None:
        if initiative.photo is None:
            raise DomainError("Choisissez une photo (JPEG ou PNG) à déposer.", field="photo")
        initiative.photo.alt_text = alt
        initiative.updated_at = now
        session.flush()
        return initiative.photo
    return store_photo(session, initiative, prepared, alt, files, now)


def remove_photo(session: Session, user: User, initiative: Initiative, files: Storage, now: datetime) -> None:
    """Remove the photo of an editable dossier; its files go once the removal is committed."""
    _lock_editable(session, user, initiative, now)
    photo = initiative.photo
    if photo is None:
        return
    _drop_files(session, photo, files)
    initiative.photo = None
    initiative.updated_at = now
    session.flush()
