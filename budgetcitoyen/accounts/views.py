"""Account pages: sign-up, confirmation, log-in/out, password reset, and the account page."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from budgetcitoyen.accounts import forms, services
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.errors import DomainError
from budgetcitoyen.mail import delivery as mail
from budgetcitoyen.ratelimit import web as ratelimit
from budgetcitoyen.web import Access, access, client_address, db, external_url

bp = Blueprint("accounts", __name__)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _guard() -> services.PasswordGuard:
    config = current_app.config
    throttle = services.ThrottleSettings(
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
    )
    return services.PasswordGuard(_secret(), client_address(), throttle, now_utc())


def _settle(session: Any, error: DomainError) -> int:
    """After a refused account action: keep a wrong-password record (it is what throttling counts),
    discard anything else; the status to answer with."""
    if isinstance(error, services.WrongPassword):
        session.commit()
    else:
        session.rollback()
    return 429 if isinstance(error, services.TooManyAttempts) else 422


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's `next=https://evil` must not turn log-in into a redirector."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("public.home")


def _mail_failed_notice() -> None:
    flash(
        "L'e-mail n'a pas pu être envoyé pour le moment. Réessayez dans quelques minutes "
        "avec « Renvoyer le lien de confirmation ».",
        "warning",
    )


def _send_confirmation(user: User) -> bool:
    token = services.confirmation_token(_secret(), user)
    link = external_url("accounts.confirm", token=token)
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    return mail.send(user.email, "Confirmez votre adresse e-mail", "confirm_email", link=link, hours=hours)


@bp.route("/inscription", methods=["GET", "POST"])
@access(Access.ANONYMOUS_ONLY)
def signup() -> Any:
    """Create an account; the confirmation link is mailed."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = forms.SignupForm()
    status = 422  # used only when the form shows errors
    if form.validate_on_submit():
        session = db()
        try:
            # Bot checks first: what they refuse is not counted against the people sharing the address.
            ratelimit.check_signup(form.stamp.data, form.site_web.data)
            ratelimit.limit("signup")
            user = services.register(session, form.email.data, form.password.data, now_utc())
        except ratelimit.FormRefused as error:
            current_app.logger.info("sign-up refused by the bot checks: %s", error.reason)
            form.add_error(None, error.message)
        except ratelimit.RateLimited as error:
            form.add_error(None, error.message)
            status = error.status_code
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            if _send_confirmation(user):
                flash(f"Votre compte est créé. Un lien de confirmation a été envoyé à {user.email}.", "success")
            else:
                _mail_failed_notice()
            login_user(user)
            return redirect(url_for("accounts.account"))
    # Every showing gets a fresh stamp: after an error the fill time counts from the page shown again.
    form.stamp.data = ratelimit.signup_stamp()
    form.site_web.data = ""
    return render_template("accounts/signup.html", form=form), status if form.errors else 200


@bp.route("/confirmer/<token>")
@access(Access.PUBLIC)
def confirm(token: str) -> Any:
    """Follow the confirmation link."""
    session = db()
    try:
        services.confirm_email(session, _secret(), token, current_app.config["EMAIL_TOKEN_MAX_AGE"], now_utc())
    except DomainError as error:
        return render_template("accounts/token_error.html", message=error.message), 400
    session.commit()
    flash("Votre adresse e-mail est confirmée. Merci !", "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login"))


@bp.route("/confirmation/renvoyer", methods=["GET", "POST"])
@access(Access.PUBLIC)
def resend_confirmation() -> Any:
    """Mail the confirmation link again; the answer is the same whether the address exists or not."""
    form = forms.EmailOnlyForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
    if form.validate_on_submit():
        try:
            # Counted per e-mail typed, known or not: the answer must not tell which.
            ratelimit.limit("resend", account=services.normalize_email(form.email.data))
        except ratelimit.RateLimited as error:
            form.add_error(None, error.message)
            return render_template("accounts/resend.html", form=form), error.status_code
        user = services.find_by_email(db(), form.email.data)
        if user is not None and not user.is_confirmed and not _send_confirmation(user):
            _mail_failed_notice()
        else:
            flash("Si un compte non confirmé existe pour cette adresse, un nouveau lien vient d'y être envoyé.", "info")
        return redirect(url_for("public.home"))
    return render_template("accounts/resend.html", form=form), 200 if not form.errors else 422


