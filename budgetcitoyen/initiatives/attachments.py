"""Use cases of a dossier's attachments: add a file (stored, kept only if the change is committed), remove
one (deleted from the storage once the removal is committed). Flush, never commit."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.errors import DomainError
from budgetcitoyen.initiatives import uploads
from budgetcitoyen.initiatives.dossiers import require_editable
from budgetcitoyen.initiatives.models import Attachment, Initiative
from budgetcitoyen.storage import Storage


def add_attachment(session: Session, user: User, initiative: Initiative, stream: BinaryIO, original_name: str,
                   files: Storage, now: datetime) -> Attachment:
    """Store a file and record it on an editable dossier; refused files leave nothing behind."""
    # Locked and re-read, so two uploads at once cannot both pass the count.
    session.flush()
    session.refresh(initiative, with_for_update=True)
    require_editable(initiative, user, now)
    if len(initiative.attachments) >= uploads.MAX_FILES_PER_DOSSIER:
        raise DomainError(f"Un dossier comporte au plus {uploads.MAX_FILES_PER_DOSSIER} pièces jointes : "
                          "supprimez-en une pour en ajouter une autre.", field="file")
    stored = uploads.store(session, files, stream)
    name = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "piece-jointe"
    attachment = Attachment(original_name=name, stored_name=stored.stored_name,
                            content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                            uploaded_at=now)
    initiative.attachments.append(attachment)
    initiative.updated_at = now
    session.flush()
    return attachment


def remove_attachment(session: Session, user: User, attachment: Attachment, files: Storage,
                      now: datetime) -> None:
    """Remove an attachment from an editable dossier; the file goes once the removal is committed."""
    require_editable(attachment.initiative, user, now)
    uploads.remove(session, files, attachment.stored_name)
    session.delete(attachment)
    session.flush()
