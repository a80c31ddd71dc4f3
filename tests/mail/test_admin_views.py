"""The demo outbox: mails written to the instance folder when no SMTP host is set."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

from budgetcitoyen.accounts.models import Role
from tests.helpers import post_form, text_of


def test_outbox_lists_mails_when_no_smtp_host(
    app: Flask, login_as: Callable, make_user: Callable, monkeypatch, smtp
) -> None:
    admin = login_as(Role.ADMIN, email="admin@example.org")
    monkeypatch.setitem(app.config, "MAIL_HOST", None)
    make_user(email="oubli@example.org")
    post_form(app.test_client(), "/mot-de-passe-oublie", {"email": "oubli@example.org"})
    assert smtp.messages == []  # nothing went to SMTP
    page = text_of(admin.get("/gestion/courriels"))
    assert "oubli@example.org" in page and "Réinitialisation de votre mot de passe" in page

    name = re.search(r"/gestion/courriels/([^\"]+\.eml)", page).group(1)
    mail_page = text_of(admin.get(f"/gestion/courriels/{name}"))
    assert '<a href="http://localhost/mot-de-passe/' in mail_page
    assert admin.get("/gestion/courriels/..%2Fsecret_key").status_code == 404
