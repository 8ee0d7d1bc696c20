"""Concurrent writers: one snapshot writer at a time, and schema changes made once.

Two ingests, a pull and an upload, or a web and a clock process starting on a new database
may all write at once. What they write must be what a sequential run writes: journeys are
resolved by reading the journeys stored so far, duplicates by reading the snapshots stored
so far, so each writer takes the store's writer lock before it reads them, and holds it
until its transaction ends. Schema creation and migration take their own lock.

PostgreSQL: a transaction-scoped advisory lock (pg_advisory_xact_lock), keyed by the schema
the store lives in, so that stores in other schemas of one database never wait on each
other; commit or rollback releases it, and a writer killed mid-way releases it too.
SQLite: BEGIN IMMEDIATE, which takes the database's write lock before the first read (a
deferred transaction that has read cannot wait for another writer: it fails at once with
'database is locked').
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from bot.errors import BadInput

# How long a writer waits for another one before giving up with a message (an ingest of a
# million rows takes well under a minute on this kind of machine).
WAIT_SECONDS = 300

# What bot.store.database sets on every SQLite connection: readers and short writes wait
# this long for a writer.
BUSY_TIMEOUT_MS = 10_000

_WRITER, _SCHEMA = "parity:writer", "parity:schema"


class StoreBusy(BadInput):
    """Another process held the store for longer than a writer waits."""


def writer_lock(conn: Connection, wait_seconds: int = WAIT_SECONDS) -> None:
    """Hold the store's writer lock until the caller's transaction ends (call it first)."""
    _lock(conn, _WRITER, wait_seconds)


def schema_lock(conn: Connection, wait_seconds: int = WAIT_SECONDS) -> None:
    """Hold the lock under which tables are created and migrations run."""
    _lock(conn, _SCHEMA, wait_seconds)


def _lock(conn: Connection, name: str, wait_seconds: int) -> None:
    try:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL lock_timeout = '{int(wait_seconds)}s'"))
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name), hashtext(current_schema()))"),
                {"name": name},
            )
            conn.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        elif conn.dialect.name == "sqlite":
            _begin_immediate(conn, wait_seconds)
    except OperationalError as error:
        if "lock" not in str(error.orig).lower():
            raise
        raise StoreBusy(
            f"the store is busy: another process has been writing to it for over "
            f"{wait_seconds} s; try again when it is done"
        ) from None


def _begin_immediate(conn: Connection, wait_seconds: int) -> None:
    driver = conn.connection.driver_connection
    if driver.in_transaction:
        return  # this transaction has written already, so it holds the write lock
    cursor = driver.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(wait_seconds) * 1000}")
        cursor.execute("BEGIN IMMEDIATE")
    finally:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def insert_or_skip(conn: Connection, table: Table):
    """An INSERT that leaves a row another writer stored first alone (ON CONFLICT DO NOTHING)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()
