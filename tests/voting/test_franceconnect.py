"""Verified identity against a real OpenID Connect provider (tests/oidc: oidc-provider under Node, with
FranceConnect's claims, acr eidas1, pairwise subjects and a signed userinfo): log in, identity filled and
read-only, vote; the bad inputs end on a French message with nothing half-created."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from budgetcitoyen.accounts.models import Role, User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.voting.figures import participation
from budgetcitoyen.voting.models import VerifiedIdentity, VoterProfile
from tests.editions.helpers import EDITION_FORM
from tests.helpers import login, post_form, text_of
from tests.oidc.fixtures import OidcProvider, authenticate_at_provider, free_port_in_range

CALLBACK = "http://localhost/franceconnect/retour"


@pytest.fixture
def oidc(app: Flask, oidc_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> OidcProvider:
    """The app pointed at the test provider, FranceConnect's acr required, for this test only."""
    for key, value in oidc_provider.settings(OIDC_ACR_VALUES="eidas1").items():
        monkeypatch.setitem(app.config, key, value)
    return oidc_provider


def through_provider(client: FlaskClient, login_name: str, follow: bool = True):
    """Click the button, authenticate at the provider, come back: the callback's response."""
    start = client.get("/franceconnect/connexion")
    assert start.status_code == 302, text_of(start)[:500]
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    # State, nonce and PKCE (S256) on the way out, and FranceConnect's acr.
    assert query["state"] and query["nonce"] and query["code_challenge_method"] == ["S256"]
    assert query["acr_values"] == ["eidas1"] and "birthdate" in query["scope"][0]
    back = authenticate_at_provider(authorize, login_name, stop_at=CALLBACK)
    return client.get(back[len("http://localhost"):], follow_redirects=follow)


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def provider_accounts(db_session) -> int:
    """Accounts of the test provider's people (the fixtures make holders and staff besides)."""
    return db_session.scalar(select(func.count()).select_from(User).where(User.email.in_(
        ("camille.dufour@example.org", "sam.nodate@example.org"))))


