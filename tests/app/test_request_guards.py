"""Malformed requests get a 400, never a 500: a file where a form expects text, control characters in a
file name; HTTPS settings that would let mail links follow the Host header are refused at start."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from budgetcitoyen import create_app
from tests.helpers import csrf_token


def as_file(value: str = "x") -> tuple[io.BytesIO, str]:
    return io.BytesIO(value.encode()), "champ.txt"


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/connexion", ["email", "password", "remember"]),
        ("/inscription", ["email", "password", "password_confirm", "stamp", "site_web"]),
        ("/mot-de-passe-oublie", ["email"]),
        ("/confirmation/renvoyer", ["email"]),
    ],
)
def test_a_file_sent_in_a_text_field_is_a_400(client: FlaskClient, url: str, fields: list[str]) -> None:
    for name in fields:
        data = {"csrf_token": csrf_token(client, url), "email": "a@example.org", name: as_file()}
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400, (url, name, response.status_code)


def test_a_signed_in_form_refuses_a_file_in_a_text_field_too(
    login_as: Callable[..., FlaskClient],
) -> None:
    client = login_as()
    token = csrf_token(client, "/vote/identite")
    data = {"csrf_token": token, "first_name": as_file(), "last_name": "Durand"}
    response = client.post("/vote/identite", data=data, content_type="multipart/form-data")
    assert response.status_code == 400


# (A raw CR or LF cannot travel in a multipart header: the part would not even be a file.)
@pytest.mark.parametrize("name", ["a\x00b.pdf", "rapport\x85.pdf", "x\x1b.pdf", "ligne\u2028.pdf"])
def test_a_file_name_with_control_characters_is_a_400(
    login_as: Callable[..., FlaskClient], name: str
) -> None:
    client = login_as()
    data = {"csrf_token": csrf_token(client, "/compte"), "file": (io.BytesIO(b"%PDF-1.4\n"), name)}
    response = client.post("/dossiers/1/pieces", data=data, content_type="multipart/form-data")
    assert response.status_code == 400


def test_hsts_only_with_https(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers
    secure = create_app({**_settings(app, tmp_path), "HTTPS": True, "PUBLIC_URL": "https://budget.example.org"})
    try:
        response = secure.test_client().get("/healthz", base_url="https://budget.example.org")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        # Its pooled connection to the shared test database must not outlive the test: the next test's
        # reset replaces the SQLite file under it ("disk I/O error" on the next write).
        secure.extensions["db_engine"].dispose()


def test_https_without_a_public_url_refuses_to_start(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app({**_settings(app, tmp_path), "HTTPS": True, "PUBLIC_URL": None})


def _settings(app: Flask, tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": app.config["SECRET_KEY"], "TESTING": True}
