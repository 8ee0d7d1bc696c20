"""Engines for SQLite (embedded default) and PostgreSQL, with the schema kept current."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)

from bot.store import comparison, learned
from bot.store.concurrency import BUSY_TIMEOUT_MS, schema_lock
from bot.store.identity import name_key
from bot.store.schema import (
    DROP_COLUMNS,
    FILL_PERCENT,
    MAX_NAME_CHARS,
    PROVENANCE_COLUMNS,
    SCHEMA_VERSION,
    journeys,
    metadata,
    schema_info,
)


def _heartbeat_stopped_at(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE clock_heartbeat ADD COLUMN stopped_at TIMESTAMP"))


def _snapshot_timezone(conn: Connection) -> None:
    """Version 3: snapshots record the time zone their days are in (NULL: not said)."""
    conn.execute(text("ALTER TABLE snapshots ADD COLUMN timezone VARCHAR(64)"))


def _identity_for_every_script(conn: Connection) -> None:
    """Version 4: journey keys keep every script (they kept a-z and 0-9 only, so names in
    Cyrillic or CJK all met at ""), and channels are as long as every other name."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(f"ALTER TABLE series ALTER COLUMN channel TYPE VARCHAR({MAX_NAME_CHARS})")
        )
    for key, name, old in conn.execute(
        select(journeys.c.id, journeys.c.name, journeys.c.name_key)
    ).all():
        if (new := name_key(name)) != old:
            conn.execute(update(journeys).where(journeys.c.id == key).values(name_key=new))


def _snapshot_provenance(conn: Connection) -> None:
    """Version 5: snapshots record where they came from, and whether they were dropped.
    Only missing columns are added: the step is safe to run on any earlier store."""
    present = {column["name"] for column in inspect(conn).get_columns("snapshots")}
    for name, kind in (PROVENANCE_COLUMNS | DROP_COLUMNS).items():
        if name not in present:
            spelled = kind.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE snapshots ADD COLUMN {name} {spelled}"))


def _daily_comparison(conn: Connection) -> None:
    """Version 6: the daily comparison table (created by create_all), filled once from the
    current values; the writer keeps it up to date from then on."""
    comparison.rebuild(conn)


def _settling_moves(conn: Connection) -> None:
    """Version 7: what snapshot history teaches about settling (created by create_all),
    folded once from every stored capture; the writer keeps it up to date from then on."""
    learned.rebuild(conn)


def _hourly_counts(conn: Connection) -> None:
    """Version 8: AJO's hourly counts and the spans pulls counted (both created by
    create_all, empty: earlier pulls stored days only)."""


def _snapshot_day_counts(conn: Connection) -> None:
    """Version 9: snapshot_counts summed per (metric, day, snapshot) (created by
    create_all), filled once; the writer keeps it beside snapshot_counts from then on."""
    comparison.rebuild_day_counts(conn)


def _fill_percent(conn: Connection) -> None:
    """Version 10: PostgreSQL leaves room on the pages of the tables a re-capture updates
    (schema.FILL_PERCENT); pages already written stay as they are."""
    if conn.dialect.name == "postgresql":
        for table, percent in FILL_PERCENT.items():
            conn.execute(text(f"ALTER TABLE {table} SET (fillfactor = {percent})"))


# version -> step that brings a database from version-1 to version. create_all adds new
# tables by itself; steps are for changes to existing ones.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _heartbeat_stopped_at,
    3: _snapshot_timezone,
    4: _identity_for_every_script,
    5: _snapshot_provenance,
    6: _daily_comparison,
    7: _settling_moves,
    8: _hourly_counts,
    9: _snapshot_day_counts,
    10: _fill_percent,
}


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # First: switching a new file to WAL, or opening one while the last process to close it
    # checkpoints, waits for the lock like any other statement.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL lets readers (Slack answers) run while an ingest writes; NORMAL is durable in WAL.
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MB: ingest memory stays bounded
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _switch_to_wal(cursor) -> None:
    """Put the file in WAL mode, waiting for a process that holds a new file mid-switch.

    SQLite answers "database is locked" to a journal-mode change at once, without its busy
    timeout, when another process opening the same new file holds it: retry for as long as
    that timeout, as any other statement would wait.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def connect(url: str) -> Engine:
    """An engine for `url`, with the schema created or upgraded."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    upgrade(engine)
    return engine


def upgrade(engine: Engine) -> None:
    """Create missing tables and run pending migrations, in one transaction.

    Processes starting together on a new database (web, clock, an ingest) take turns under
    the schema lock: the first creates, the others find the tables there. A store already
    current is left without taking the lock, so a start never waits on a long ingest.
    """
    if _is_current(engine):
        return
    with engine.begin() as conn:
        schema_lock(conn)
        metadata.create_all(conn)
        version = conn.scalar(select(schema_info.c.version).where(schema_info.c.id == 1))
        if version is None:
            conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
            return
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        if version < SCHEMA_VERSION:
            conn.execute(update(schema_info).values(version=SCHEMA_VERSION))


def _is_current(engine: Engine) -> bool:
    """Every table there and no migration pending (read without a lock)."""
    with engine.connect() as conn:
        if not set(metadata.tables) <= set(inspect(conn).get_table_names()):
            return False
        return conn.scalar(select(schema_info.c.version)) == SCHEMA_VERSION
