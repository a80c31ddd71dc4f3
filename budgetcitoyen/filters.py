"""Jinja filters: French formatting of money and dates, and safe linking of plain text."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask
from markupsafe import Markup, escape

from budgetcitoyen.clock import to_local
from budgetcitoyen.markdown import render as render_markdown

URL = re.compile(r"https?://[^\s<>\"]+")


def euros(value: Decimal | int | float | None) -> str:
    """12 500,00 € style (narrow no-break spaces as in French typography)."""
    if value is None:
        return "—"
    return format_currency(value, "EUR", locale="fr_FR")


def long_date(value: date | datetime | None) -> str:
    """« 1 septembre 2026 », in Paris time for instants."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, format="long", locale="fr_FR")


def date_time(value: datetime | None) -> str:
    """« 23/11/2026 21:05 » in Paris time."""
    if value is None:
        return "—"
    return format_datetime(to_local(value), "dd/MM/yyyy HH:mm", locale="fr_FR")


def linkify(text: str) -> Markup:
    """Escape plain text, then turn its URLs into links (used to show demo mails)."""
    escaped = str(escape(text))
    return Markup(URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.filters.update(euros=euros, long_date=long_date, date_time=date_time, linkify=linkify,
                                  markdown=render_markdown)
