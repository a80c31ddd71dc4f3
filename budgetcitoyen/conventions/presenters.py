"""What the holder's pages show of their conventions: one card each on the holder's dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.conventions import forms, rules, services
from budgetcitoyen.conventions.models import Convention, ImpactColumns


def fill_indicators(form: forms.ImpactFields, stored: ImpactColumns) -> None:
    """Show the indicators given before (a corrected report starts from them)."""
    for name in services.INDICATOR_FIELDS:
        value = getattr(stored, name)
        if name in ("still_active", "other_funding"):
            value = "oui" if value else "non"
        getattr(form, name).data = value


def holder_report_prefix(convention: Convention) -> str:
    """One upload form per card on the dashboard: distinct ids."""
    return f"bilan-{convention.id}"


def holder_cards(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """What the holder's dashboard needs to show a card per convention
    (see templates/conventions/_holder_card.html)."""
    conventions = services.conventions_for_holder(session, user)
    return {"conventions": conventions, "convention_labels": rules.STATUS_LABELS,
            "convention_today": services.local_today(now), "is_report_late": rules.is_report_late}
