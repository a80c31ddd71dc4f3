"""Flask-Login and CSRF protection."""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import joinedload

from budgetcitoyen.accounts import sessions
from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import now_utc
from budgetcitoyen.db import get_session
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.services import current_edition_id, remember_current_edition

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


@functools.cache
def _user_with_edition() -> Any:
    # Built once per process (the session's digest and date are parameters): every signed-in request
    # runs it (issue #14).
    return (sessions.user_statement().add_columns(Edition)
            .outerjoin(Edition, Edition.id == current_edition_id())
            .options(joinedload(User.roles), joinedload(Edition.phases)))


@login_manager.user_loader
def load_user(session_token: str) -> Any:
    """The cookies name a device session (accounts/sessions.py): an ended or unknown one loads nobody.
    One statement for the account, its roles and the current edition with its calendar, which nearly
    every signed-in page needs next (editions.services.current_edition then answers from memory)."""
    params = sessions.user_params(session_token, now_utc().date())
    if params is None:
        return None
    session = get_session()
    row = session.execute(_user_with_edition(), params).unique().first()
    if row is None:
        return None
    remember_current_edition(session, row[1])
    sessions.attach(row[0], session_token)
    return row[0]
