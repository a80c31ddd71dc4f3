"""Regression tests for the foundation review: link poisoning, token replay, throttling races,
error pages after a failed flush, control characters, huge numbers, odd amounts and dates."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import College, CommitteeMembership, Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions import services as edition_services
from budgetcitoyen.editions.models import Category, Edition
from budgetcitoyen.errors import Conflict
from tests.conftest import SmtpServer, body_of
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import csrf_token, login, post_form, text_of

NEW = "Nouveau-Mot-2-Passe"


def link_to(smtp: SmtpServer, address: str) -> str:
    match = re.search(r"https?://\S+", body_of(smtp.last_to(address)))
    assert match
    return match.group(0)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def run_together(count: int, action: Callable[[int], object]) -> list[object]:
    """Run `action(i)` in `count` threads released at once."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_mail_links_use_the_public_url_not_the_host_header(
    app: Flask, make_user: Callable, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://budget.example.org")
    make_user(email="victime@example.org")
    client = app.test_client()
    forged = {"Host": "attaquant.example"}
    page = client.get("/mot-de-passe-oublie", headers=forged)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/mot-de-passe-oublie", data={"csrf_token": token, "email": "victime@example.org"}, headers=forged
    )
    assert response.status_code == 302
    assert link_to(smtp, "victime@example.org").startswith("https://budget.example.org/mot-de-passe/")


def test_public_url_restricts_accepted_host_names(tmp_path: Path) -> None:
    from budgetcitoyen import create_app

    # Its own empty SQLite file: a second engine must not touch the suite's database file.
    strict = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test-secret-key-0123456789",
            "PUBLIC_URL": "https://budget.example.org/",
        }
    )
    client = strict.test_client()
    assert client.get("/healthz", headers={"Host": "budget.example.org"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "attaquant.example"}).status_code == 400
    strict.extensions["db_engine"].dispose()


def test_email_change_link_cannot_be_replayed(
    client: FlaskClient, make_user: Callable, smtp: SmtpServer, db_session
) -> None:
    user = make_user(email="a@example.org")
    login(client, "a@example.org")
    post_form(client, "/compte/adresse", {"email": "b@example.org", "password": DEFAULT_PASSWORD})
    first = path_of(link_to(smtp, "b@example.org"))
    client.get(first)
    login_again = client.get("/compte")
    if login_again.status_code == 302:  # other sessions are logged out by the change
        login(client, "b@example.org")
    post_form(client, "/compte/adresse", {"email": "a@example.org", "password": DEFAULT_PASSWORD})
    client.get(path_of(link_to(smtp, "a@example.org")))
    db_session.expire_all()
    assert db_session.get(User, user.id).email == "a@example.org"
    assert client.get(first).status_code == 400
    db_session.expire_all()
    assert db_session.get(User, user.id).email == "a@example.org"


def test_reset_link_dies_when_the_address_changes(
    app: Flask, client: FlaskClient, make_user: Callable, smtp: SmtpServer
) -> None:
    make_user(email="a@example.org")
    post_form(client, "/mot-de-passe-oublie", {"email": "a@example.org"})
    reset = path_of(link_to(smtp, "a@example.org"))
    owner = app.test_client()
    login(owner, "a@example.org")
    post_form(owner, "/compte/adresse", {"email": "nouvelle@example.org", "password": DEFAULT_PASSWORD})
    owner.get(path_of(link_to(smtp, "nouvelle@example.org")))
    assert client.get(reset).status_code == 400


def test_concurrent_wrong_passwords_cannot_exceed_the_limit(app: Flask, make_user: Callable) -> None:
    make_user(email="cible@example.org")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    clients = [app.test_client() for _ in range(12)]
    tokens = [csrf_token(c, "/connexion") for c in clients]

    def attempt(i: int) -> int:
        return (
            clients[i]
            .post(
                "/connexion",
                data={
                    "csrf_token": tokens[i],
                    "email": "cible@example.org",
                    "password": "Mauvais-Mot-2-Passe",
                },
            )
            .status_code
        )

    statuses = run_together(12, attempt)
    assert statuses.count(401) <= limit and set(statuses) <= {401, 429}


