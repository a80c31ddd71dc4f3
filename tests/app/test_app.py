"""The factory, settings, CLI, health check, error pages and security headers."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen import create_app
from budgetcitoyen.accounts.models import CommitteeMembership, Role, User
from budgetcitoyen.demo.seed import DEMO_ACCOUNTS
from budgetcitoyen.editions.models import Edition
from tests.helpers import login, text_of


def test_secret_is_generated_once_with_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDGETCITOYEN_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    secret_file = tmp_path / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) >= 48
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'budgetcitoyen.sqlite3'}"
    assert first.config["UPLOAD_FOLDER"] == str(tmp_path / "uploads")


def test_settings_come_from_prefixed_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETCITOYEN_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("BUDGETCITOYEN_DATABASE_URL", "postgresql+psycopg://u:p@db.invalid/bc")
    monkeypatch.setenv("BUDGETCITOYEN_MAIL_HOST", "smtp.invalid")
    monkeypatch.setenv("BUDGETCITOYEN_MAIL_PORT", "587")
    monkeypatch.setenv("BUDGETCITOYEN_SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u:p@db.invalid/bc"
    assert app.config["MAIL_HOST"] == "smtp.invalid" and app.config["MAIL_PORT"] == 587
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["TIME_ZONE"] == "Europe/Paris"
    assert not (tmp_path / "inst" / "secret_key").exists()


def test_cli_migrates_an_empty_database(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret-key-0123456789"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["reference", "load"])
    assert result.exit_code == 0 and "8 territoires" in result.output
    bad = tmp_path / "communes.csv"
    bad.write_text("insee_code,name,postal_codes,territory_code\n1,X,62000,nulle-part\n", encoding="utf-8")
    result = runner.invoke(args=["reference", "import-communes", str(bad)])
    assert result.exit_code != 0 and "code INSEE" in result.output


def test_create_admin(app: Flask, db_session) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "chef@example.org", "--password", "faible"])
    assert weak.exit_code != 0 and "12 caractères" in weak.output
    result = runner.invoke(args=["create-admin", "Chef@example.org", "--password", "Mission-ESS-Pilote-62"])
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "chef@example.org"))
    assert user.role_set == {Role.ADMIN} and user.is_confirmed
    again = runner.invoke(args=["create-admin", "chef@example.org", "--password", "Mission-ESS-Pilote-62"])
    assert again.exit_code != 0 and "déjà administrateur" in again.output


def test_seed_demo_prints_accounts_and_is_idempotent(app: Flask, db_session) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--year", "2026", "--phase", "vote"])
    assert first.exit_code == 0, first.output
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output and account.password in first.output
    from budgetcitoyen.initiatives.models import Initiative, Workshop

    def counts() -> list[int]:
        return [
            db_session.scalar(select(func.count()).select_from(model))
            for model in (Edition, User, CommitteeMembership, Initiative, Workshop)
        ]

    first_counts = counts()
    assert runner.invoke(args=["seed-demo", "--year", "2026"]).exit_code == 0
    assert counts() == first_counts
    # The current edition and the archives' three past ones, each with its eight comptoirs.
    assert first_counts[0] == 4 and first_counts[2] == 3 and first_counts[4] == 4 * 8
    assert first_counts[1] >= len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        login(app.test_client(), account.email, account.password)
    assert "Vote des habitants" in text_of(app.test_client().get("/"))
    # The vote is open with demo ballots: a participation to show, and a ballot of believable size.
    from budgetcitoyen.voting.models import Ballot

    current = db_session.scalar(select(Edition.id).where(Edition.year == 2026))
    of_current = select(func.count()).select_from(Ballot).where(Ballot.edition_id == current)
    assert db_session.scalar(of_current) == 400
    assert "<strong>400</strong> votants" in text_of(app.test_client().get("/vote/participation"))
    habitant = app.test_client()
    login(
        habitant,
        "habitant@example.org",
        next(a.password for a in DEMO_ACCOUNTS if a.email == "habitant@example.org"),
    )
    assert "Indiquer mes informations" in text_of(habitant.get("/vote"))


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_unknown_url_and_wrong_method_get_french_pages(client: FlaskClient) -> None:
    missing = client.get("/page-qui-n-existe-pas")
    assert missing.status_code == 404 and "Page introuvable" in text_of(missing)
    wrong = client.put("/")
    assert wrong.status_code == 405 and "Méthode non autorisée" in text_of(wrong)


def test_unexpected_error_shows_a_500_page_without_details(
    app: Flask, make_user: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    import budgetcitoyen.public.views as views

    def broken(_session: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views, "current_edition", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = app.test_client().get("/")
    assert response.status_code == 500
    page = text_of(response)
    assert "Erreur interne" in page and "secret internal detail" not in page


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_reference_no_external_asset(client: FlaskClient) -> None:
    import re

    page = text_of(client.get("/"))
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not url.startswith(("http://", "https://", "//")), url


def test_behind_a_proxy_the_visitor_address_is_used(tmp_path: Path, app: Flask) -> None:
    from budgetcitoyen.web import Access, access, client_address

    proxied = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test-secret-key-0123456789",
            "TRUSTED_PROXIES": 1,
            "HTTPS": True,
            "PUBLIC_URL": "https://budget.example.org",
        }
    )
    seen: list[str] = []

    @access(Access.PUBLIC)
    def show_address() -> str:
        seen.append(client_address())
        return "ok"

    proxied.add_url_rule("/adresse", "adresse", show_address)
    proxied.test_client().get("/adresse", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]
    assert proxied.config["SESSION_COOKIE_SECURE"] and proxied.config["REMEMBER_COOKIE_SECURE"]
    proxied.extensions["db_engine"].dispose()


def test_demo_initiatives_cover_every_status_territory_and_category(app: Flask, db_session) -> None:
    from collections import Counter

    from budgetcitoyen.editions.models import Edition
    from budgetcitoyen.initiatives import dossiers
    from budgetcitoyen.initiatives.models import Initiative
    from budgetcitoyen.initiatives.rules import Status

    # At the follow-up, the demo vote has been allocated and published through the real services.
    seeded = app.test_cli_runner().invoke(args=["seed-demo", "--year", "2026", "--phase", "follow_up"])
    assert seeded.exit_code == 0, seeded.output
    current = db_session.scalar(select(Edition).where(Edition.year == 2026))
    of_current = db_session.scalars(select(Initiative).where(Initiative.edition_id == current.id)).all()
    assert 55 <= len(of_current) <= 65
    # With the earlier editions (2023 to 2025, in the archives) whose conventions are further along.
    rows = db_session.scalars(select(Initiative)).all()
    statuses = Counter(r.status for r in rows)
    assert {Status.WINNER.value, Status.NOT_SELECTED.value} <= set(statuses)
    # Everything on the ballot has been decided by the allocation, and conventions have moved along.
    assert set(statuses) == {s.value for s in Status} - {Status.LABELLED.value, Status.ON_BALLOT.value}
    assert not {Status.LABELLED.value, Status.ON_BALLOT.value} & set(statuses)
    assert len({r.territory_id for r in rows}) == 8
    assert len({r.category_id for r in of_current if r.category_id}) == 4
    for initiative in rows:
        if initiative.status != Status.IDEA.value:
            # Every demo dossier past the idea stage is one that could really have been filed.
            assert (
                dossiers.filing_problems(db_session, initiative, dossiers.dossier_input_of(initiative))
                == []
            ), initiative.title
    assert "initiatives" in text_of(app.test_client().get("/initiatives"))


def test_readyz_checks_the_schema_and_the_storage(app: Flask, client: FlaskClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json == {"ready": True, "problems": []}

    class Broken:
        def exists(self, key: str) -> bool:
            raise OSError("shared storage unreachable")

    monkeypatch.setitem(app.extensions, "storage", Broken())
    monkeypatch.setattr("budgetcitoyen.public.views._code_revision", lambda: "9999")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"ready": False, "problems": ["schema", "storage"]}


def test_each_request_is_one_json_line_with_its_id_and_no_user_on_the_vote(
    app: Flask, login_as: Callable[..., FlaskClient]
) -> None:
    import json
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("budgetcitoyen.requests")
    keep = Keep()
    logger.addHandler(keep)
    try:
        client = login_as()
        lines.clear()
        response = client.get("/compte", headers={"X-Request-Id": "nginx-0123456789abcdef"})
        ballot = client.get("/vote")
        client.get("/confirmer/un-jeton-secret-de-test")
        anonymous = app.test_client().get("/healthz", headers={"X-Request-Id": "bad id;"})
    finally:
        logger.removeHandler(keep)
    account, vote, confirm, health = (json.loads(line) for line in lines)
    assert response.headers["X-Request-Id"] == account["request_id"] == "nginx-0123456789abcdef"
    assert account["status"] == response.status_code
    assert account["user"] == client.user.id  # type: ignore[attr-defined]
    assert vote["endpoint"] == "voting.ballot" and "user" not in vote and ballot.status_code == 200
    assert confirm["route"] == "/confirmer/<token>" and "un-jeton-secret" not in lines[2]
    assert len(health["request_id"]) == 32 and anonymous.headers["X-Request-Id"] == health["request_id"]
    assert {"time", "method", "status", "ms", "bytes"} <= set(health)
