"""CSRF is enforced on every POST route: walk the URL map, post without a token, expect a refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import College, CommitteeMembership, Role, User
from budgetcitoyen.audit.models import AuditEntry
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login, text_of


def post_urls(app: Flask, values: dict[str, object]) -> list[str]:
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods:
                continue
            args = {name: values[name] for name in rule.arguments}
            urls.append(url_for(rule.endpoint, **args))
    return sorted(urls)


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_post_route_refuses_a_missing_token(
    app: Flask,
    make_user: Callable,
    make_edition: Callable,
    make_committee_member: Callable,
    db_session,
    signed_in: bool,
) -> None:
    edition = make_edition(year=2026)
    member = make_committee_member(edition, College.FINANCE)
    seat_id = db_session.scalar(
        select(CommitteeMembership.id).where(CommitteeMembership.user_id == member.id)
    )
    admin = make_user(email="admin@example.org", roles=(Role.ADMIN,))
    values = {
        "edition_id": edition.id,
        "seat_id": seat_id,
        "user_id": admin.id,
        "token": "x",
        "code": "arrageois",
        "workshop_id": 1,
        "initiative_id": 1,
        "attachment_id": 1,
        "registration_id": 1,
    }
    values["assignment_id"] = 1
    values["convention_id"] = 1
    values["axis_id"] = 1
    values["question_id"] = 1  # labelling back-office: remove an assignment
    values["year"] = 2026  # results back-office: close the vote, compute, publish
    values["mail_id"] = 1  # mail queue: retry
    values["slug"] = "mentions-legales"  # editable pages: save a text
    values["structure_id"] = 1  # ambassadors: a profile, the collective
    urls = post_urls(app, values)
    assert len(urls) >= 22  # the walk found the forms (guards against an empty loop)
    client = app.test_client()
    if signed_in:
        login(client, "admin@example.org")
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    for url in urls:
        response = client.post(
            url,
            data={
                "email": "x@example.org",
                "password": DEFAULT_PASSWORD,
                "confirm": "y",
                "name": "Piraté",
                "title": "Piraté",
            },
        )
        assert response.status_code == 400, url
        assert "falsification de requêtes" in text_of(response), url
    # Nothing was changed by any of those posts.
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert db_session.get(User, admin.id).deleted_at is None


def test_a_token_from_another_session_is_refused(app: Flask, make_user: Callable) -> None:
    make_user(email="jeanne@example.org")
    attacker, victim = app.test_client(), app.test_client()
    from tests.helpers import csrf_token

    stolen = csrf_token(attacker, "/connexion")
    login(victim, "jeanne@example.org")
    response = victim.post("/deconnexion", data={"csrf_token": stolen})
    assert response.status_code == 400
