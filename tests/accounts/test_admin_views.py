"""Account back-office: roles granted and audited, search and role filter."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from budgetcitoyen.accounts.models import Role, User
from tests.helpers import audit_entries, post_form, text_of


def test_roles_are_granted_and_audited(login_as: Callable, make_user: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    target = make_user(email="agent@example.org")
    response = post_form(admin, f"/gestion/utilisateurs/{target.id}", {"agent": "y", "holder": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, target.id).role_set == {Role.AGENT, Role.HOLDER}
    [entry] = audit_entries(db_session, "user.roles")
    assert entry.before == {"roles": []} and entry.after == {"roles": ["agent", "holder"]}


def test_an_admin_cannot_remove_their_own_admin_role(login_as: Callable, db_session) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    me = db_session.scalar(select(User).where(User.email == "admin@example.org"))
    response = post_form(admin, f"/gestion/utilisateurs/{me.id}", {"agent": "y"})
    assert response.status_code == 422
    assert "propre rôle d'administrateur" in text_of(response)
    db_session.expire_all()
    assert Role.ADMIN in db_session.get(User, me.id).role_set


def test_users_search_and_role_filter(login_as: Callable, make_user: Callable) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    make_user(email="porteuse@example.org", roles=(Role.HOLDER,))
    make_user(email="voisin@example.org")
    page = text_of(admin.get("/gestion/utilisateurs?role=holder"))
    assert "porteuse@example.org" in page and "voisin@example.org" not in page
    page = text_of(admin.get("/gestion/utilisateurs?q=VOISIN"))
    assert "voisin@example.org" in page and "porteuse@example.org" not in page
    # LIKE wildcards typed in the search box are taken literally.
    assert "voisin@example.org" not in text_of(admin.get("/gestion/utilisateurs?q=%25"))
