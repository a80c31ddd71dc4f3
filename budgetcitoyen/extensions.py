"""Flask-Login and CSRF protection."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from budgetcitoyen.accounts.models import User
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


@login_manager.user_loader
def load_user(session_id: str) -> Any:
    """The session id is "<user id>:<auth version>": bumping the version logs every session out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    session = get_session()
    # One statement for the account, its roles and the current edition with its calendar, which nearly
    # every signed-in page needs next (editions.services.current_edition then answers from memory).
    row = session.execute(
        select(User, Edition)
        .outerjoin(Edition, Edition.id == current_edition_id())
        .where(User.id == int(user_id))
        .options(joinedload(User.roles), joinedload(Edition.phases))
    ).unique().first()
    user = row[0] if row is not None else None
    if row is not None:
        remember_current_edition(session, row[1])
    if user is None or user.is_deleted or user.auth_version != int(version):
        return None
    return user
