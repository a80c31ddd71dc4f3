"""Device sessions that end on the server (no Flask).

Logging in opens a session: a random token, carried by the Flask session cookie and by the "remember
me" cookie (Flask-Login stores `User.get_id()`, which is this token), and a row holding its SHA-256.
Logging out deletes the row: a saved copy of either cookie then loads nobody. A password change (or
a reset, an address change, an erasure) deletes every row of the account, then opens a new one for
the device that made the change. Other devices of the same person keep their own rows, so logging
out on the phone leaves the laptop signed in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Select, String, bindparam, delete, select
from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User, UserSession

# A session older than this is over, whatever its cookies say: the "remember me" cookie lasts 30 days
# (REMEMBER_COOKIE_DURATION), one more day covers a log-in late in the day the row is dated.
LONGEST = timedelta(days=31)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, today: date) -> str:
    """Open a device session for `user`; returns its token, also set on `user` for Flask-Login."""
    token = secrets.token_urlsafe(32)
    # Sessions past their life (of anyone: people who never log out nor come back) are dropped here;
    # the table holds at most a month of log-ins, so the scan stays small.
    session.execute(delete(UserSession).where(UserSession.created_on < today - LONGEST))
    session.add(UserSession(id=_digest(token), user_id=user.id, created_on=today))
    session.flush()
    user.session_token = token  # type: ignore[attr-defined]
    return token


def user_params(token: str, today: date) -> dict[str, Any] | None:
    """The parameters of `user_statement` for a session token (None for a token that cannot be one)."""
    if not token or len(token) > 100:
        return None
    return {"session_digest": _digest(token), "oldest": today - LONGEST}


@functools.cache
def user_statement() -> Select[tuple[User]]:
    """The statement that finds the live account of an open, unexpired session (parameters: `user_params`);
    the app's user loader adds what every page needs next to it (one query). Built once per process: every
    signed-in request runs it, and building a statement costs more in Python than running it."""
    return select(User).join(UserSession, UserSession.user_id == User.id).where(
        UserSession.id == bindparam("session_digest", type_=String),
        UserSession.created_on >= bindparam("oldest", type_=Date),
        User.deleted_at.is_(None),
    )


def attach(user: User, token: str) -> None:
    """Remember on the loaded account which session it came from (logout ends that one)."""
    user.session_token = token  # type: ignore[attr-defined]


def load(session: Session, token: str, today: date) -> User | None:
    """The live account of an open, unexpired session; None for anything else (ended, unknown, old).
    One indexed query per request, the session row and its account together."""
    params = user_params(token, today)
    user = session.scalar(user_statement(), params) if params is not None else None
    if user is not None:
        attach(user, token)
    return user


def end_session(session: Session, token: str) -> None:
    """Log out one device: its session row is deleted (a no-op when it is already gone)."""
    session.execute(delete(UserSession).where(UserSession.id == _digest(token)))


def end_all_sessions(session: Session, user: User) -> None:
    """Log out every device of the account (new password, new address, erasure)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.__dict__.pop("session_token", None)

