"""Dropping a snapshot restores, key by key, the value of the capture before it; undoing
the drop puts it back. Whole answers are compared, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.answers.service import Parity
from bot.config import Settings
from bot.errors import BadInput
from bot.query import Query
from bot.store import Store
from bot.store.schema import current_values
from bot.timing import Clock
from tests.builders import frame

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
JOURNEYS = ("Welcome Series", "Win-back")


def _rows(source, captured, days, scale, metrics=("sent", "delivered")):
    return [
        {"source": source, "captured_at": captured, "journey": journey, "metric": metric,
         "day": f"2026-11-{day:02d}", "value": int(scale * (1000 + 37 * day + 11 * n))}
        for n, journey in enumerate(JOURNEYS)
        for metric in metrics
        for day in days
    ]  # fmt: skip


# A: both products, Nov 5-20. B: a later AJO capture that re-states Nov 15-20 and adds
# Nov 21-22, which A never had.
A = frame(*_rows("ajo", "2026-11-21T08:00:00Z", range(5, 21), 1.0),
          *_rows("cja", "2026-11-21T08:00:00Z", range(5, 21), 0.98))  # fmt: skip
B = frame(*_rows("ajo", "2026-11-28T08:00:00Z", range(15, 23), 1.03))
# C: an AJO capture after B that re-states Nov 19-22 again.
C = frame(*_rows("ajo", "2026-11-29T08:00:00Z", range(19, 23), 1.05))

QUERIES = (
    Query("reconcile", date(2026, 10, 31), TODAY),
    Query("reconcile", date(2026, 11, 14), date(2026, 11, 22), ("sent",), breakdown="journey"),
    Query("safe_range", date(2026, 11, 1), TODAY, ("delivered",), ("Win-back",)),
)


def _answers(store) -> list[dict]:
    """Every query's whole JSON answer, from a fresh Parity (no cache carried over)."""
    parity = Parity(store, Settings(today_override=TODAY), Clock.fixed(NOW).pinned(TODAY))
    return [parity.answer(query, TODAY).to_dict() for query in QUERIES]


def _current(store) -> set[tuple]:
    with store.engine.connect() as conn:
        return {tuple(row) for row in conn.execute(select(current_values))}


def test_drop_restores_the_answers_before_it_and_undo_brings_them_back(store):
    a, _ = store.save(A, "a.csv")
    after_a, current_a = _answers(store), _current(store)
    (b,) = store.save(B, "b.csv")
    after_b, current_b = _answers(store), _current(store)
    assert after_b != after_a  # B changed the numbers

    dropped = store.drop_snapshot(b.snapshot_id, "U2")
    assert (dropped.dropped_by, dropped.dropped) == ("U2", True)
    assert _current(store) == current_a
    assert _answers(store) == after_a

    restored = store.undo_drop(b.snapshot_id, "U3")
    assert restored.dropped is False
    assert _current(store) == current_b
    assert _answers(store) == after_b
    assert [(e.action, e.by) for e in store.drop_history(b.snapshot_id)] == [
        ("drop", "U2"),
        ("undo", "U3"),
    ]
    assert store.snapshot(a.snapshot_id).dropped is False


def test_dropping_a_snapshot_a_later_one_replaced_keeps_the_later_values(store):
    store.save(A, "a.csv")
    (b,) = store.save(B, "b.csv")
    store.save(C, "c.csv")
    with_c = _answers(store)
    store.drop_snapshot(b.snapshot_id, "U2")
    # Nov 19-22 stay C's; Nov 15-18 go back to A's: what A then C alone would give.
    dropped = _answers(store)
    assert dropped != with_c
    store.undo_drop(b.snapshot_id, "U2")
    assert _answers(store) == with_c


def test_drop_equals_never_having_loaded_it_even_in_the_middle(store, database_url, tmp_path):
    """A, B, C loaded, B dropped: the same answers as a store that only ever had A and C."""
    store.save(A, "a.csv")
    (b,) = store.save(B, "b.csv")
    store.save(C, "c.csv")
    store.drop_snapshot(b.snapshot_id, "U2")
    other = Store.open(f"sqlite:///{tmp_path / 'a-and-c.db'}")
    try:
        other.save(A, "a.csv")
        other.save(C, "c.csv")
        expected = _answers(other)
    finally:
        other.close()
    assert _without_sources(_answers(store)) == _without_sources(expected)


def _without_sources(answers: list[dict]) -> list[dict]:
    """Snapshot ids differ between two stores; everything else must not."""
    return [{k: v for k, v in answer.items() if k != "sources"} for answer in answers]


def test_a_new_key_only_the_dropped_snapshot_had_leaves_the_answers(store):
    store.save(A, "a.csv")
    (b,) = store.save(B, "b.csv")
    store.drop_snapshot(b.snapshot_id, "U2")
    days = {row[1] for row in _current(store)}
    assert date(2026, 11, 21) not in days
    assert date(2026, 11, 20) in days


def test_a_drop_moves_the_version_so_cached_answers_are_not_served(store):
    a, _ = store.save(A, "a.csv")
    before = store.version()
    store.drop_snapshot(a.snapshot_id, "U2")
    assert store.version() != before
    dropped = store.version()
    store.undo_drop(a.snapshot_id, "U2")
    assert store.version() not in (before, dropped)


def test_unknown_or_repeated_drops_are_refused(store):
    a, _ = store.save(A, "a.csv")
    with pytest.raises(BadInput, match="no snapshot #99"):
        store.drop_snapshot(99, "U2")
    with pytest.raises(BadInput, match="is not dropped"):
        store.undo_drop(a.snapshot_id, "U2")
    store.drop_snapshot(a.snapshot_id, "U2")
    with pytest.raises(BadInput, match="already dropped"):
        store.drop_snapshot(a.snapshot_id, "U2")
    assert {row[4] for row in _current(store)} == {"cja"}  # AJO's only snapshot is gone
    assert [(o.source, o.snapshots) for o in store.overview()] == [("ajo", 0), ("cja", 1)]


def test_last_captured_is_the_latest_kept_snapshot_of_the_source(store):
    assert store.last_captured("ajo") is None
    store.save(A, "a.csv")
    (b,) = store.save(B, "b.csv")
    assert store.last_captured("ajo") == datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert store.last_captured("cja") == datetime(2026, 11, 21, 8, tzinfo=UTC)
    store.drop_snapshot(b.snapshot_id, "U2")  # a dropped capture no longer counts
    assert store.last_captured("ajo") == datetime(2026, 11, 21, 8, tzinfo=UTC)
