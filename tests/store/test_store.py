"""The snapshot store on a real database: as-of reads, idempotence, journeys, atomicity."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.store import Store, writer
from bot.store.schema import current_values, snapshots, superseded_values
from tests.builders import frame

DAY = "2026-11-20"


def _compare(store: Store, **kwargs):
    result = store.comparison(date(2026, 11, 1), date(2026, 11, 30), **kwargs)
    return result.set_index(["journey_key", "day", "metric"]).sort_index()


def _count(store: Store, table) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def test_sums_both_sources_per_journey_day_and_metric_across_actions(store):
    store.save(
        frame(
            {"source": "ajo", "day": DAY, "value": 100, "action": "Email 1"},
            {"source": "ajo", "day": DAY, "value": 50, "action": "Email 2"},
            {"source": "cja", "day": DAY, "value": 140, "action": "Email 1"},
        ),
        "one.csv",
    )
    result = _compare(store)
    assert len(result) == 1
    row = result.iloc[0]
    assert (row["ajo"], row["cja"], row["ajo_rows"], row["cja_rows"]) == (150, 140, 2, 1)


def test_latest_capture_wins_even_when_ingested_first(store):
    store.save(
        frame({"source": "cja", "day": DAY, "value": 90, "captured_at": "2026-11-25T00:00Z"}),
        "new.csv",
    )
    store.save(
        frame({"source": "cja", "day": DAY, "value": 70, "captured_at": "2026-11-21T00:00Z"}),
        "old.csv",
    )
    assert _compare(store).iloc[0]["cja"] == 90
    store.save(
        frame({"source": "cja", "day": DAY, "value": 95, "captured_at": "2026-11-28T00:00Z"}),
        "newest.csv",
    )
    assert _compare(store).iloc[0]["cja"] == 95
    # Every capture is kept: the latest as the current value, the others as history.
    assert _count(store, current_values) == 1
    assert _count(store, superseded_values) == 2


def test_same_content_twice_is_a_no_op_that_says_so(store):
    data = frame({"source": "ajo", "day": DAY, "value": 5})
    first = store.save(data, "a.csv")
    second = store.save(data.assign(captured_at=data["captured_at"] + pd_hours(3)), "a-again.csv")
    assert [r.duplicate for r in first] == [False]
    assert [r.duplicate for r in second] == [True]
    assert second[0].snapshot_id == first[0].snapshot_id
    assert _count(store, snapshots) == 1


def pd_hours(n: int):
    import pandas as pd

    return pd.Timedelta(hours=n)


def test_file_with_both_sources_becomes_two_snapshots(store):
    reports = store.save(
        frame({"source": "ajo", "day": DAY, "value": 5}, {"source": "cja", "day": DAY, "value": 4}),
        "both.csv",
    )
    assert sorted(r.source for r in reports) == ["ajo", "cja"]
    assert all(r.rows == 1 and r.first_day == date(2026, 11, 20) for r in reports)


def test_journeys_match_by_id_then_by_normalized_name(store):
    store.save(
        frame(
            {
                "source": "ajo",
                "day": DAY,
                "value": 10,
                "journey": "Welcome Series",
                "journey_id": "j1",
            },
            {
                "source": "ajo",
                "day": DAY,
                "value": 20,
                "journey": "Cart Abandon",
                "journey_id": "j2",
            },
        ),
        "ajo.csv",
    )
    store.save(
        frame(
            # Name only, spelled differently: joins j1 by name.
            {"source": "cja", "day": DAY, "value": 9, "journey": " welcome-series"},
            # Same id, renamed in the export: joins j2 by id.
            {
                "source": "cja",
                "day": DAY,
                "value": 19,
                "journey": "Cart Abandon v2",
                "journey_id": "j2",
            },
        ),
        "cja.csv",
    )
    assert sorted(store.journey_names().values()) == ["Cart Abandon", "Welcome Series"]
    result = _compare(store)
    assert sorted(zip(result["ajo"], result["cja"], strict=True)) == [(10, 9), (20, 19)]


def test_name_only_journey_adopts_the_id_seen_later(store):
    store.save(
        frame({"source": "cja", "day": DAY, "value": 9, "journey": "Birthday Email"}), "cja.csv"
    )
    store.save(
        frame(
            {
                "source": "ajo",
                "day": DAY,
                "value": 10,
                "journey": "Birthday Email",
                "journey_id": "j9",
            }
        ),
        "ajo.csv",
    )
    assert list(store.journey_names().values()) == ["Birthday Email"]
    assert _compare(store).iloc[0][["ajo", "cja"]].tolist() == [10, 9]


def test_filters_by_metric_journey_and_dates(store):
    store.save(
        frame(
            {"source": "ajo", "day": "2026-11-20", "value": 1, "metric": "sent"},
            {"source": "ajo", "day": "2026-11-20", "value": 2, "metric": "opens"},
            {"source": "ajo", "day": "2026-10-20", "value": 3, "metric": "sent"},
            {"source": "ajo", "day": "2026-11-21", "value": 4, "journey": "Other"},
        ),
        "f.csv",
    )
    keys = store.journey_keys(["Welcome Series"])
    result = store.comparison(date(2026, 11, 1), date(2026, 11, 30), ("sent",), keys)
    assert result["ajo"].tolist() == [1]


def test_a_failure_midway_stores_nothing(store, monkeypatch):
    calls = []
    original = writer._store_values

    def fail_on_second(conn, *args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(conn, *args)

    monkeypatch.setattr(writer, "_store_values", fail_on_second)
    both = frame(
        {"source": "ajo", "day": DAY, "value": 5}, {"source": "cja", "day": DAY, "value": 4}
    )
    with pytest.raises(RuntimeError):
        store.save(both, "both.csv")
    assert _count(store, snapshots) == 0
    assert _count(store, current_values) == 0
    assert store.journey_names() == {}


def test_overview_counts_snapshots_rows_and_freshness(store):
    store.save(
        frame({"source": "ajo", "day": DAY, "value": 5, "captured_at": "2026-11-28T10:00Z"}),
        "a.csv",
    )
    store.save(frame({"source": "ajo", "day": "2026-11-21", "value": 6}), "b.csv")
    ajo, cja = store.overview()
    assert (ajo.source, ajo.snapshots, ajo.rows, ajo.last_origin) == ("ajo", 2, 2, "b.csv")
    assert ajo.first_day == date(2026, 11, 20)
    assert ajo.last_day == date(2026, 11, 21)
    assert ajo.last_captured_at.isoformat() == "2026-11-29T14:00:00+00:00"
    assert (cja.snapshots, cja.rows, cja.last_captured_at) == (0, 0, None)


def test_reopening_keeps_data_and_schema(database_url):
    first = Store.open(database_url)
    first.save(frame({"source": "ajo", "day": DAY, "value": 5}), "a.csv")
    first.close()
    again = Store.open(database_url)
    assert _count(again, snapshots) == 1
    again.close()


def test_partly_overlapping_capture_replaces_only_what_it_has(store):
    store.save(
        frame(
            {"source": "cja", "day": "2026-11-20", "value": 70, "captured_at": "2026-11-21T00:00Z"},
            {"source": "cja", "day": "2026-11-21", "value": 10, "captured_at": "2026-11-21T00:00Z"},
        ),
        "monday.csv",
    )
    store.save(
        frame(
            {"source": "cja", "day": "2026-11-21", "value": 80, "captured_at": "2026-11-22T00:00Z"},
            {"source": "cja", "day": "2026-11-22", "value": 20, "captured_at": "2026-11-22T00:00Z"},
        ),
        "tuesday.csv",
    )
    result = _compare(store)
    assert result["cja"].tolist() == [70, 80, 20]
    assert _count(store, superseded_values) == 1
