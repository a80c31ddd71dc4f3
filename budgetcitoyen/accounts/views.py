"""Account pages: sign-up, confirmation, log-in/out, password reset, and the account page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from budgetcitoyen.accounts import forms, passwords, services
from budgetcitoyen.accounts.passwords import PasswordGuard, ThrottleSettings
from budgetcitoyen.accounts.rules import normalize_email
from budgetcitoyen.clock import now_utc
from budgetcitoyen.errors import DomainError
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.ratelimit import web as ratelimit
from budgetcitoyen.web import Access, Outcome, access, client_address, current_actor, db, perform, secret_key

bp = Blueprint("accounts", __name__)



KNOWN_DEVICE_COOKIE = "appareil_connu"


def _guard() -> PasswordGuard:
    config = current_app.config
    throttle = ThrottleSettings(
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT_EVERYWHERE"],
        timedelta(seconds=config["LOGIN_EVERYWHERE_WINDOW_SECONDS"]),
    )
    known = passwords.known_device_accounts(secret_key(), request.cookies.get(KNOWN_DEVICE_COOKIE))
    return PasswordGuard(secret_key(), client_address(), throttle, now_utc(), known)


def _remember_device(response: Response, email: str) -> Response:
    """Mark this browser as one the account `email` logged in from: the account-wide limit of failed
    log-ins (a guessing attack spread over many addresses) does not lock its owner out of it."""
    value = passwords.known_device_cookie(secret_key(), request.cookies.get(KNOWN_DEVICE_COOKIE), email)
    config = current_app.config
    response.set_cookie(
        KNOWN_DEVICE_COOKIE, value, max_age=passwords.KNOWN_DEVICE_DAYS * 86400, httponly=True,
        secure=bool(config["SESSION_COOKIE_SECURE"]), samesite="Lax",
    )
    return response


def _links() -> services.LinkSettings:
    config = current_app.config
    return services.LinkSettings(secret_key(), config["EMAIL_TOKEN_MAX_AGE"], config["RESET_TOKEN_MAX_AGE"])


def _page(template: str, form: BaseForm, outcome: Outcome[Any] | None = None) -> Any:
    """The form's page: 200, or 422 when it shows errors (429 when throttled, 401 for wrong credentials)."""
    status = 200
    if form.errors:
        refused = outcome.error.status_code if outcome is not None and outcome.error is not None else 422
        status = refused if refused in (401, 429) else 422
    return render_template(template, form=form), status


def _token_page(error: DomainError) -> Any:
    return render_template("accounts/token_error.html", message=error.message), 400


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's `next=https://evil` must not turn log-in into a redirector."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("public.home")


def _after_link(message: str) -> Any:
    flash(message, "success")
    return redirect(url_for("accounts.account" if current_user.is_authenticated else "accounts.login"))


def _per_email(action: str, use_case: Callable[..., Any], email: str) -> Callable[..., Any]:
    # Counted per e-mail typed, known or not: the answer must not tell which.
    return ratelimit.limited(action, use_case, account=normalize_email(email))


@bp.route("/inscription", methods=["GET", "POST"])
@access(Access.ANONYMOUS_ONLY)
def signup() -> Any:
    """Create an account; the confirmation link is mailed. Bot checks first (the form), then the limit."""
    form = forms.SignupForm()
    outcome = None
    if form.validate_on_submit():
        outcome = perform(ratelimit.limited("signup", services.sign_up), form.email.data, form.password.data,
                          _links(), now_utc(), form=form)
        if outcome.ok:
            user = outcome.value
            flash(f"Votre compte est créé. Un lien de confirmation a été envoyé à {user.email}.", "success")
            login_user(user)
            return _remember_device(redirect(url_for("accounts.account")), user.email)
    form.fresh()
    return _page("accounts/signup.html", form, outcome)


@bp.route("/confirmer/<token>")
@access(Access.PUBLIC)
def confirm(token: str) -> Any:
    """Follow the confirmation link."""
    outcome = perform(services.confirm_email, secret_key(), token, current_app.config["EMAIL_TOKEN_MAX_AGE"],
                      now_utc(), flash_error=False)
    if not outcome.ok:
        return _token_page(outcome.error)
    return _after_link("Votre adresse e-mail est confirmée. Merci !")


@bp.route("/confirmation/renvoyer", methods=["GET", "POST"])
@access(Access.PUBLIC)
def resend_confirmation() -> Any:
    """Mail the confirmation link again; the answer is the same whether the address exists or not."""
    form = forms.EmailOnlyForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
    outcome = None
    if form.validate_on_submit():
        resend = _per_email("resend", services.resend_confirmation, form.email.data)
        outcome = perform(resend, form.email.data, _links(), form=form)
        if outcome.ok:
            flash("Si un compte non confirmé existe pour cette adresse, un nouveau lien vient d'y être "
                  "envoyé.", "info")
            return redirect(url_for("public.home"))
    return _page("accounts/resend.html", form, outcome)


