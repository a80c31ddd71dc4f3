"""Pure role predicates: they read the roles given, never query."""

from __future__ import annotations

from collections.abc import Set

from budgetcitoyen.accounts.models import Role


def is_admin(roles: Set[Role]) -> bool:
    """ESS service administrators run the edition."""
    return Role.ADMIN in roles


def is_staff(roles: Set[Role]) -> bool:
    """Agents and administrators of the ESS service."""
    return Role.ADMIN in roles or Role.AGENT in roles


def is_holder(roles: Set[Role]) -> bool:
    """Project holders."""
    return Role.HOLDER in roles