@bp.route("/connexion", methods=["GET", "POST"])
@access(Access.ANONYMOUS_ONLY)
def login() -> Any:
    """Log in: every attempt is rate-limited per address, failures are throttled per account and per address."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = forms.LoginForm()
    status = 200
    if form.validate_on_submit():
        session = db()
        try:
            ratelimit.limit("login")
            user = services.authenticate(session, form.email.data, form.password.data, _guard())
        except (services.TooManyAttempts, ratelimit.RateLimited) as error:
            form.add_error(None, error.message)
            status = 429
        except services.BadCredentials as error:
            session.commit()  # keep the failed attempt: it is what throttling counts
            form.add_error(None, error.message)
            status = 401
        else:
            session.commit()
            login_user(user, remember=bool(form.remember.data))
            flash("Vous êtes connecté.", "success")
            return redirect(_safe_next(request.args.get("next")))
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
@access(Access.AUTHENTICATED)
def logout() -> Any:
    """Log out (POST with CSRF, so a third-party page cannot log people out)."""
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("public.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@access(Access.PUBLIC)
def forgot_password() -> Any:
    """Mail a reset link; the answer never says whether the address has an account."""
    form = forms.EmailOnlyForm()
    if form.validate_on_submit():
        try:
            # Counted per e-mail typed, known or not: the answer must not tell which.
            ratelimit.limit("forgot", account=services.normalize_email(form.email.data))
        except ratelimit.RateLimited as error:
            form.add_error(None, error.message)
            return render_template("accounts/forgot.html", form=form), error.status_code
        found = services.password_reset_token(db(), _secret(), form.email.data)
        if found is not None:
            user, token = found
            minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
            link = external_url("accounts.reset_password", token=token)
            if not mail.send(user.email, "Réinitialisation de votre mot de passe", "reset_password",
                             link=link, minutes=minutes):
                flash("L'e-mail n'a pas pu être envoyé pour le moment. Réessayez dans quelques minutes.", "warning")
                return redirect(url_for("accounts.forgot_password"))
        flash("Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y être envoyé.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 200 if not form.errors else 422


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def reset_password(token: str) -> Any:
    """Choose a new password from the link."""
    session = db()
    max_age = current_app.config["RESET_TOKEN_MAX_AGE"]
    try:
        services.user_for_reset_token(session, _secret(), token, max_age)
    except DomainError as error:
        return render_template("accounts/token_error.html", message=error.message), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(session, _secret(), token, max_age, form.password.data, now_utc())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            logout_user()
            flash("Votre mot de passe a été changé. Connectez-vous avec le nouveau.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 200 if not form.errors else 422


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
    status = 422  # used only when the form shows errors
    if form.validate_on_submit():
        session = db()
        user = current_user._get_current_object()  # type: ignore[attr-defined]
        try:
            services.change_password(session, user, form.current_password.data, form.password.data, _guard())
        except DomainError as error:
            status = _settle(session, error)
            form.add_error(error.field, error.message)
        else:
            session.commit()
            login_user(user)  # this device stays logged in under the new auth version
            flash("Votre mot de passe a été changé. Vos autres appareils ont été déconnectés.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), status if form.errors else 200


@bp.route("/compte/adresse", methods=["GET", "POST"])
@access(Access.AUTHENTICATED)
def change_email() -> Any:
    """Ask to change the e-mail address; the link goes to the new address."""
    form = forms.ChangeEmailForm()
    status = 422  # used only when the form shows errors
    if form.validate_on_submit():
        session = db()
        try:
            token = services.email_change_token(session, current_user._get_current_object(),  # type: ignore[attr-defined]
                                                form.password.data, form.email.data, _guard())
        except DomainError as error:
            status = _settle(session, error)
            form.add_error(error.field, error.message)
        else:
            session.commit()
            link = external_url("accounts.apply_email_change", token=token)
            new_email = services.normalize_email(form.email.data)
            hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
            if mail.send(new_email, "Confirmez votre nouvelle adresse e-mail", "change_email", link=link, hours=hours):
                flash(f"Un lien de confirmation a été envoyé à {new_email}. "
                      "Votre adresse changera quand vous l'aurez suivi.", "info")
            else:
                flash("L'e-mail n'a pas pu être envoyé pour le moment. Réessayez dans quelques minutes.", "warning")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form), status if form.errors else 200


@bp.route("/compte/adresse/<token>")
@access(Access.PUBLIC)
def apply_email_change(token: str) -> Any:
    """Follow the link sent to the new address."""
    session = db()
    try:
        services.apply_email_change(session, _secret(), token, current_app.config["EMAIL_TOKEN_MAX_AGE"], now_utc())
    except DomainError as error:
        return render_template("accounts/token_error.html", message=error.message), 400
    session.commit()
    flash("Votre nouvelle adresse e-mail est enregistrée.", "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login"))


@bp.route("/compte/mes-donnees.json")
@access(Access.AUTHENTICATED)
def download_data() -> Response:
    """Everything the platform holds about me, as a JSON download."""
    data = services.export_personal_data(db(), current_user._get_current_object())  # type: ignore[attr-defined]
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
    status = 422  # used only when the form shows errors
    if form.validate_on_submit():
        session = db()
        user = current_user._get_current_object()  # type: ignore[attr-defined]
        try:
            services.delete_account(session, user, form.password.data, _guard())
        except DomainError as error:
            status = _settle(session, error)
            form.add_error(error.field, error.message)
        else:
            session.commit()
            logout_user()
            flash("Votre compte a été supprimé et vos données personnelles effacées.", "success")
            return redirect(url_for("public.home"))
    return render_template("accounts/delete.html", form=form), status if form.errors else 200

