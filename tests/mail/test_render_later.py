"""Mails rendered at send time (issue #14: the ballot's request no longer renders its receipt): stored as a
template's name and a JSON context, rendered by the worker, with the same guarantees as any queued mail
(written with the action's commit, forgotten with its rollback, never lost to a template error)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import select, update

from budgetcitoyen.mail import Link, decode_context, encode_context, queue
from budgetcitoyen.mail.models import OutboxMail
from tests.conftest import SmtpServer, body_of


def queue_later(app: Flask, to: str = "a@example.org", **context: object) -> None:
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        queue(session, to, "Votre code", "confirm_email", render_later=True,
              **({"link": Link.to("accounts.login"), "hours": 48} | context))
        session.commit()


def test_the_context_round_trips_plain_values_dates_and_links() -> None:
    when = datetime(2026, 12, 5, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    context = {"year": 2027, "code": "ABCD-EFGH", "changed": False, "none": None, "ratio": 0.5,
               "cast_at": when, "day": date(2026, 12, 5), "link": Link.to("voting.receipt", code="X"),
               "items": [1, "deux", (3,)], "table": {"a": [Link.to("accounts.login")]}}
    back = decode_context(encode_context(context))
    assert back == context | {"items": [1, "deux", [3]]}
    assert back["cast_at"].utcoffset() == timedelta(hours=1)


def test_a_value_the_worker_could_not_rebuild_is_refused_when_queued(app: Flask) -> None:
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        with pytest.raises(TypeError, match="cannot hold object"):
            queue(session, "a@example.org", "Non", "confirm_email", render_later=True, row=object())
        with pytest.raises(TypeError):
            queue(session, "a@example.org", "Non", "confirm_email", render_later=True, keys={1: "x"})


def test_stored_unrendered_then_sent_rendered_and_kept_as_sent(
    app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://budget.example.org")
    queue_later(app)
    with app.extensions["db_sessionmaker"]() as session:
        row = session.scalars(select(OutboxMail)).one()
        assert row.message is None and decode_context(row.context)["hours"] == 48
    sent = smtp.last_to("a@example.org")
    assert str(sent["Subject"]) == "Votre code"
    assert "https://budget.example.org/connexion" in body_of(sent) and "48" in body_of(sent)
    with app.extensions["db_sessionmaker"]() as session:
        row = session.scalars(select(OutboxMail)).one()
        # Kept (not private): as it was sent, for Gestion → Courriels.
        assert row.status == "sent" and row.context is None and b"budget.example.org/connexion" in row.message


def test_rolled_back_work_leaves_no_mail_to_render(app: Flask, smtp: SmtpServer) -> None:
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        queue(session, "a@example.org", "Annulé", "confirm_email", render_later=True, link="x", hours=1)
        session.rollback()
        session.commit()
    assert smtp.messages == []


def test_a_template_that_fails_fails_the_mail_not_the_batch_and_it_can_be_sent_again(
    app: Flask, smtp: SmtpServer
) -> None:
    queue_later(app, "casse@example.org")
    queue_later(app, "bon@example.org")
    with app.extensions["db_sessionmaker"]() as session:
        session.execute(update(OutboxMail).where(OutboxMail.recipient == "casse@example.org")
                        .values(template="no_such_template"))
        session.commit()
    assert [str(m["To"]) for m in smtp.messages] == ["bon@example.org"]
    with app.extensions["db_sessionmaker"]() as session:
        broken = session.scalars(select(OutboxMail).where(OutboxMail.recipient == "casse@example.org")).one()
        # Still there, unrendered, with its error: nothing is lost.
        assert broken.status == "failed" and broken.message is None
        assert "rendu impossible" in broken.last_error
        broken.template, broken.status, broken.next_attempt_at = "confirm_email", "queued", broken.created_at
        session.commit()
    assert "casse@example.org" in [str(m["To"]) for m in smtp.messages]
