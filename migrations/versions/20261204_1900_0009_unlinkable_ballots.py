"""unlinkable ballots: random ballot and attendance ids, rate counters per time slice, vote counts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:00:00

- `ballots.id` becomes a random 63-bit integer (BIGINT on PostgreSQL; INTEGER, the rowid, on SQLite): the
  existing ballots are renumbered at random, their choices follow; on PostgreSQL both tables are then
  rewritten in the new id order (CLUSTER), so neither the row order nor the rows' transaction ids keep the
  casting order.
- `paper_attendances.id` takes random ids from now on. Existing lines keep theirs: the append-only journal
  names them, and their order is the one their `entered_at` (an agent's typing time) shows anyway.
- `rate_events` (one row per action, to the second) gives way to `rate_counters` (a count per slice of a
  sixtieth of the window); the events of the last day are folded into the new counters.
- `vote_counts` holds the participation figures, counted from the ballots here and kept by every ballot.
- `ballots.voided_at` is cut to the day like `cast_at`.
- On SQLite `ballot_choices` is stored WITHOUT ROWID (in key order, not insertion order).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import budgetcitoyen.db
from budgetcitoyen.clock import local_midnight, to_local

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LOW = 2**32  # budgetcitoyen.db.RANDOM_ID_LOW, repeated: a migration does not follow later code


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _renumber_ballots(bind: sa.Connection) -> None:
    old_ids = list(bind.execute(sa.text("SELECT id FROM ballots")).scalars())
    if not old_ids:
        return
    rng = secrets.SystemRandom()
    taken: set[int] = set()
    pairs = []
    for old in old_ids:
        new = rng.randrange(LOW, 2**63)
        while new in taken:  # pragma: no cover - one chance in billions
            new = rng.randrange(LOW, 2**63)
        taken.add(new)
        pairs.append({"old": old, "new": new})
    op.create_table(
        "renumbered_ballots",
        sa.Column("old", sa.BigInteger(), primary_key=True),
        sa.Column("new", sa.BigInteger(), nullable=False),
    )
    mapping = sa.table("renumbered_ballots", sa.column("old"), sa.column("new"))
    op.bulk_insert(mapping, pairs)
    # New ids are all >= 2**32 and old ones are small: no update ever meets a row with the id it writes.
    bind.execute(sa.text(
        "UPDATE ballots SET id = (SELECT new FROM renumbered_ballots WHERE old = ballots.id)"
    ))
    bind.execute(sa.text(
        "UPDATE ballot_choices SET ballot_id = "
        "(SELECT new FROM renumbered_ballots WHERE old = ballot_choices.ballot_id)"
    ))
    op.drop_table("renumbered_ballots")


def _to_day(value: datetime) -> datetime:
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return local_midnight(to_local(value).date())


def _voided_to_the_day(bind: sa.Connection) -> None:
    rows = bind.execute(sa.text("SELECT id, voided_at FROM ballots WHERE voided_at IS NOT NULL")).all()
    for ballot_id, voided_at in rows:
        if isinstance(voided_at, str):  # SQLite without the model's type
            voided_at = datetime.fromisoformat(voided_at)
        day = _to_day(voided_at)
        if bind.dialect.name == "sqlite":
            day = day.replace(tzinfo=None)
        bind.execute(sa.text("UPDATE ballots SET voided_at = :day WHERE id = :id"), {"day": day, "id": ballot_id})


def _count_votes(bind: sa.Connection) -> None:
    bind.execute(sa.text(
        "INSERT INTO vote_counts (edition_id, territory_id, channel, age_band, counted, voided) "
        "SELECT edition_id, territory_id, channel, age_band, "
        "SUM(CASE WHEN voided_at IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN voided_at IS NULL THEN 0 ELSE 1 END) "
        "FROM ballots GROUP BY edition_id, territory_id, channel, age_band"
    ))


def _fold_rate_events(bind: sa.Connection) -> None:
    """Yesterday's and today's events become counters (slices of 10 s: the shortest default window's)."""
    since = datetime.now(UTC) - timedelta(days=1)
    if bind.dialect.name == "sqlite":
        since = since.replace(tzinfo=None)
    counts: dict[tuple[str, str, int], int] = {}
    for action, key, at in bind.execute(
        sa.text("SELECT action, key, at FROM rate_events WHERE at >= :since"), {"since": since}
    ):
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        seconds = int(at.timestamp())
        cell = (action, key, seconds - seconds % 10)
        counts[cell] = counts.get(cell, 0) + 1
    if counts:
        table = sa.table("rate_counters", sa.column("action"), sa.column("key"), sa.column("step"),
                         sa.column("start"), sa.column("count"))
        op.bulk_insert(table, [{"action": a, "key": k, "step": 10, "start": s, "count": c}
                               for (a, k, s), c in counts.items()])


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "rate_counters",
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 1 AND step >= 1", name=op.f("ck_rate_counters_positive")),
        sa.PrimaryKeyConstraint("action", "key", "step", "start", name=op.f("pk_rate_counters")),
    )
    _fold_rate_events(bind)
    op.drop_index("ix_rate_events_action_key_at", table_name="rate_events")
    op.drop_table("rate_events")

    op.create_table(
        "vote_counts",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("voided", sa.Integer(), nullable=False),
        sa.CheckConstraint("counted >= 0 AND voided >= 0", name=op.f("ck_vote_counts_not_negative")),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_vote_counts_edition_id_editions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territories.id"], name=op.f("fk_vote_counts_territory_id_territories")
        ),
        sa.PrimaryKeyConstraint("edition_id", "territory_id", "channel", "age_band", name=op.f("pk_vote_counts")),
    )

    if _postgres():
        op.drop_constraint("fk_ballot_choices_ballot_id_ballots", "ballot_choices", type_="foreignkey")
        for table in ("ballots", "paper_attendances"):
            op.alter_column(table, "id", type_=sa.BigInteger(), server_default=None)
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
        op.alter_column("ballot_choices", "ballot_id", type_=sa.BigInteger())
    else:
        # SQLite checks foreign keys at once; deferred, they are checked when this transaction commits.
        op.execute("PRAGMA defer_foreign_keys = ON")
    _renumber_ballots(bind)
    if not _postgres():
        # A composite key leaves SQLite a hidden rowid in insertion order, which a plain SELECT follows:
        # the choices are stored again without it, in (random ballot id, initiative) order.
        with op.batch_alter_table("ballot_choices", recreate="always",
                                  table_kwargs={"sqlite_with_rowid": False}) as batch_op:
            batch_op.alter_column("ballot_id", existing_type=sa.Integer(), existing_nullable=False)
    _voided_to_the_day(bind)
    _count_votes(bind)
    if _postgres():
        op.create_foreign_key(
            "fk_ballot_choices_ballot_id_ballots", "ballot_choices", "ballots", ["ballot_id"], ["id"],
            ondelete="CASCADE",
        )
        # Every row rewritten by one transaction (one xmin for all), then stored in random id order.
        op.execute("UPDATE ballots SET version = version")
        op.execute("UPDATE ballot_choices SET initiative_id = initiative_id")
        op.execute("CLUSTER ballots USING pk_ballots")
        op.execute("CLUSTER ballot_choices USING pk_ballot_choices")


def downgrade() -> None:
    # Random ids stay (they fit SQLite's columns; BIGINT stays on PostgreSQL), and new rows are numbered
    # after the largest again, as the older code expects; the rate events and their table come back empty.
    if _postgres():
        for table in ("ballots", "paper_attendances"):
            op.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
            op.execute(f"SELECT setval('{table}_id_seq', COALESCE((SELECT max(id) FROM {table}), 1))")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
    op.drop_table("vote_counts")
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", budgetcitoyen.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    op.create_index("ix_rate_events_action_key_at", "rate_events", ["action", "key", "at"], unique=False)
    op.drop_table("rate_counters")
