"""Tables: snapshots and their observations (history), the latest value per key, journeys.

`observations` keeps every number of every snapshot, so the history of a day's value can be
read back (how long each source takes to settle). `current_values` holds, per key, the value
of the latest snapshot that has it: the "as of" read the reconciliation runs on, maintained
at ingest so that questions never resolve history at read time.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

# Bump with a new entry in bot.store.database.MIGRATIONS when a table changes.
SCHEMA_VERSION = 1

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(8), nullable=False),
    # UTC, stored without an offset so that SQLite compares them as text correctly.
    Column("captured_at", DateTime, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    Column("origin", String(500), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    UniqueConstraint("source", "content_hash", name="uq_snapshots_content"),
)

journeys = Table(
    "journeys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False),
    # Lower-case words only: "Welcome-Series " and "welcome series" are one journey.
    Column("name_key", String(500), nullable=False, index=True),
    # The products' journey id, when an export carries it; matched before names.
    Column("external_id", String(200), unique=True),
)

observations = Table(
    "observations",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False),
    Column("journey_key", Integer, ForeignKey("journeys.id"), nullable=False),
    Column("action", String(300), nullable=False),
    Column("channel", String(50), nullable=False),
    Column("day", Date, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("value", BigInteger, nullable=False),
    Index("ix_observations_snapshot", "snapshot_id"),
)

current_values = Table(
    "current_values",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("action", String(300), nullable=False),
    Column("channel", String(50), nullable=False),
    Column("source", String(8), nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("snapshot_id", Integer, nullable=False),
    Column("captured_at", DateTime, nullable=False),
    # metric, day first: questions filter on them, and SQLite groups along this order.
    PrimaryKeyConstraint("metric", "day", "journey_key", "action", "channel", "source"),
    sqlite_with_rowid=False,
)

# Slack deliveries already taken on, so a redelivered event is never answered twice.
# A claim without done_at older than the lease is taken over: its first attempt failed.
slack_events = Table(
    "slack_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("claimed_at", DateTime, nullable=False),
    Column("done_at", DateTime),
)

# Answers given in Slack: buttons re-run the stored query, App Home lists the latest.
answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("user_id", String(50), nullable=False),
    Column("channel_id", String(50), nullable=False),
    Column("question", String(2000), nullable=False),
    Column("query", String(4000), nullable=False),  # Query.to_dict() + intent, as JSON
    Column("headline", String(500), nullable=False),
)
