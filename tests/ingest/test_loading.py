"""Export files into the store: one transaction per file, also when it is read in chunks."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import func, select

from bot.ingest.loading import _told, load_file
from bot.store.schema import snapshots
from bot.timing import Clock
from tests.ingest.helpers import FIXTURES
from tests.ingest.test_stream import workspace

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
# The big files run 1,000 days from Jan 1, 2026: a store whose today is after them.
LATER = Clock(pinned_today=date(2029, 1, 1))


def snapshot_count(store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(snapshots))


def test_an_export_is_stored_with_its_notes(store):
    loaded = load_file(store, FIXTURES / "workspace_by_day.csv", captured_at=CAPTURED)

    assert loaded.error is None
    assert loaded.format == "CJA Workspace export (CSV)"
    assert loaded.notes == (
        "table 'Welcome Series' (line 10): columns Parity does not use were left out: Open rate",
    )
    (report,) = loaded.reports
    assert (report.source, report.rows, report.journeys) == ("cja", 16, ("Welcome Series",))
    assert (report.first_day, report.last_day) == (date(2026, 11, 25), date(2026, 11, 28))


def test_a_large_file_in_chunks_is_one_capture_in_one_report(store, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.ingest.stream.STREAM_BYTES", 1000)
    monkeypatch.setattr("bot.ingest.stream.BLOCK_BYTES", 16_384)
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000))
    store.clock = LATER

    loaded = load_file(store, path, captured_at=CAPTURED)

    (report,) = loaded.reports
    assert report.rows == 6000
    assert report.journeys == ("J0", "J1", "J2")
    assert report.captured_at == CAPTURED
    assert snapshot_count(store) == 1  # the chunks are one snapshot, not one each
    again = load_file(store, path, captured_at=CAPTURED)
    assert [r.duplicate for r in again.reports] == [True]
    assert again.reports[0].snapshot_id == report.snapshot_id
    assert snapshot_count(store) == 1


def test_a_file_refused_after_some_chunks_stores_nothing(store, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.ingest.stream.STREAM_BYTES", 1000)
    monkeypatch.setattr("bot.ingest.stream.BLOCK_BYTES", 16_384)
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000, cut=True))
    store.clock = LATER

    loaded = load_file(store, path, captured_at=CAPTURED)

    assert loaded.reports == ()
    assert "looks cut short" in loaded.error
    assert loaded.error.startswith(str(path))
    assert snapshot_count(store) == 0


def test_a_bad_file_says_why_and_stores_nothing(store):
    loaded = load_file(store, FIXTURES / "ajo_empty.csv")

    assert loaded.error == (
        f"{FIXTURES / 'ajo_empty.csv'}: the AJO report's widgets by date have no rows"
    )
    assert snapshot_count(store) == 0


def test_days_after_today_are_refused_with_the_day(store, csv_file):
    store.clock = Clock(pinned_today=date(2026, 11, 29))
    path = csv_file("Day,Journey,Sends\n2026-11-29,W,1\n2030-01-01,W,2\n")

    loaded = load_file(store, path, source="cja")

    assert loaded.error == (
        f"{path}: 2030-01-01 is in the future (today is 2026-11-29): check the file's dates "
        "(and --date-order), or leave the day out"
    )
    assert snapshot_count(store) == 0


def test_a_capture_after_tomorrow_is_refused_with_its_time(store, csv_file):
    store.clock = Clock(pinned_today=date(2026, 11, 29))
    path = csv_file("Day,Journey,Sends,Captured at\n2026-11-28,W,1,2027-11-29T06:00:00Z\n")

    loaded = load_file(store, path, source="cja")

    assert loaded.error == (
        f"{path}: captured_at 2027-11-29T06:00:00Z is in the future (today is 2026-11-29): "
        "check the file's capture times, or leave them out"
    )
    assert snapshot_count(store) == 0


def test_a_capture_early_tomorrow_in_utc_is_today_somewhere(store, csv_file):
    store.clock = Clock(pinned_today=date(2026, 11, 29))
    path = csv_file("Day,Journey,Sends,Captured at\n2026-11-28,W,1,2026-11-30T09:00:00Z\n")

    loaded = load_file(store, path, source="cja")

    assert loaded.error is None
    assert snapshot_count(store) == 1


def test_a_report_counts_the_days_stored_not_the_span(store, csv_file):
    path = csv_file("Day,Journey,Sends\n2026-11-01,W,1\n2026-11-28,W,2\n")

    (report,) = load_file(store, path, source="cja").reports

    assert (report.first_day, report.last_day, report.days) == (
        date(2026, 11, 1),
        date(2026, 11, 28),
        2,
    )


def test_loading_a_dropped_snapshots_file_again_says_how_to_bring_it_back(store):
    path = FIXTURES / "workspace_by_day.csv"
    (report,) = load_file(store, path, captured_at=CAPTURED).reports
    store.drop_snapshot(report.snapshot_id, "U1")
    again = load_file(store, path, captured_at=CAPTURED)
    (duplicate,) = again.reports
    assert (duplicate.duplicate, duplicate.snapshot_id) == (True, report.snapshot_id)
    assert again.notes[-1] == (
        f"snapshot #{report.snapshot_id} holds these numbers but was dropped: undo the drop "
        f"(python -m bot snapshots undo {report.snapshot_id}, or Undo drop under "
        "/parity snapshots) to bring them back"
    )
    store.undo_drop(report.snapshot_id, "U1")
    assert len(load_file(store, path, captured_at=CAPTURED).notes) == 1  # the usual note only


def test_progress_is_told_each_chunk_once_it_is_written(store, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.ingest.stream.STREAM_BYTES", 1000)
    monkeypatch.setattr("bot.ingest.stream.BLOCK_BYTES", 16_384)
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000))
    store.clock = LATER
    told = []

    loaded = load_file(store, path, captured_at=CAPTURED, progress=told.append)

    assert loaded.error is None
    assert len(told) > 1  # chunk by chunk, not once at the end
    assert sum(told) == loaded.reports[0].rows == 6000


def test_progress_keeps_no_chunk_while_the_next_is_read():
    """Telling progress a chunk's size must not hold the chunk itself: the writer has let
    it go by the time the next one is parsed, the ingest's memory peak."""
    seen: list[weakref.ref] = []

    def chunks():
        for _ in range(2):
            if seen:
                gc.collect()
                assert seen[-1]() is None, "the previous chunk is still held"
            frame = pd.DataFrame({"value": range(1000)})
            seen.append(weakref.ref(frame))
            yield frame
            del frame

    told = []
    for chunk in _told(chunks(), told.append):
        del chunk
    assert told == [1000, 1000]
