"""Account forms. Every field has a French label and French messages."""

from __future__ import annotations

from typing import Any

from flask import current_app
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from budgetcitoyen.accounts.models import ROLE_LABELS, Role
from budgetcitoyen.accounts.rules import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from budgetcitoyen.forms import BaseForm
from budgetcitoyen.ratelimit import web as ratelimit

EMAIL_REQUIRED = DataRequired("Indiquez votre adresse e-mail.")
EMAIL_FORMAT = Email(
    "Indiquez une adresse e-mail valide, par exemple nom@exemple.fr.", check_deliverability=False
)
EMAIL_LENGTH = Length(max=254, message="L'adresse e-mail ne doit pas dépasser 254 caractères.")
PASSWORD_HINT = (
    f"Au moins {PASSWORD_MIN_LENGTH} caractères mêlant minuscules, majuscules, chiffres ou symboles, "
    "ou une phrase de passe d'au moins 16 caractères."
)


def _email(label: str = "Adresse e-mail") -> EmailField:
    return EmailField(label, validators=[EMAIL_REQUIRED, EMAIL_LENGTH, EMAIL_FORMAT],
                      render_kw={"autocomplete": "email", "spellcheck": "false"})


def _new_password(label: str = "Mot de passe") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Choisissez un mot de passe."),
            Length(max=PASSWORD_MAX_LENGTH, message=f"Au plus {PASSWORD_MAX_LENGTH} caractères."),
        ],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )


def _confirm(target: str) -> PasswordField:
    return PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired("Confirmez le mot de passe."),
                    EqualTo(target, "Les deux mots de passe ne sont pas identiques.")],
        render_kw={"autocomplete": "new-password"},
    )


def _current_password(label: str = "Mot de passe actuel") -> PasswordField:
    return PasswordField(label, validators=[InputRequired("Indiquez votre mot de passe."),
                                            Length(max=PASSWORD_MAX_LENGTH)],
                         render_kw={"autocomplete": "current-password"})


class SignupForm(BaseForm):
    """Create an account. Two bot checks ride along (budgetcitoyen/ratelimit/web.py): a trap field that
    people never see and scripts fill, and a signed stamp of when the form was shown."""

    email = _email()
    password = _new_password()
    password_confirm = _confirm("password")
    # Named like a field scripts like to fill; hidden from sight and from assistive technologies,
    # out of the tab order and of autofill. Its label still tells anyone who reaches it what to do.
    site_web = StringField(
        "Laissez ce champ vide : il sert à repérer les inscriptions automatiques",
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )
    stamp = HiddenField()
    submit = SubmitField("Créer mon compte")

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the bot checks: a refusal is one neutral form error, its reason is logged.
        What they refuse is not counted against the people sharing the address (the rate limit
        comes after)."""
        if not super().validate(extra_validators):
            return False
        try:
            ratelimit.check_signup(self.stamp.data, self.site_web.data)
        except ratelimit.FormRefused as error:
            current_app.logger.info("sign-up refused by the bot checks: %s", error.reason)
            self.add_error(None, error.message)
            return False
        return True

    def fresh(self) -> None:
        """Ready to be shown (again): a new stamp, so the fill time counts from this showing."""
        self.stamp.data = ratelimit.signup_stamp()
        self.site_web.data = ""


class LoginForm(BaseForm):
    """Log in."""

    email = _email()
    password = PasswordField("Mot de passe", validators=[InputRequired("Indiquez votre mot de passe."),
                                                         Length(max=PASSWORD_MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Rester connecté sur cet appareil (30 jours)")
    submit = SubmitField("Se connecter")


class EmailOnlyForm(BaseForm):
    """Ask for a link by e-mail (password reset, confirmation again)."""

    email = _email()
    submit = SubmitField("Recevoir le lien")


class ResetPasswordForm(BaseForm):
    """Choose a new password from a reset link."""

    password = _new_password("Nouveau mot de passe")
    password_confirm = _confirm("password")
    submit = SubmitField("Enregistrer le nouveau mot de passe")


class ChangePasswordForm(BaseForm):
    """Change the password from the account page."""

    current_password = _current_password()
    password = _new_password("Nouveau mot de passe")
    password_confirm = _confirm("password")
    submit = SubmitField("Changer le mot de passe")


class ChangeEmailForm(BaseForm):
    """Change the e-mail address (confirmed by a link sent to the new one)."""

    email = _email("Nouvelle adresse e-mail")
    password = _current_password("Mot de passe")
    submit = SubmitField("Changer l'adresse e-mail")


class DeleteAccountForm(BaseForm):
    """Delete the account."""

    password = _current_password("Mot de passe")
    confirm = BooleanField(
        "Je comprends que mes données personnelles seront effacées définitivement",
        validators=[DataRequired("Cochez la case pour confirmer la suppression.")],
    )
    submit = SubmitField("Supprimer définitivement mon compte")


class ConfirmActionForm(BaseForm):
    """A form with only a button (log-out, resend): it exists for its CSRF token."""

    submit = SubmitField("Valider")


class RolesForm(BaseForm):
    """Global roles of one account (back-office)."""

    holder = BooleanField(ROLE_LABELS[Role.HOLDER])
    agent = BooleanField(ROLE_LABELS[Role.AGENT])
    admin = BooleanField(ROLE_LABELS[Role.ADMIN])
    submit = SubmitField("Enregistrer les rôles")

    def fill(self, roles: frozenset[Role]) -> None:
        """Tick the account's roles."""
        self.process(data={r.value: r in roles for r in Role})

    def chosen(self) -> list[Role]:
        """The roles ticked."""
        return [r for r in Role if getattr(self, r.value).data]
