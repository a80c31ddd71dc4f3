"""Log in, or verify one's identity, with FranceConnect or any OpenID Connect provider configured the same
way (BUDGETCITOYEN_OIDC_*). Without that configuration the button is absent and these pages answer 404.

The protocol is Authlib's: authorization code flow with state, nonce and PKCE (S256); the ID token's
signature (the provider's published keys), issuer, audience, expiry and nonce are checked by Authlib;
a signed userinfo (FranceConnect v2 answers a JWT) is checked with the same keys. Any failure (tampered
or replayed state or code, wrong nonce, expired or foreign-signed token, provider down, claims missing)
ends on the log-in page with a French message: nothing half-created, never a 500.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from budgetcitoyen.accounts.services import log_out
from budgetcitoyen.clock import now_utc
from budgetcitoyen.config import naming
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.voting.identity import profile_of
from budgetcitoyen.voting.verification import (
    PendingLink,
    VerifiedPerson,
    link,
    person_from_claims,
    sign_in_verified,
)
from budgetcitoyen.web import Access, access, current_actor, db, perform, secret_key

bp = Blueprint("franceconnect", __name__, url_prefix="/franceconnect")
log = logging.getLogger(__name__)

PENDING = "oidc_pending_link"  # a verified person waiting for its account's password (session)
ID_TOKEN = "oidc_id_token"  # kept for the logout at the provider (id_token_hint)
FAILED = ("L'identification n'a pas abouti. Réessayez ; si le problème persiste, déclarez votre identité "
          "vous-même ou écrivez {service}.")


def oidc_enabled() -> bool:
    """A provider is configured: people may log in with it (whether a verified identity is needed to vote
    is the edition's identity policy)."""
    config = current_app.config
    return all(config.get(k) for k in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"))


@bp.app_context_processor
def _button() -> dict[str, Any]:
    """What every page needs to show the provider's button (absent when not configured)."""
    if not oidc_enabled():
        return {"oidc_button": None}
    config = current_app.config
    return {"oidc_button": {"label": config["OIDC_BUTTON_LABEL"], "provider": config["OIDC_PROVIDER_NAME"],
                            "franceconnect": config["OIDC_PROVIDER_NAME"] == "FranceConnect"}}


def _issuer() -> str:
    return str(current_app.config["OIDC_ISSUER"]).rstrip("/")


def _client() -> Any:
    """The Authlib client for the current settings (made once; its discovery document and keys are then
    cached by Authlib)."""
    config = current_app.config
    settings = (_issuer(), config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], config["OIDC_SCOPES"],
                config["OIDC_TOKEN_AUTH_METHOD"], config["OIDC_TIMEOUT"])
    clients = current_app.extensions.setdefault("budgetcitoyen_oidc_clients", {})
    if settings not in clients:
        issuer, client_id, secret, scopes, auth_method, timeout = settings
        oauth = OAuth(current_app)
        clients[settings] = oauth.register(
            "oidc", client_id=client_id, client_secret=secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": scopes, "code_challenge_method": "S256",
                           "token_endpoint_auth_method": auth_method, "timeout": timeout},
        )
    return clients[settings]


def _fail(message: str = FAILED) -> Any:
    flash(message.replace("{service}", naming().service.au), "error")
    return redirect(url_for("accounts.login") if not current_user.is_authenticated
                    else url_for("voting.identity"))


# Whatever the provider or the network does, the callback ends here (never a 500).
PROTOCOL_ERRORS = (OAuthError, JoseError, requests.RequestException, ValueError, KeyError, TypeError,
                   RuntimeError)


@bp.route("/connexion")
@access(Access.PUBLIC)
def start() -> Any:
    """Send the person to the provider (state, nonce and PKCE kept in their session by Authlib)."""
    if not oidc_enabled():
        abort(404)
    extra = {}
    if current_app.config.get("OIDC_ACR_VALUES"):
        extra["acr_values"] = current_app.config["OIDC_ACR_VALUES"]
    try:
        return _client().authorize_redirect(url_for(".callback", _external=True), **extra)
    except PROTOCOL_ERRORS as exc:
        log.warning("OpenID Connect provider unreachable: %s", exc)
        return _fail(f"{current_app.config['OIDC_PROVIDER_NAME']} ne répond pas pour le moment. Réessayez "
                     "plus tard, ou déclarez votre identité vous-même.")


