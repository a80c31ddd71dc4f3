"""Alembic owns the schema: one head, upgrade from empty works on both engines, no drift from the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

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
            for year in (2025, 2026):
                conn.execute(editions.insert().values(id=year - 2024, year=year, title=f"Édition {year}",
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