@bp.route("/connexion", methods=["GET", "POST"])
@access(Access.ANONYMOUS_ONLY)
def login() -> Any:
    """Log in: every attempt is rate-limited per address, failures are throttled per account and per
    address."""
    form = forms.LoginForm()
    outcome = None
    if form.validate_on_submit():
        log_in = ratelimit.limited("login", services.log_in)
        outcome = perform(log_in, form.email.data, form.password.data, _guard(), form=form)
        if outcome.ok:
            login_user(outcome.value, remember=bool(form.remember.data))
            flash("Vous êtes connecté.", "success")
            return _remember_device(redirect(_safe_next(request.args.get("next"))), outcome.value.email)
    return _page("accounts/login.html", form, outcome)


@bp.route("/deconnexion", methods=["POST"])
@access(Access.AUTHENTICATED)
def logout() -> Any:
    """Log out (POST with CSRF, so a third-party page cannot log people out). The session ends on the
    server too: a saved copy of the session or "remember me" cookie opens nothing afterwards."""
    perform(services.log_out, current_user.get_id())
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("public.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@access(Access.PUBLIC)
def forgot_password() -> Any:
    """Mail a reset link; the answer never says whether the address has an account."""
    form = forms.EmailOnlyForm()
    outcome = None
    if form.validate_on_submit():
        ask = _per_email("forgot", services.ask_password_reset, form.email.data)
        outcome = perform(ask, form.email.data, _links(), form=form)
        if outcome.ok:
            flash("Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y être "
                  "envoyé.", "info")
            return redirect(url_for("accounts.login"))
    return _page("accounts/forgot.html", form, outcome)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def reset_password(token: str) -> Any:
    """Choose a new password from the link."""
    max_age = current_app.config["RESET_TOKEN_MAX_AGE"]
    try:
        services.user_for_reset_token(db(), secret_key(), token, max_age)
    except DomainError as error:
        return _token_page(error)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        outcome = perform(services.reset_password, secret_key(), token, max_age, form.password.data,
                          now_utc(), form=form)
        if outcome.ok:
            logout_user()
            flash("Votre mot de passe a été changé. Connectez-vous avec le nouveau.", "success")
            # The link proved the mailbox: this browser may log in even while the account is under attack.
            return _remember_device(redirect(url_for("accounts.login")), outcome.value.email)
    return _page("accounts/reset.html", form)


@bp.route("/compte")
@access(Access.AUTHENTICATED)
def account() -> Any:
    """The account page."""
    return render_template("accounts/account.html", resend_form=forms.ConfirmActionForm())


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def change_password() -> Any:
    """Change the password; other devices are logged out."""
    form = forms.ChangePasswordForm()
    outcome = None
    if form.validate_on_submit():
        user = current_actor()
        outcome = perform(services.change_password, user, form.current_password.data, form.password.data,
                          _guard(), form=form)
        if outcome.ok:
            login_user(user)  # this device stays logged in, under the session the change opened
            flash("Votre mot de passe a été changé. Vos autres appareils ont été déconnectés.", "success")
            return redirect(url_for("accounts.account"))
    return _page("accounts/change_password.html", form, outcome)


@bp.route("/compte/adresse", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def change_email() -> Any:
    """Ask to change the e-mail address; the link goes to the new address."""
    form = forms.ChangeEmailForm()
    outcome = None
    if form.validate_on_submit():
        outcome = perform(services.ask_email_change, current_actor(), form.password.data, form.email.data,
                          _guard(), _links(), form=form)
        if outcome.ok:
            flash(f"Un lien de confirmation a été envoyé à {outcome.value}. "
                  "Votre adresse changera quand vous l'aurez suivi.", "info")
            return redirect(url_for("accounts.account"))
    return _page("accounts/change_email.html", form, outcome)


@bp.route("/compte/adresse/<token>")
@access(Access.PUBLIC)
def apply_email_change(token: str) -> Any:
    """Follow the link sent to the new address."""
    outcome = perform(services.apply_email_change, secret_key(), token,
                      current_app.config["EMAIL_TOKEN_MAX_AGE"], now_utc(), flash_error=False)
    if not outcome.ok:
        return _token_page(outcome.error)
    return _after_link("Votre nouvelle adresse e-mail est enregistrée.")


@bp.route("/compte/mes-donnees.json")
@access(Access.AUTHENTICATED)
def download_data() -> Response:
    """Everything the platform holds about me, as a JSON download."""
    data = services.export_personal_data(db(), current_actor())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-budget-citoyen.json"',
                 "Cache-Control": "private, no-store"},
    )


@bp.route("/compte/supprimer", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def delete_account() -> Any:
    """Delete the account: personal data erased, contributions kept anonymised."""
    form = forms.DeleteAccountForm()
    outcome = None
    if form.validate_on_submit():
        outcome = perform(services.delete_account, current_actor(), form.password.data, _guard(), form=form)
        if outcome.ok:
            logout_user()
            flash("Votre compte a été supprimé et vos données personnelles effacées.", "success")
            return redirect(url_for("public.home"))
    return _page("accounts/delete.html", form, outcome)
