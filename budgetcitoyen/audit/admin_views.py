"""Back-office page of the audit journal (/gestion/journal)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from budgetcitoyen.audit import services
from budgetcitoyen.web import Access, access, db, page_number

bp = Blueprint("audit_admin", __name__, url_prefix="/gestion")
PAGE_SIZE = 50


@bp.route("/journal")
@access(Access.ADMIN)
def audit_log() -> str:
    """The append-only journal of administrative changes, newest first."""
    session = db()
    object_type = request.args.get("objet", "")[:40]
    page = page_number()
    entries, total = services.journal(session, object_type, page, PAGE_SIZE)
    return render_template("audit/admin_journal.html", entries=entries, page=page, total=total,
                           types=services.object_types(session), object_type=object_type,
                           pages=max(1, -(-total // PAGE_SIZE)))
