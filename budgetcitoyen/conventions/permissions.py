"""Who may see a convention and act on it: pure predicates on the objects given (no query)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from budgetcitoyen.accounts.permissions import is_admin, is_staff

if TYPE_CHECKING:
    from budgetcitoyen.accounts.models import User
    from budgetcitoyen.conventions.models import Convention
    from budgetcitoyen.initiatives.models import Initiative


def is_holder_of(actor: User | None, initiative: Initiative) -> bool:
    """The initiative's holder: the final report of its convention is theirs to send."""
    return actor is not None and initiative.holder_id == actor.id


def can_see(actor: User | None, convention: Convention) -> bool:
    """The holder and the ESS service see a convention and its final report."""
    return actor is not None and (convention.initiative.holder_id == actor.id or is_staff(actor.role_set))


def can_record_steps(actor: User | None) -> bool:
    """Agents follow the conventions; only administrators record their steps."""
    return actor is not None and is_admin(actor.role_set)
