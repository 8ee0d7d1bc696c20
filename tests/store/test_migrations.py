"""Stores made by an older Parity are upgraded in place when opened, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text

from bot.store import Store
from bot.store.schema import SCHEMA_VERSION


def _as_version_1(store: Store) -> None:
    """Undo what migration 2 added, as a store written by version 1 would look."""
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE clock_heartbeat DROP COLUMN stopped_at"))
        conn.execute(text("UPDATE schema_info SET version = 1"))


def test_a_version_1_store_gains_the_heartbeats_stop_time(database_url):
    old = Store.open(database_url)
    _as_version_1(old)
    beat = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    old.close()

    store = Store.open(database_url)
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("clock_heartbeat")}
        assert "stopped_at" in columns
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version FROM schema_info")) == SCHEMA_VERSION
        store.scheduling.beat(beat, beat, "host:1")
        store.scheduling.stopped(beat + timedelta(seconds=2), "host:1")
        assert store.scheduling.heartbeat().exited
        store.scheduling.beat(beat + timedelta(minutes=1), beat, "host:1")
        assert not store.scheduling.heartbeat().exited  # a new beat: running again
    finally:
        store.close()


def test_a_stop_by_another_clock_leaves_the_running_ones_beat_alone(store):
    beat = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    store.scheduling.beat(beat, beat, "host:1")
    store.scheduling.stopped(beat + timedelta(seconds=1), "host:2")
    assert not store.scheduling.heartbeat().exited
