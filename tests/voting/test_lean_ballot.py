"""A ballot costs a handful of SQL statements (issue #14): counted with a `before_cursor_execute` listener on
the app's engine around one `POST /vote/bulletin` (the confirmation that records it), first ballot and change
of vote, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.mail import decode_context
from budgetcitoyen.mail.models import OutboxMail
from budgetcitoyen.ratelimit.models import RateCounter
from budgetcitoyen.voting.models import Ballot, BallotChoice, VoteCount
from tests.conftest import body_of
from tests.helpers import csrf_token, review_token, text_of

# The whole request on PostgreSQL: the account, its roles and the current edition with its calendar (one
# statement), the voter's identity with its commune (one), the ballot (one: whether each choice is on the
# voter's ballot and no paper ballot of the person counts, the upsert, and for a first ballot its count and
# its choices), a change's choices (one, changes only), the rate limiter's count, in the ballot's own
# transaction (one), and the receipt in the mail queue, stored to be rendered by the worker (one). SQLite
# runs the checks, the upsert, the count or the old choices' delete and the choices apart, and the
# limiter reads apart from its upsert.
CEILING = {"postgresql": {"first": 5, "change": 6}, "sqlite": {"first": 9, "change": 9}}
# Transaction control the engines send through the cursor (SQLite's BEGIN IMMEDIATE, savepoints): not work.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = app.extensions["db_engine"]

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(" ".join(statement.split())[:160])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def post_ballot(client: FlaskClient, token: str, choices: list[int], relu: str):  # type: ignore[no-untyped-def]
    """The confirmation of a reviewed ballot: the request that records it."""
    return client.post("/vote/bulletin", data={
        "csrf_token": token, "choix": [str(c) for c in choices], "relu": relu, "confirmer": "1"})


def test_a_ballot_takes_few_statements_and_none_for_templates(
    app: Flask, login_as, make_voter, vote_edition, on_ballot, db_session
) -> None:
    client = login_as(make_voter())
    token = csrf_token(client, "/vote")
    # The review step before each (tests/voting/test_review.py) writes nothing and is not counted here.
    relu = review_token(client, token, [i.id for i in on_ballot[:3]])
    with statements(app) as first:
        answer = post_ballot(client, token, [i.id for i in on_ballot[:3]], relu)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    relu = review_token(client, token, [i.id for i in on_ballot[2:5]])
    with statements(app) as change:
        answer = post_ballot(client, token, [i.id for i in on_ballot[2:5]], relu)
    assert answer.status_code == 302
    ballot = db_session.scalar(select(Ballot))
    assert ballot.version == 2 and sorted(c.initiative_id for c in ballot.choices) == \
        sorted(i.id for i in on_ballot[2:5])
    ceiling = CEILING[db_session.get_bind().dialect.name]
    for kind, seen in (("first", first), ("change", change)):
        assert len(seen) <= ceiling[kind], "\n".join(seen)
        # A redirect renders nothing: no committee seat or template context is looked up.
        assert not any("committee" in s for s in seen), "\n".join(seen)
        # The receipt is queued before the count: the count's rows (one per address, shared by every
        # voter of a town hall) stay locked from it to the commit only.
        outbox = next(n for n, s in enumerate(seen) if "INTO mail_outbox" in s)
        counter = max(n for n, s in enumerate(seen) if "rate_counters" in s)
        assert outbox < counter, "\n".join(seen)


def test_the_receipt_is_queued_unrendered_and_names_no_choice(
    app: Flask, login_as, make_voter, vote_edition, on_ballot, db_session, smtp
) -> None:
    client = login_as(make_voter(email="votante@example.org"))
    token = csrf_token(client, "/vote")
    chosen = [i.id for i in on_ballot[:3]]
    assert post_ballot(client, token, chosen, review_token(client, token, chosen)).status_code == 302
    row = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "ballot_receipt")).one()
    # The request rendered nothing; the queue holds what the message will say, and no more.
    assert row.message is None
    context = decode_context(row.context)
    assert set(context) - {"_base_url"} == {"year", "code", "cast_at", "changed", "link"}
    assert context["year"] == vote_edition.year and context["changed"] is False
    for initiative in on_ballot:
        assert initiative.title not in row.context
    assert context["cast_at"].hour == 0  # the day, not the instant
    body = body_of(smtp.last_to("votante@example.org"))
    assert context["code"] in body and f"Budget citoyen {vote_edition.year}" in body


def test_the_ballot_is_counted_in_its_own_transaction_and_a_refused_one_is_not(
    app: Flask, login_as, make_voter, vote_edition, on_ballot, db_session
) -> None:
    client = login_as(make_voter())
    token = csrf_token(client, "/vote")
    chosen = [i.id for i in on_ballot[:3]]
    assert post_ballot(client, token, chosen, review_token(client, token, chosen)).status_code == 302
    # One count per dimension (address, account), committed with the ballot.
    assert db_session.scalars(select(RateCounter.count).where(RateCounter.action == "ballot")).all() == [1, 1]
    db_session.execute(update(Ballot).values(voided_at=Ballot.cast_at, void_reason="Doublon"))
    db_session.commit()
    refused = post_ballot(client, token, chosen, review_token(client, token, chosen))
    assert refused.status_code == 403 and "annulé" in refused.get_data(as_text=True)
    db_session.expire_all()
    # The refusal wrote nothing, its count included.
    assert db_session.scalars(select(RateCounter.count).where(RateCounter.action == "ballot")).all() == [1, 1]


def test_a_choice_that_left_the_ballot_is_refused_with_its_message_and_writes_nothing(
    app: Flask, login_as, make_voter, vote_edition, on_ballot, db_session
) -> None:
    """An initiative withdrawn from the vote between the review and the confirmation: on PostgreSQL the
    ballot's own statement checks the choices and writes nothing; then the usual checks give their message."""
    client = login_as(make_voter())
    token = csrf_token(client, "/vote")
    chosen = [i.id for i in on_ballot[:3]]
    relu = review_token(client, token, chosen)
    db_session.execute(update(Initiative).where(Initiative.id == chosen[2]).values(status="abandoned"))
    db_session.commit()
    refused = post_ballot(client, token, chosen, relu)
    assert refused.status_code == 400 and "n'est pas soumise au vote" in text_of(refused)
    db_session.expire_all()
    assert db_session.scalars(select(Ballot)).all() == []
    assert db_session.scalars(select(BallotChoice)).all() == []
    assert db_session.scalars(select(VoteCount)).all() == []
    assert db_session.scalars(select(RateCounter).where(RateCounter.action == "ballot")).all() == []
