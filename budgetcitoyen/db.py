"""Database plumbing: declarative base, engine, and one session per request (rolled back on error)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from budgetcitoyen.textsearch import fold

# A fixed naming convention makes constraint names identical on SQLite and PostgreSQL,
# which Alembic's batch mode on SQLite needs in order to drop or alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine: SQLite keeps no offset (stripped on write, restored on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Identifiers of rows whose order must tell nothing (ballots, paper attendance lines): random 63-bit
# integers. On SQLite the column must be spelled INTEGER to be the table's rowid (a BIGINT primary key
# would leave a hidden sequential rowid next to it, and rows would be stored in casting order); on
# PostgreSQL it is a BIGINT. Integers keep ballot_choices and its indexes as compact as before.
RandomId = BigInteger().with_variant(Integer(), "sqlite")
# Never below 2**32: no clash with the sequential ids such tables held before (their migration relies on it).
RANDOM_ID_LOW = 2**32
_system_random = secrets.SystemRandom()


def random_id() -> int:
    """A fresh random row identifier in [2**32, 2**63) (a clash, about 1 in 10**9 per billion rows, fails the
    insert on the primary key like any conflict)."""
    return _system_random.randrange(RANDOM_ID_LOW, 2**63)


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: Numeric(12, 2),
        str: String(255),
    }


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite: foreign keys on, and SQLAlchemy owns transactions (for SAVEPOINTs)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"].setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; the SQLAlchemy docs' recipe:
    # disable it and emit BEGIN ourselves. BEGIN IMMEDIATE takes the write lock up front so
    # two writers queue instead of failing with "database is locked" half-way through.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # The folding searches compare (textsearch.py; PostgreSQL has it as a SQL function).
        dbapi_connection.create_function("bc_fold", 1, fold, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # read-only tooling (tests, reports) must not hold the write lock
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_WROTE = "wrote_in_transaction"


@event.listens_for(Session, "after_flush")
def _remember_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def mark_written(session: Session) -> None:
    """Record a write made without the ORM's flush (Core statements), so has_pending_work sees it."""
    session.info[_WROTE] = True


def has_pending_work(session: Session) -> bool:
    """True when the session's transaction holds changes: unflushed objects or flushed writes."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


def end_read_transaction(session: Session) -> None:
    """End a transaction that only read (its loaded objects are refreshed on next use).

    On SQLite every transaction holds the database's write lock (BEGIN IMMEDIATE), so work that must
    commit on a connection of its own (the rate limiter's counters) first lets go of the request's.
    Refuses a transaction that wrote: that work must never be dropped or committed half-way.
    """
    if not session.in_transaction():
        return
    if has_pending_work(session):
        raise RuntimeError("the request's session holds changes: run this before the use case writes")
    session.rollback()


@contextmanager
def own_transaction(session: Session) -> Iterator[Session]:
    """A short transaction on a connection of its own, committed when the block ends (rolled back if
    it raises): for records that must hold whatever becomes of the request's work, such as the rate
    limiter's counts and failed passwords. On SQLite the request's read transaction is ended first
    (every transaction there holds the write lock), so call this before the request's work writes.
    """
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        end_read_transaction(session)
    with Session(engine) as own, own.begin():
        yield own


def upsert_insert(session: Session, table: Any) -> Any:
    """`INSERT` with `ON CONFLICT` for the session's engine (PostgreSQL and SQLite spell it alike)."""
    return upsert_insert_for(session.get_bind().dialect.name, table)


def upsert_insert_for(dialect: str, table: Any) -> Any:
    """`upsert_insert` for an engine's dialect name, for statements built once per process."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def paginate(session: Session, statement: Select[Any], page: int, size: int) -> tuple[list[Any], int]:
    """One page (numbered from 1) of a query's rows, and how many rows the whole query has."""
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    return list(session.scalars(statement.offset((page - 1) * size).limit(size))), total


def make_sessionmaker(engine: Engine, app: Any = None) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (templates render after the view commits).

    Sessions of an app know it (`session.info["app"]`): mail queued in a command renders with it."""
    return sessionmaker(bind=engine, expire_on_commit=False, info={"app": app} if app is not None else {})


def init_app(app: Any) -> None:
    """Attach the engine and the per-request session lifecycle to the app."""
    from flask import g

    engine = make_engine(app.config["DATABASE_URL"], **app.config.get("ENGINE_OPTIONS", {}))
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = make_sessionmaker(engine, app)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return
        try:
            if exc is not None or session.in_transaction():
                # Anything not committed explicitly by the view is discarded: no half-saved work.
                session.rollback()
        finally:
            session.close()


def get_session() -> Session:
    """The session of the current request (or app context), created on first use."""
    from flask import current_app, g

    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session
