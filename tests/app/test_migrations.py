"""Alembic owns the schema: one head, upgrade from empty works on both engines, no drift from the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from budgetcitoyen.db import make_engine
from budgetcitoyen.migrate import alembic_config
from budgetcitoyen.models import metadata


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A brand-new empty database of the same engine as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"bc_migrations_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_single_head(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "head")
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            assert diff == [], diff
            assert set(inspect(conn).get_table_names()) >= set(metadata.tables)
        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")  # and back up again
    finally:
        engine.dispose()


def test_editions_without_a_questionnaire_get_the_default_one(empty_database_url: str) -> None:
    """Revision 0007: the questionnaire now comes with its edition; older editions that never had one
    (it used to be created when first read) get the default one, and an existing one is left alone."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0006")
    engine = make_engine(empty_database_url)
    editions, axes, questions = (metadata.tables[name] for name in
                                 ("editions", "labelling_axes", "labelling_questions"))
    try:
        with engine.begin() as conn:
            old_editions = _as_of(conn, editions)
            for year in (2025, 2026):
                conn.execute(old_editions.insert().values(id=year - 2024, year=year, title=f"Édition {year}",
                                                          envelope=0, created_at=datetime.now(UTC)))
            conn.execute(axes.insert().values(edition_id=2, position=0, name="Axe maison", weight=1))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            names = conn.execute(select(axes.c.name).where(axes.c.edition_id == 1)
                                 .order_by(axes.c.position)).scalars().all()
            assert len(names) == 7 and names[0] == "Utilité sociale"
            texts = conn.execute(select(questions.c.text, questions.c.level_labels)
                                 .join(axes, questions.c.axis_id == axes.c.id)
                                 .where(axes.c.edition_id == 1)).all()
            assert len(texts) == 14
            assert all(labels == ["Absent", "Émergent", "Partiel", "Affirmé", "Exemplaire"]
                       for _, labels in texts)
            kept = conn.execute(select(axes.c.name).where(axes.c.edition_id == 2)).scalars().all()
            assert kept == ["Axe maison"]
    finally:
        engine.dispose()


def _as_of(connection, table):  # type: ignore[no-untyped-def]
    """The model's table cut to the columns the database has at its current revision: an insert into an
    older schema must leave out the columns later revisions add (their defaults name them)."""
    import sqlalchemy as sa

    present = {column["name"] for column in sa.inspect(connection).get_columns(table.name)}
    return sa.Table(table.name, sa.MetaData(), *(c._copy() for c in table.columns if c.name in present))


def _filled(table, **values):  # type: ignore[no-untyped-def]
    """Values for every required column of `table` (placeholders by type), overridden by `values`."""
    from datetime import date
    from decimal import Decimal

    row = {}
    for column in table.columns:
        if column.nullable or column.primary_key or column.server_default is not None:
            continue
        if column.default is not None and column.default.is_scalar:
            row[column.name] = column.default.arg
            continue
        kind_type = getattr(column.type, "impl", column.type)  # UTCDateTime is a DateTime underneath
        try:
            kind = kind_type.python_type
        except NotImplementedError:
            kind = str
        row[column.name] = (
            datetime.now(UTC) if kind is datetime
            else date(2000, 1, 1) if kind is date
            else False if kind is bool
            else Decimal(1) if kind is Decimal
            else 1 if kind is int
            else [] if kind in (list, dict)
            else "x"
        )
    return {**row, **values}


def test_ballots_are_renumbered_at_random_with_their_choices(empty_database_url: str) -> None:
    """Revision 0009: ballots get random ids and keep their choices; voids are cut to the day; the
    participation counts are taken; attendance lines keep their ids (the journal names them); the rate
    limiter's recent events become counters."""
    import sqlalchemy as sa

    from budgetcitoyen.clock import to_local

    config = alembic_config(empty_database_url)
    command.upgrade(config, "0008")
    engine = make_engine(empty_database_url)
    t = metadata.tables
    events = sa.table("rate_events", sa.column("action"), sa.column("key"), sa.column("at"))
    choices = {f"pub{n}": sorted({1 + n % 3, 1 + (n + 1) % 3}) for n in range(6)}
    try:
        with engine.begin() as conn:
            conn.execute(t["territories"].insert().values(id=1, code="t", name="Territoire"))
            conn.execute(t["communes"].insert().values(_filled(t["communes"], insee_code="62041",
                                                               territory_id=1)))
            conn.execute(t["users"].insert().values(_filled(t["users"], id=1, email="a@example.org")))
            editions = _as_of(conn, t["editions"])
            conn.execute(editions.insert().values(_filled(editions, id=1, year=2026)))
            for n in range(1, 4):
                conn.execute(t["initiatives"].insert().values(_filled(
                    t["initiatives"], id=n, edition_id=1, holder_id=1, territory_id=1, status="labelled")))
            for n, public in enumerate(choices):
                voided = datetime(2026, 9, 12, 14, 23, 5, tzinfo=UTC) if n == 4 else None
                conn.execute(t["ballots"].insert().values(
                    id=n + 1, edition_id=1, public_id=public, receipt_id=f"rec{n}", voter_key=f"k{n}",
                    channel="paper" if n == 5 else "online", territory_id=1, age_band="30-44", version=1,
                    cast_at=datetime(2026, 9, 11, 22, tzinfo=UTC), voided_at=voided,
                    void_reason="Doublon" if voided else None))
                conn.execute(t["ballot_choices"].insert(), [{"ballot_id": n + 1, "initiative_id": i}
                                                            for i in choices[public]])
            for n in (1, 2):
                conn.execute(t["paper_attendances"].insert().values(_filled(
                    t["paper_attendances"], id=n, edition_id=1, commune_code="62041", person_key=f"p{n}",
                    entered_by_id=1)))
            now = datetime.now(UTC)
            conn.execute(events.insert(), [{"action": "ballot", "key": "k", "at": now},
                                           {"action": "ballot", "key": "k", "at": now},
                                           {"action": "login", "key": "k", "at": now - timedelta(days=3)}])
        command.upgrade(config, "head")
        with engine.connect() as conn:
            ballots = conn.execute(select(t["ballots"].c.id, t["ballots"].c.public_id,
                                          t["ballots"].c.voided_at)).all()
            assert len({b.id for b in ballots}) == 6 and all(b.id >= 2**32 for b in ballots)
            kept = {public: sorted(conn.execute(select(t["ballot_choices"].c.initiative_id)
                                                .where(t["ballot_choices"].c.ballot_id == ballot_id))
                                   .scalars())
                    for ballot_id, public, _ in ballots}
            assert kept == choices
            voided = [b.voided_at for b in ballots if b.voided_at is not None]
            assert len(voided) == 1
            assert to_local(voided[0].replace(tzinfo=voided[0].tzinfo or UTC)).time() == datetime.min.time()
            counts = conn.execute(select(t["vote_counts"].c.channel, t["vote_counts"].c.counted,
                                         t["vote_counts"].c.voided)).all()
            assert sorted(tuple(c) for c in counts) == [("online", 4, 1), ("paper", 1, 0)]
            assert sorted(conn.execute(select(t["paper_attendances"].c.id)).scalars()) == [1, 2]
            counters = conn.execute(select(t["rate_counters"].c.action, t["rate_counters"].c.count)).all()
            assert [tuple(c) for c in counters] == [("ballot", 2)]
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    finally:
        engine.dispose()