def test_a_person_logs_in_with_the_provider_is_verified_and_votes(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, on_ballot: list[Initiative], db_session,
) -> None:
    client = app.test_client()
    assert "S'identifier avec FranceConnect" in text_of(client.get("/connexion"))
    page = through_provider(client, "camille")
    text = text_of(page)
    assert page.request.path == "/vote/identite"
    assert "Votre identité est vérifiée" in text and "Camille Marie" in text and "DUFOUR" in text
    assert "12/06/1984" in text
    # Names and birth date cannot be typed: only the commune is asked.
    assert 'name="first_name"' not in text and 'name="birth_date"' not in text
    user = db_session.scalar(select(User).where(User.email == "camille.dufour@example.org"))
    assert user is not None and user.is_confirmed and user.password_hash is None
    verified = db_session.scalar(select(VerifiedIdentity))
    assert verified.acr == "eidas1" and len(verified.subject_key) == 64
    # The provider's subject is never stored, only its keyed hash.
    assert verified.subject_key not in text

    # A forged name in the post is ignored: the form has no such field.
    saved = post_form(client, "/vote/identite", {"commune": "62041", "first_name": "Autre", "last_name": "X"})
    assert saved.status_code == 302
    profile = db_session.scalar(select(VoterProfile).where(VoterProfile.user_id == user.id))
    db_session.refresh(profile)
    assert (profile.first_name, profile.last_name, profile.commune_code) == ("Camille", "DUFOUR", "62041")

    ballot = {"choix": [str(i.id) for i in on_ballot[:3]]}
    voted = post_form(client, "/vote/bulletin", ballot, token_from="/vote")
    assert voted.status_code == 302
    assert participation(db_session, db_session.get(Edition, vote_edition.id)).total == 1

    # The next log-in finds the same account (and the subject is pairwise: the same person, the same key).
    client.post("/deconnexion", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/vote").get_data(as_text=True)).group(1)})
    again = app.test_client()
    assert through_provider(again, "camille").request.path == "/vote"
    assert provider_accounts(db_session) == 1 and count(db_session, VerifiedIdentity) == 1


def test_declared_then_verified_is_one_person(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, on_ballot: list[Initiative],
    make_user: Callable[..., User], login_as: Callable[..., FlaskClient], admin: FlaskClient, db_session,
) -> None:
    """Voted with a declared identity, then again through the provider on a new account: refused, and
    the report shows both as one person."""
    declared = login_as(make_user(email="camille@example.org"))
    assert post_form(declared, "/vote/identite", {"first_name": "camille", "last_name": "Dufour",
                     "birth_date": "12/06/1984", "commune": "Arras"}).status_code == 302
    ballot = {"choix": [str(i.id) for i in on_ballot[:3]]}
    assert post_form(declared, "/vote/bulletin", ballot, token_from="/vote").status_code == 302

    verified = app.test_client()
    through_provider(verified, "camille")
    assert post_form(verified, "/vote/identite", {"commune": "Arras"}).status_code == 302
    refused = post_form(verified, "/vote/bulletin", ballot, token_from="/vote")
    assert refused.status_code == 409 and "une vérification est nécessaire" in text_of(refused)
    assert participation(db_session, db_session.get(Edition, vote_edition.id)).total == 1

    report = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    group = re.search(r"<section class=\"duplicate-group\".*?</section>", report, re.DOTALL).group(0)
    assert "camille@example.org" in group and "camille.dufour@example.org" in group
    assert "doublon probable" in group


def test_under_the_verified_policy_the_issues_fraud_counts_once(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, on_ballot: list[Initiative],
    make_voter: Callable[..., User], login_as: Callable[..., FlaskClient], db_session,
) -> None:
    # The edition's own setting (Gestion → Édition), frozen once the vote opens: set here directly.
    db_session.get(Edition, vote_edition.id).identity_policy = "verified"
    db_session.flush()
    ballot = {"choix": [str(i.id) for i in on_ballot[:3]]}
    for email in ("habitant@example.org", "meme@example.org", "jour@example.org"):
        client = login_as(make_voter(email=email))
        refused = post_form(client, "/vote/bulletin", ballot, token_from="/vote")
        assert refused.status_code == 403 and "doit être vérifiée" in text_of(refused)
        # The declared form is not offered; the provider's button is.
        page = text_of(client.get("/vote/identite"))
        assert 'name="first_name"' not in page and "S'identifier avec FranceConnect" in page
    verified = app.test_client()
    through_provider(verified, "camille")
    assert post_form(verified, "/vote/identite", {"commune": "Arras"}).status_code == 302
    assert post_form(verified, "/vote/bulletin", ballot, token_from="/vote").status_code == 302
    assert participation(db_session, db_session.get(Edition, vote_edition.id)).total == 1


def test_a_providers_email_never_takes_over_an_account(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, make_user: Callable[..., User], db_session,
) -> None:
    owner = make_user(email="habitant@example.org")
    client = app.test_client()
    page = through_provider(client, "jeanne")
    assert page.request.path == "/franceconnect/rattacher"
    assert "Un compte existe déjà avec l'adresse habitant@example.org" in text_of(page)
    assert count(db_session, VerifiedIdentity) == 0
    # The owner logs in with the password, then confirms.
    login(client, owner.email)
    assert post_form(client, "/franceconnect/rattacher", {}).status_code == 302
    linked = db_session.scalar(select(VerifiedIdentity))
    assert linked.user_id == owner.id and linked.family_name == "LEFEBVRE"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda q: {**q, "state": ["forged-state"]}, "L'identification n'a pas abouti"),
        (lambda q: {**q, "code": ["forged-code"]}, "L'identification n'a pas abouti"),
        (lambda q: {"error": ["access_denied"], "state": q["state"]},
         "Identification avec FranceConnect annulée"),
    ],
)
def test_a_tampered_callback_is_refused_in_french(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, db_session, tamper, message: str,
) -> None:
    client = app.test_client()
    start = client.get("/franceconnect/connexion")
    back = authenticate_at_provider(start.headers["Location"], "camille", stop_at=CALLBACK)
    query = tamper(parse_qs(urlsplit(back).query))
    answer = client.get("/franceconnect/retour?" + urlencode(query, doseq=True), follow_redirects=True)
    assert answer.status_code == 200 and answer.request.path == "/connexion"
    assert message in text_of(answer)
    assert provider_accounts(db_session) == 0 and count(db_session, VerifiedIdentity) == 0


def test_a_replayed_callback_is_refused(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, db_session
) -> None:
    client = app.test_client()
    start = client.get("/franceconnect/connexion")
    back = authenticate_at_provider(start.headers["Location"], "camille", stop_at=CALLBACK)
    path = back[len("http://localhost"):]
    assert client.get(path).status_code == 302
    assert count(db_session, VerifiedIdentity) == 1
    replayed = app.test_client()  # an attacker replaying the URL in another browser
    answer = replayed.get(path, follow_redirects=True)
    assert "L'identification n'a pas abouti" in text_of(answer)
    again = client.get(path, follow_redirects=True)  # the same browser: the state was used up
    assert "L'identification n'a pas abouti" in text_of(again)
    assert provider_accounts(db_session) == 1


def test_claims_without_a_birth_date_create_nothing(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, db_session,
) -> None:
    answer = through_provider(app.test_client(), "sansdate")
    assert answer.request.path == "/connexion"
    assert "date de naissance complète" in text_of(answer)
    assert provider_accounts(db_session) == 0 and count(db_session, VerifiedIdentity) == 0


