"""Flask-Login and CSRF protection."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from budgetcitoyen.accounts import sessions
from budgetcitoyen.clock import now_utc
from budgetcitoyen.db import get_session

login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register log-in handling and CSRF on every POST."""
    # Built-in WTForms messages in French (our own validators already carry French text).
    app.config.setdefault("WTF_I18N_ENABLED", False)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)


@login_manager.user_loader
def load_user(session_token: str) -> Any:
    """The cookies name a device session (accounts/sessions.py): an ended or unknown one loads nobody."""
    return sessions.load(get_session(), session_token, now_utc().date())
