"""Stores made by an older Parity are upgraded in place when opened, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text

from bot.store import Store
from bot.store.database import MIGRATIONS
from bot.store.schema import FILL_PERCENT, SCHEMA_VERSION
from tests.builders import frame


def _as_version_1(store: Store) -> None:
    """Undo what migrations 2 and 3 added, as a store written by version 1 would look."""
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE clock_heartbeat DROP COLUMN stopped_at"))
        conn.execute(text("ALTER TABLE snapshots DROP COLUMN timezone"))
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


def _as_version_2(store: Store) -> None:
    """Undo what migration 3 added, as a store written by version 2 would look."""
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE snapshots DROP COLUMN timezone"))
        conn.execute(text("UPDATE schema_info SET version = 2"))


def test_a_version_2_store_gains_the_snapshot_time_zone_and_keeps_its_snapshots(database_url):
    old = Store.open(database_url)
    day = {"source": "cja", "journey": "W", "day": "2026-11-27", "metric": "sent", "value": 4}
    old.save(frame(day), "old.csv")
    _as_version_2(old)
    old.close()

    store = Store.open(database_url)
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("snapshots")}
        with store.engine.connect() as conn:
            version = conn.scalar(text("SELECT version FROM schema_info"))
            kept = conn.execute(text("SELECT origin, timezone FROM snapshots")).all()
        store.save(frame({**day, "day": "2026-11-28"}), "pull", timezone="Asia/Kolkata")
        calendars = store.calendars("UTC")
    finally:
        store.close()

    assert "timezone" in columns
    assert version == SCHEMA_VERSION == max(MIGRATIONS)
    assert [tuple(row) for row in kept] == [("old.csv", None)]  # not said then: never a guess
    assert calendars.of("cja").timezone == "Asia/Kolkata"
    assert calendars.of("cja").same_as_reporting is False


def test_a_version_4_store_gains_provenance_and_keeps_its_snapshots(database_url):
    old = Store.open(database_url)
    day = {"source": "cja", "journey": "W", "day": "2026-11-27", "metric": "sent", "value": 4}
    (kept,) = old.save(frame(day), "old.csv")
    with old.engine.begin() as conn:
        for column in ("file_name", "file_hash", "format", "loaded_by", "slack_user",
                       "slack_channel", "pull", "pull_parameters", "day_count", "dropped_at",
                       "dropped_by"):  # fmt: skip
            conn.execute(text(f"ALTER TABLE snapshots DROP COLUMN {column}"))
        conn.execute(text("UPDATE schema_info SET version = 4"))
    old.close()

    store = Store.open(database_url)
    try:
        columns = {c["name"] for c in inspect(store.engine).get_columns("snapshots")}
        before = store.snapshot(kept.snapshot_id)
        (new,) = store.save(frame({**day, "day": "2026-11-28"}), "new.csv")
        after = store.snapshot(new.snapshot_id)
    finally:
        store.close()
    assert {"file_hash", "loaded_by", "pull_parameters", "dropped_at"} <= columns
    assert (before.origin, before.file_name, before.days) == ("old.csv", None, None)
    assert after.days == 1


def _fill_percents(store: Store) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, array_to_string(reloptions, ',') FROM pg_class "
                "WHERE relname IN ('current_values', 'daily_comparison', 'snapshot_counts') "
                "AND relnamespace = current_schema()::regnamespace"
            )
        )
        return dict(rows.all())


def test_the_tables_a_recapture_updates_leave_room_on_their_pages(postgres_url):
    """PostgreSQL: a new store's updated tables are created with their fill percent, and a
    version 9 store's are set to it (the pages it writes from then on)."""
    expected = {table: f"fillfactor={percent}" for table, percent in FILL_PERCENT.items()}
    old = Store.open(postgres_url)
    created = _fill_percents(old)
    with old.engine.begin() as conn:
        for table in FILL_PERCENT:
            conn.execute(text(f"ALTER TABLE {table} RESET (fillfactor)"))
        conn.execute(text("UPDATE schema_info SET version = 9"))
    assert set(_fill_percents(old).values()) == {None}
    old.close()

    store = Store.open(postgres_url)
    try:
        migrated = _fill_percents(store)
    finally:
        store.close()
    assert created == expected
    assert migrated == expected