def test_account_page_password_checks_are_throttled(
    app: Flask, client: FlaskClient, make_user: Callable, db_session
) -> None:
    user = make_user(email="cible@example.org")
    login(client, "cible@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        wrong = post_form(client, "/compte/supprimer", {"password": "Mauvais-Mot-2-Passe", "confirm": "y"})
        assert wrong.status_code == 422
    blocked = post_form(client, "/compte/supprimer", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert blocked.status_code == 429 and "Trop de tentatives" in text_of(blocked)
    db_session.expire_all()
    assert not db_session.get(User, user.id).is_deleted


def test_a_reset_link_used_twice_at_once_works_once(
    app: Flask, make_user: Callable, smtp: SmtpServer
) -> None:
    make_user(email="a@example.org")
    post_form(app.test_client(), "/mot-de-passe-oublie", {"email": "a@example.org"})
    reset = path_of(link_to(smtp, "a@example.org"))
    clients = [app.test_client() for _ in range(4)]
    tokens = [csrf_token(c, reset) for c in clients]

    def use(i: int) -> int:
        return (
            clients[i]
            .post(
                reset,
                data={"csrf_token": tokens[i], "password": f"{NEW}-{i}", "password_confirm": f"{NEW}-{i}"},
            )
            .status_code
        )

    statuses = run_together(4, use)
    assert statuses.count(302) == 1, statuses


def test_the_same_committee_seat_added_at_once_is_created_once(
    app: Flask, make_edition: Callable, make_user: Callable, db_session
) -> None:
    edition = make_edition()
    admin = make_user(roles=(Role.ADMIN,))
    member = make_user()

    def add(_: int) -> str:
        with app.extensions["db_sessionmaker"]() as session:
            try:
                edition_services.add_committee_member(
                    session,
                    session.get(User, admin.id),
                    session.get(Edition, edition.id),
                    session.get(User, member.id),
                    College.FINANCE,
                    now_utc(),
                )
                session.commit()
                return "ok"
            except Conflict:
                session.rollback()
                return "conflict"

    results = run_together(5, add)
    assert results.count("ok") == 1 and results.count("conflict") == 4
    assert db_session.scalar(select(func.count()).select_from(CommitteeMembership)) == 1


def test_a_failed_flush_still_shows_the_french_error_page(
    app: Flask, login_as: Callable, make_edition: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = make_edition()
    client = login_as(Role.ADMIN, email="admin@example.org")

    def broken_update(session, actor, edition, changes, now):  # type: ignore[no-untyped-def]
        session.get(Category, edition.categories[0].id).ceiling = -1  # the CHECK constraint refuses it
        session.flush()

    monkeypatch.setattr(edition_services, "update_categories", broken_update)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    page = client.get(f"/gestion/editions/{edition.id}/categories")
    form = {"csrf_token": csrf_token(client, f"/gestion/editions/{edition.id}/categories")}
    for i, match in enumerate(
        re.finditer(r'name="categories-(\d+)-category_id" type="hidden" value="(\d+)"', text_of(page))
    ):
        form.update(
            {
                f"categories-{i}-category_id": match.group(2),
                f"categories-{i}-name": f"Catégorie {i}",
                f"categories-{i}-ceiling": "1000",
                f"categories-{i}-description": "",
            }
        )
    response = client.post(f"/gestion/editions/{edition.id}/categories", data=form)
    assert response.status_code == 500
    assert "Erreur interne" in text_of(response)


def test_duplicate_category_names_are_refused(
    app: Flask, login_as: Callable, make_edition: Callable
) -> None:
    edition = make_edition()
    client = login_as(Role.ADMIN, email="admin@example.org")
    url = f"/gestion/editions/{edition.id}/categories"
    ids = re.findall(
        r'name="categories-\d+-category_id" type="hidden" value="(\d+)"', text_of(client.get(url))
    )
    form = {}
    for i, category_id in enumerate(ids):
        form.update(
            {
                f"categories-{i}-category_id": category_id,
                f"categories-{i}-name": "Même",
                f"categories-{i}-ceiling": "0" if i == 0 else "1000",
                f"categories-{i}-description": "",
            }
        )
    response = post_form(client, url, form)
    assert response.status_code == 422 and "même nom" in text_of(response)


@pytest.mark.parametrize(
    "url", ["/gestion/utilisateurs?q=%00", "/gestion/journal?objet=a%00b", "/gestion/territoires/%00"]
)
def test_control_characters_are_refused_cleanly(app: Flask, login_as: Callable, url: str) -> None:
    client = login_as(Role.ADMIN, email="admin@example.org")
    response = client.get(url)
    assert response.status_code == 400 and "Requête incorrecte" in text_of(response)


def test_nul_in_a_form_is_refused(app: Flask, make_user: Callable, db_session) -> None:
    response = post_form(
        app.test_client(),
        "/inscription",
        {"email": "a\x00@example.org", "password": NEW, "password_confirm": NEW},
    )
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/gestion/editions/99999999999999999999", 404),
        ("/gestion/utilisateurs/9223372036854775808", 404),
        ("/gestion/editions/2147483648", 404),
        ("/gestion/utilisateurs?page=99999999999999999999", 200),
        ("/gestion/journal?page=-5", 200),
    ],
)
def test_huge_numbers_are_not_server_errors(app: Flask, login_as: Callable, url: str, status: int) -> None:
    client = login_as(Role.ADMIN, email="admin@example.org")
    assert client.get(url).status_code == status


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity", "-Infinity", "1e400", "douze"])
def test_odd_amounts_get_a_french_message(
    app: Flask, login_as: Callable, make_edition: Callable, amount: str
) -> None:
    edition = make_edition(year=2027)
    client = login_as(Role.ADMIN, email="admin@example.org")
    form = {
        "year": "2027",
        "title": "Édition",
        "envelope": amount,
        "voting_min_age": "11",
        "min_choices": "3",
        "max_choices": "3",
        "ballot_scope": "department",
        "allocation_rule": "greedy",
        "vote_threshold": "0",
        "mes_utility": "cost",
    }
    response = post_form(client, f"/gestion/editions/{edition.id}", form)
    assert response.status_code == 422
    page = text_of(response)
    assert "Indiquez un montant en chiffres" in page or "Montant entre 0 et 999 999 999 €" in page


def test_french_decimal_comma_is_accepted(
    app: Flask, login_as: Callable, make_edition: Callable, db_session
) -> None:
    edition = make_edition(year=2027)
    client = login_as(Role.ADMIN, email="admin@example.org")
    form = {
        "year": "2027",
        "title": "Édition",
        "envelope": "450 000,50",
        "voting_min_age": "11",
        "min_choices": "3",
        "max_choices": "3",
        "ballot_scope": "department",
        "allocation_rule": "greedy",
        "vote_threshold": "0",
        "mes_utility": "cost",
        "reviewers_per_dossier": "3",
        "score_aggregation": "mean",
        "label_threshold": "2,5",
        "disagreement_spread": "2",
    }
    assert post_form(client, f"/gestion/editions/{edition.id}", form).status_code == 302
    db_session.expire_all()
    assert str(db_session.get(Edition, edition.id).envelope) == "450000.50"


def test_far_away_calendar_dates_are_refused(app: Flask, login_as: Callable, make_edition: Callable) -> None:
    edition = make_edition(year=2027)
    client = login_as(Role.ADMIN, email="admin@example.org")
    form = {
        "ideas-first": "0001-01-01",
        "ideas-last": "2027-04-05",
        "dossiers-first": "2027-03-01",
        "dossiers-last": "2027-05-31",
        "labelling-first": "2027-07-01",
        "labelling-last": "2027-08-31",
        "vote-first": "2027-09-01",
        "vote-last": "9999-12-31",
        "results-first": "2027-11-01",
        "results-last": "2027-11-30",
        "follow_up-first": "2027-12-01",
        "follow_up-last": "2029-12-31",
    }
    response = post_form(client, f"/gestion/editions/{edition.id}/calendrier", form)
    assert response.status_code == 422 and "Les dates doivent être comprises entre 2026 et 2032" in text_of(
        response
    )


def test_composed_and_decomposed_accents_are_one_address(app: Flask, make_user: Callable) -> None:
    make_user(email="andr\u00e9@example.org")
    response = post_form(
        app.test_client(),
        "/inscription",
        {"email": "andre\u0301@example.org", "password": NEW, "password_confirm": NEW},
    )
    assert response.status_code == 422 and "Un compte existe déjà" in text_of(response)


def test_the_last_administrator_cannot_delete_their_account(app: Flask, login_as: Callable) -> None:
    client = login_as(Role.ADMIN, email="seule@example.org")
    response = post_form(client, "/compte/supprimer", {"password": DEFAULT_PASSWORD, "confirm": "y"})
    assert response.status_code == 422 and "seul administrateur" in text_of(response)


def test_the_mail_queue_pages_take_only_ids_of_queued_mails(app: Flask, login_as: Callable) -> None:
    client = login_as(Role.ADMIN, email="admin@example.org")
    assert client.get("/gestion/courriels").status_code == 200
    assert client.get("/gestion/courriels/notes.eml").status_code == 404
    assert client.get("/gestion/courriels/..%2Fsecret_key").status_code == 404
    assert client.get("/gestion/courriels/999999").status_code == 404
