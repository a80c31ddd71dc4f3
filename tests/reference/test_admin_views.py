"""Reference back-office: territories, their communes, renaming."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from budgetcitoyen.accounts.models import Role
from budgetcitoyen.reference.models import Territory
from tests.helpers import audit_entries, post_form, text_of


def test_territory_pages_list_communes(login_as: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    page = text_of(admin.get("/gestion/territoires"))
    assert all(
        name in page
        for name in (
            "Arrageois",
            "Artois",
            "Audomarois",
            "Boulonnais",
            "Calaisis",
            "Lens-Hénin",
            "Montreuillois",
            "Ternois",
        )
    )
    page = text_of(admin.get("/gestion/territoires/calaisis"))
    assert "Calais" in page and "62193" in page
    assert admin.get("/gestion/territoires/inconnu").status_code == 404
    assert (
        post_form(admin, "/gestion/territoires/ternois", {"name": "Ternois (7 Vallées)"}).status_code == 302
    )
    db_session.expire_all()
    assert (
        db_session.scalar(select(Territory.name).where(Territory.code == "ternois")) == "Ternois (7 Vallées)"
    )
    assert audit_entries(db_session, "territory.rename")[0].after == {"name": "Ternois (7 Vallées)"}
