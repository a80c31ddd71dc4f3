"""Who may do what with a structure. Pure predicates: they read attributes, they query nothing."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def can_edit_profile(actor: Any, holder_ids: Collection[int]) -> bool:
    """The holders of the structure's initiatives (any edition) publish and edit its profile."""
    return actor is not None and getattr(actor, "id", None) in holder_ids
