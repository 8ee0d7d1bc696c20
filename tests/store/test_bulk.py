"""Bulk appends (bot.store.bulk): what is read back is what was handed over, on each backend,
across statement and COPY batch boundaries, for every column type the writer sends."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from sqlalchemy import select

from bot.store import bulk
from bot.store.schema import current_values


def test_rows_read_back_as_given(store, monkeypatch):
    monkeypatch.setattr(bulk, "_COPY_BATCH", 7)  # several COPY batches, each per metric
    monkeypatch.setattr(bulk, "_SQLITE_BATCH", 9)  # several batches, each with a remainder
    monkeypatch.setattr(bulk, "_SQLITE_ROWS", 4)
    n = 23
    metrics = np.array(["sent", "spam_complaints", "opens", ""], dtype=object)[np.arange(n) % 4]
    days = np.datetime64("1999-12-30") + np.arange(n) * 45
    columns = {
        "metric": metrics,
        "day": days.astype("datetime64[D]"),
        "journey_key": np.arange(n) % 3 + 1,
        "series_id": np.arange(n),
        "value": np.arange(n, dtype=np.int64) * 3_000_000_000 - 5,
    }
    captured = datetime(2026, 11, 29, 6, 30, 15, 123456)
    shared = {"source": "cja", "snapshot_id": 42, "captured_at": captured}
    with store.engine.begin() as conn:
        bulk.insert(conn, current_values, columns, shared)
    with store.engine.connect() as conn:
        stored = conn.execute(select(current_values).order_by(current_values.c.series_id)).all()
    expected = [
        (m, d.astype(date), int(j), int(s), "cja", int(v), 42, captured)
        for m, d, j, s, v in zip(*columns.values(), strict=True)
    ]
    assert [tuple(row) for row in stored] == expected


def test_nothing_to_append(store):
    empty = {
        "metric": np.array([], dtype=object),
        "day": np.array([], dtype="datetime64[D]"),
        "journey_key": np.array([], dtype=np.int64),
        "series_id": np.array([], dtype=np.int64),
        "value": np.array([], dtype=np.int64),
    }
    shared = {"source": "ajo", "snapshot_id": 1, "captured_at": datetime(2026, 11, 29)}
    with store.engine.begin() as conn:
        bulk.insert(conn, current_values, empty, shared)
    with store.engine.connect() as conn:
        assert conn.execute(select(current_values)).all() == []
