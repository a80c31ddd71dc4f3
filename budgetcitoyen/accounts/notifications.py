"""The mails the account use cases ask for: the links that confirm an address or set a new password."""

from __future__ import annotations

from sqlalchemy.orm import Session

from budgetcitoyen.mail import Link, queue


def confirm_address(session: Session, to: str, token: str, max_age: int) -> None:
    """The link that confirms a new account's address."""
    queue(session, to, "Confirmez votre adresse e-mail", "confirm_email",
          link=Link.to("accounts.confirm", token=token), hours=max_age // 3600)


def confirm_new_address(session: Session, to: str, token: str, max_age: int) -> None:
    """The link, sent to the new address, that switches an account to it."""
    queue(session, to, "Confirmez votre nouvelle adresse e-mail", "change_email",
          link=Link.to("accounts.apply_email_change", token=token), hours=max_age // 3600)


def reset_password(session: Session, to: str, token: str, max_age: int) -> None:
    """The link to choose a new password."""
    queue(session, to, "Réinitialisation de votre mot de passe", "reset_password",
          link=Link.to("accounts.reset_password", token=token), minutes=max_age // 60)


def reset_password_no_account(session: Session, to: str, max_age: int) -> None:
    """The answer to a reset asked for an address no account uses: the same subject, and the same work
    as a real link, so neither the page nor its timing tells whether the address has an account."""
    queue(session, to, "Réinitialisation de votre mot de passe", "reset_password_no_account",
          link=Link.to("accounts.signup"), minutes=max_age // 60)


def no_confirmation_needed(session: Session, to: str, has_account: bool, max_age: int) -> None:
    """The answer to a new confirmation link asked for an address already confirmed, or that no account
    uses: the same subject and the same work as a real link (the page and its timing tell nothing)."""
    queue(session, to, "Confirmez votre adresse e-mail", "no_confirmation_needed", has_account=has_account,
          link=Link.to("accounts.login" if has_account else "accounts.signup"), hours=max_age // 3600)