def _claims(client: Any, token: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims (checked by Authlib) completed by the userinfo, JSON or signed JWT."""
    id_claims = token.get("userinfo")
    if not id_claims:
        raise ValueError("no verified ID token")
    acr_wanted = (current_app.config.get("OIDC_ACR_VALUES") or "").split()
    if acr_wanted and id_claims.get("acr") not in acr_wanted:
        raise ValueError(f"acr {id_claims.get('acr')!r} not in {acr_wanted}")
    metadata = client.load_server_metadata()
    claims = dict(id_claims)
    if metadata.get("userinfo_endpoint"):
        response = client.get(metadata["userinfo_endpoint"], token=token)
        response.raise_for_status()
        if response.headers.get("content-type", "").split(";")[0].strip() == "application/jwt":
            keys = KeySet.import_key_set(client.fetch_jwk_set())
            algorithms = metadata.get("userinfo_signing_alg_values_supported") or ["RS256", "ES256"]
            decoded = jwt.decode(response.text.strip(), keys, algorithms=algorithms)
            info = decoded.claims
            if info.get("iss", _issuer()) != _issuer() or info.get("aud", client.client_id) not in (
                    client.client_id, [client.client_id]):
                raise ValueError("userinfo for another issuer or client")
        else:
            info = response.json()
        if info.get("sub") != id_claims.get("sub"):
            raise ValueError("userinfo subject differs from the ID token's")
        claims.update({k: v for k, v in info.items() if k not in ("iss", "aud", "exp", "iat", "nonce")})
    return claims


@bp.route("/retour")
@access(Access.PUBLIC)
def callback() -> Any:
    """Back from the provider: check everything, then log in, link, or ask for the account's password."""
    if not oidc_enabled():
        abort(404)
    client = _client()
    try:
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [_issuer()]}}
        )
        claims = _claims(client, token)
        person = person_from_claims(claims, _issuer(), secret_key())
    except DomainError as error:
        return _fail(error.message)
    except PROTOCOL_ERRORS as exc:
        log.warning("OpenID Connect callback refused: %s: %s", type(exc).__name__, exc)
        if request.args.get("error") == "access_denied":
            return _fail(f"Identification avec {current_app.config['OIDC_PROVIDER_NAME']} annulée.")
        return _fail()
    edition = current_edition(db())
    signed_in = current_actor()
    outcome = perform(sign_in_verified, person, signed_in, secret_key(), edition, now_utc(),
                      flash_error=False)
    if not outcome.ok:
        if isinstance(outcome.error, PendingLink):
            session[PENDING] = _pending(person)
            return redirect(url_for(".confirm_link"))
        return _fail(outcome.error.message)
    user = outcome.value
    session.pop(PENDING, None)
    if signed_in is None:
        login_user(user)
    session[ID_TOKEN] = token.get("id_token")
    flash("Votre identité est vérifiée." if profile_of(db(), user) is not None
          else "Votre identité est vérifiée. Indiquez maintenant votre commune de résidence.", "success")
    return redirect(url_for("voting.ballot") if profile_of(db(), user) is not None
                    else url_for("voting.identity"))


def _pending(person: VerifiedPerson) -> dict[str, str]:
    # The person's own verified identity, in their own signed session cookie, until they log in.
    return {"subject_key": person.subject_key, "given_names": person.given_names,
            "family_name": person.family_name, "birth_date": person.birth_date.isoformat(),
            "email": person.email or "", "acr": person.acr, "usage_name": person.usage_name or ""}


def _pending_person() -> VerifiedPerson | None:
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return None
    try:
        return VerifiedPerson(data["subject_key"], data["given_names"], data["family_name"],
                              date.fromisoformat(data["birth_date"]), data["email"] or None, data["acr"],
                              data.get("usage_name") or None)
    except (KeyError, ValueError, TypeError):
        return None


class LinkForm(BaseForm):
    """Confirm attaching the verified identity to the signed-in account (CSRF lives here)."""


@bp.route("/rattacher", methods=["GET", "POST"])
@access(Access.PUBLIC)
def confirm_link() -> Any:
    """An account already has the provider's e-mail: its owner logs in with their password, then
    confirms here; the verified identity is attached to it only then."""
    person = _pending_person() if oidc_enabled() else None
    if person is None:
        abort(404)
    form = LinkForm()
    if current_user.is_authenticated and form.validate_on_submit():
        outcome = perform(link, current_actor(), person, secret_key(), current_edition(db()), now_utc())
        session.pop(PENDING, None)
        if outcome.ok:
            flash("Votre identité vérifiée est rattachée à votre compte.", "success")
            return redirect(url_for("voting.identity"))
        return redirect(url_for("voting.identity"))
    return render_template("voting/confirm_link.html", form=form, person=person,
                           provider=current_app.config["OIDC_PROVIDER_NAME"])


@bp.route("/deconnexion", methods=["POST"])
@access(Access.AUTHENTICATED)
def logout() -> Any:
    """Log out here and at the provider (FranceConnect asks its service providers to)."""
    if not BaseForm().validate_on_submit():
        abort(400)
    id_token = session.pop(ID_TOKEN, None)
    perform(log_out, current_user.get_id())  # the device session ends on the server too
    logout_user()
    if not oidc_enabled() or not id_token:
        return redirect(url_for("public.home"))
    try:
        ending = _client().create_logout_url(url_for("public.home", _external=True), id_token_hint=id_token)
    except PROTOCOL_ERRORS:
        return redirect(url_for("public.home"))
    # A page that moves on by itself, not a redirect: the site's CSP (form-action 'self') forbids a
    # form's redirect to another origin.
    return render_template("voting/provider_logout.html", url=ending["url"],
                           provider=current_app.config["OIDC_PROVIDER_NAME"])
