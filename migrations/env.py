"""Alembic environment: the URL comes from the app's settings (passed in by the CLI) or the environment."""

from __future__ import annotations

from alembic import context

from budgetcitoyen.db import make_engine
from budgetcitoyen.models import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: run migrations through `budgetcitoyen db upgrade`")
    return url


def run_migrations_offline() -> None:
    """Emit SQL without a connection (`budgetcitoyen db upgrade --sql`)."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection; batch mode on SQLite, which cannot ALTER most things."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # SQLite alters a table by copying it to a new one and dropping the old: with foreign keys enforced,
    # that DROP deletes the rows of every table referencing it (ON DELETE CASCADE: an edition's categories,
    # axes, initiatives…) or fails. Alembic's advice: enforcement off while migrating (the pragma only
    # works outside a transaction), then every reference checked before it is turned back on.
    guard = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if guard:
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if guard:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
        if connection.in_transaction():
            connection.commit()
    finally:
        if guard:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