def test_a_provider_that_is_down_gets_a_french_message(
    app: Flask, oidc: OidcProvider, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{free_port_in_range()}")
    answer = app.test_client().get("/franceconnect/connexion", follow_redirects=True)
    assert answer.status_code == 200 and "ne répond pas pour le moment" in text_of(answer)


def test_without_settings_there_is_no_button(app: Flask, client: FlaskClient) -> None:
    assert "FranceConnect" not in text_of(client.get("/connexion"))
    assert client.get("/franceconnect/connexion").status_code == 404


def authenticated_callback(client: FlaskClient) -> tuple[str, str]:
    """(callback path, state) once the person has authenticated at the provider."""
    start = client.get("/franceconnect/connexion")
    back = authenticate_at_provider(start.headers["Location"], "camille", stop_at=CALLBACK)
    return back[len("http://localhost"):], parse_qs(urlsplit(back).query)["state"][0]


def refused(client: FlaskClient, path: str, caplog: pytest.LogCaptureFixture, error: str, db_session) -> None:
    with caplog.at_level("WARNING", logger="budgetcitoyen.voting.franceconnect_views"):
        answer = client.get(path, follow_redirects=True)
    assert answer.status_code == 200 and answer.request.path == "/connexion"
    assert "L'identification n'a pas abouti" in text_of(answer)
    assert error in caplog.text
    assert provider_accounts(db_session) == 0 and count(db_session, VerifiedIdentity) == 0


def test_an_id_token_with_another_nonce_is_refused(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, db_session, caplog: pytest.LogCaptureFixture,
) -> None:
    client = app.test_client()
    path, state = authenticated_callback(client)
    with client.session_transaction() as stored:
        kept = dict(stored[f"_state_oidc_{state}"])
        kept["data"] = {**kept["data"], "nonce": "un-autre-nonce"}
        stored[f"_state_oidc_{state}"] = kept
    refused(client, path, caplog, "nonce", db_session)


def test_an_expired_id_token_is_refused(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, db_session, caplog: pytest.LogCaptureFixture,
    freeze_time,
) -> None:
    client = app.test_client()
    path, _ = authenticated_callback(client)
    # The provider's ID tokens live 10 minutes; Authlib allows 2 minutes of clock skew.
    freeze_time(now_utc() + timedelta(minutes=30))
    refused(client, path, caplog, "ExpiredTokenError", db_session)


def test_an_id_token_signed_by_another_key_is_refused(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, db_session, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = app.test_client()
    path, _ = authenticated_callback(client)
    # The keys the app trusts are not the ones that signed the token (same key id, other key): as if
    # the token came from someone else.
    (authlib_client,) = [c for settings, c in app.extensions["budgetcitoyen_oidc_clients"].items()
                         if settings[0] == oidc.issuer]
    other = RSAKey.generate_key(2048, parameters={"kid": "test-rs256", "use": "sig", "alg": "RS256"})
    monkeypatch.setitem(authlib_client.server_metadata, "jwks", {"keys": [other.as_dict(private=False)]})
    refused(client, path, caplog, "BadSignatureError", db_session)


def test_a_declared_usage_name_is_matched_with_the_verified_one(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, make_voter: Callable[..., User],
    admin: FlaskClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Declared under her usage name (Martin), verified under her birth name (Lefebvre): one group."""
    monkeypatch.setitem(app.config, "OIDC_SCOPES", "openid given_name family_name birthdate email "
                        "preferred_username")
    make_voter(email="martine@example.org", first="Martine", last="Martin", born=date(1970, 9, 21),
               commune="62498")
    verified = app.test_client()
    through_provider(verified, "martine")
    assert post_form(verified, "/vote/identite", {"commune": "Lens"}).status_code == 302
    report = text_of(admin.get(f"/gestion/vote/{vote_edition.id}/doublons"))
    group = re.search(r"<section class=\"duplicate-group\".*?</section>", report, re.DOTALL).group(0)
    assert "martine@example.org" in group and "martine.lefebvre@example.org" in group
    assert "par le nom d'usage vérifié" in group


def test_under_the_declared_policy_the_voter_is_not_offered_verification(
    app: Flask, oidc: OidcProvider, vote_edition: Edition, make_voter: Callable[..., User],
    login_as: Callable[..., FlaskClient], db_session,
) -> None:
    db_session.get(Edition, vote_edition.id).identity_policy = "declared"
    db_session.flush()
    page = text_of(login_as(make_voter(email="declare@example.org")).get("/vote/identite"))
    assert 'name="first_name"' in page and "Vérifier mon identité" not in page


def test_the_verified_policy_needs_a_configured_provider(
    app: Flask, login_as: Callable[..., FlaskClient], db_session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = login_as(Role.ADMIN)
    fields = {**EDITION_FORM, "identity_policy": "verified"}
    monkeypatch.setitem(app.config, "OIDC_ISSUER", None)
    refused = post_form(admin, "/gestion/editions/nouvelle", fields)
    assert refused.status_code in (400, 422)
    assert "Aucun fournisseur d'identité n'est configuré" in text_of(refused)
    assert db_session.scalar(select(Edition).where(Edition.year == 2027)) is None
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "https://fournisseur.example.org")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", "client")
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", "secret")
    assert post_form(admin, "/gestion/editions/nouvelle", fields).status_code == 302
    assert db_session.scalar(select(Edition).where(Edition.year == 2027)).identity_policy == "verified"
