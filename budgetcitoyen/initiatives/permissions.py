"""Pure predicates on initiatives: who may open, change or read a dossier. They read the attributes given
(the actor's id and roles, the initiative's holder, status, edition calendar), never query; `actor` is
None when nobody is signed in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from budgetcitoyen.accounts.permissions import is_admin, is_staff
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.initiatives.rules import is_editable_by_holder

if TYPE_CHECKING:
    from budgetcitoyen.accounts.models import User
    from budgetcitoyen.initiatives.models import Initiative


def is_holder_of(actor: User | None, initiative: Initiative) -> bool:
    """The initiative's own holder: the only one who works on the dossier from the holder's space."""
    return actor is not None and initiative.holder_id == actor.id


def can_edit_dossier(actor: User | None, initiative: Initiative, now: datetime) -> bool:
    """The holder works on an idea or a draft while the dossier phase is open, or until a reopening ends."""
    if not is_holder_of(actor, initiative) or not is_editable_by_holder(initiative.status_enum):
        return False
    if initiative.reopened_until is not None and now < initiative.reopened_until:
        return True
    window = initiative.edition.window(Phase.DOSSIERS)
    return window is not None and window.is_open(now)


def can_view_dossier(actor: User | None, initiative: Initiative, *, reviewing: bool = False) -> bool:
    """The holder and the ESS service read a dossier and its attachments; so does a committee member while
    reviewing it (`reviewing`: the committee's right, decided by labelling and passed in as data)."""
    if actor is None:
        return False
    return is_holder_of(actor, initiative) or is_staff(actor.role_set) or reviewing


def can_manage_submissions(actor: User | None) -> bool:
    """Administrators change dossiers' statuses and the comptoirs; agents only look and mark attendance."""
    return actor is not None and is_admin(actor.role_set)
