"""The settling history: one aggregated query over every snapshot, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from bot.store import Store
from tests.builders import frame

D1, D2 = "2026-11-20", "2026-11-25"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def _captures(store: Store) -> None:
    """CJA's Sent for two days captured four times; AJO's once (nothing to compare)."""
    captures = {
        "2026-11-21T06:00:00Z": {D1: 900},
        "2026-11-23T06:00:00Z": {D1: 1000},
        "2026-11-26T06:00:00Z": {D1: 1000, D2: 400},
        "2026-11-28T06:00:00Z": {D1: 1000, D2: 500},
    }
    for captured, values in captures.items():
        rows = [
            {"source": "cja", "day": day, "value": value, "captured_at": captured}
            for day, value in values.items()
        ]
        rows.append({"source": "cja", "day": D1, "value": 7, "captured_at": captured,
                     "metric": "opens"})  # fmt: skip
        store.save(frame(*rows), f"cja {captured}")
    store.save(frame({"source": "ajo", "day": D1, "value": 1000}), "ajo.csv")


def _rows(history: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in history.itertuples(index=False)]


def test_values_are_compared_with_their_latest_capture_per_source_metric_and_age(store):
    _captures(store)
    history = store.settling_history(SINCE, 30, ("sent",))
    assert list(history.columns) == [
        "source", "metric", "channel", "age_days", "series", "volume", "change", "abs_change",
        "age_quarters",
    ]  # fmt: skip
    # Captured at 06:00, the second quarter of the day: 1 day and a quarter is 5 quarters.
    assert _rows(history) == [
        ("cja", "sent", "email", 1, 2, 1300, 200, 200, 5),  # D1 900 -> 1000, D2 400 -> 500
        ("cja", "sent", "email", 3, 1, 1000, 0, 0, 13),
        ("cja", "sent", "email", 6, 1, 1000, 0, 0, 25),
    ]
    assert history["age_days"].dtype == "int64"


def test_all_metrics_and_the_age_horizon(store):
    _captures(store)
    history = store.settling_history(SINCE, 5)
    # D1's captures at 6 and 8 days old are beyond the horizon: its latest is at 3 days.
    assert _rows(history) == [
        ("cja", "opens", "email", 1, 1, 7, 0, 0, 5),
        ("cja", "sent", "email", 1, 2, 1300, 200, 200, 5),
    ]


def test_only_snapshots_captured_since_count(store):
    _captures(store)
    later = datetime(2026, 11, 22, tzinfo=UTC)
    assert _rows(store.settling_history(later, 30, ("sent",))) == [
        ("cja", "sent", "email", 1, 1, 400, 100, 100, 5),
        ("cja", "sent", "email", 3, 1, 1000, 0, 0, 13),
        ("cja", "sent", "email", 6, 1, 1000, 0, 0, 25),
    ]


def test_an_empty_store_has_no_history(store):
    history = store.settling_history(SINCE, 30, ("sent",))
    assert history.empty
    assert list(history.columns)[:4] == ["source", "metric", "channel", "age_days"]


def test_series_channels_are_read_per_journey(store):
    """What the safe range reads to tell email journeys from SMS ones: every stored series'
    channel (an AJO export names it, a CJA export often does not)."""
    store.save(frame({"source": "cja", "day": D1, "value": 5, "journey": "Texts",
                      "channel": ""}), "cja.csv")  # fmt: skip
    store.save(frame({"source": "ajo", "day": D1, "value": 5, "journey": "Texts",
                      "channel": "SMS"}), "ajo.csv")  # fmt: skip
    keys = {name: key for key, name in store.journey_names().items()}
    assert sorted(store.series_channels()) == [(keys["Texts"], ""), (keys["Texts"], "SMS")]


def test_ages_in_quarter_days_follow_the_capture_hour(store):
    """Two captures of one day at the same whole-day age, at 02:00 and at 20:00, are a
    quarter day and the last quarter of it: the late-records check reads the share still to
    arrive at the latest capture's own hour (bot.reconcile.arrival). The kept fold (the
    30-day horizon) and the one read at once (any other) agree."""
    captures = {
        "2026-11-22T02:00:00Z": 900,
        "2026-11-22T20:00:00Z": 950,
        "2026-11-28T06:00:00Z": 1000,
    }
    for captured, value in captures.items():
        store.save(frame({"source": "cja", "day": D1, "value": value, "captured_at": captured}),
                   f"cja {captured}")  # fmt: skip
    expected = [
        ("cja", "sent", "email", 2, 1, 900, 100, 100, 8),
        ("cja", "sent", "email", 2, 1, 950, 50, 50, 11),
    ]
    assert _rows(store.settling_history(SINCE, 30, ("sent",))) == expected
    assert _rows(store.settling_history(SINCE, 29, ("sent",))) == expected
