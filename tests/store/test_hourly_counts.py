"""AJO's hourly counts are kept with their pull's snapshot, replaced by a later pull's,
left out while its snapshot is dropped, and never half-stored, on both backends."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from bot.store import Store, bulk, hourly
from bot.store.hourly import PulledHours, hour_number
from bot.store.schema import SCHEMA_VERSION, hourly_counts, hourly_spans, snapshots
from tests.builders import frame

DAY = date(2026, 11, 27)


def _daily(value: int, captured: str = "2026-11-29T14:00:00Z"):
    return frame(
        {"source": "ajo", "day": "2026-11-27", "value": value, "action": "",
         "captured_at": captured},
    )  # fmt: skip


def _hours(*rows: tuple[str, str, str, int], first="2026-11-27 00:00", end="2026-11-28 00:00"):
    """Rows (journey, channel, UTC hour, sent)."""
    table = pd.DataFrame(
        [
            {"journey": j, "journey_id": "", "channel": c, "metric": "sent",
             "utc_hour": pd.Timestamp(h), "value": v}
            for j, c, h, v in rows
        ],
    )  # fmt: skip
    return PulledHours(table, datetime.fromisoformat(first), datetime.fromisoformat(end))


def _read(store: Store) -> dict[tuple[str, str], int]:
    found = store.ajo_hours(DAY, DAY)
    names = store.journey_names()
    if found is None:
        return {}
    return {
        (names[k], str(pd.Timestamp(h * 3600, unit="s"))): v
        for k, h, v in zip(
            found.counts["journey_key"], found.counts["hour"], found.counts["value"], strict=True
        )
    }


def test_a_pulls_hours_are_read_back_per_journey_summed_over_channels(store):
    store.save(
        _daily(10),
        "AEP Query Service",
        hours=_hours(
            ("Welcome Series", "email", "2026-11-27 05:00", 4),
            ("Welcome Series", "sms", "2026-11-27 05:00", 1),
            ("Welcome Series", "email", "2026-11-27 22:00", 5),
        ),
    )

    assert _read(store) == {
        ("Welcome Series", "2026-11-27 05:00:00"): 5,
        ("Welcome Series", "2026-11-27 22:00:00"): 5,
    }
    found = store.ajo_hours(DAY, DAY)
    first = hour_number(datetime(2026, 11, 27))
    assert found.covered.tolist() == list(range(first, first + 24))
    assert found.covers([first, first + 20], [first + 24, first + 25]).tolist() == [True, False]
    assert found.pulls[0][1] == datetime.fromisoformat("2026-11-29T14:00:00+00:00")


def test_a_later_pull_replaces_the_hours_it_counted_for_every_journey(store):
    store.save(
        _daily(10),
        "AEP Query Service",
        hours=_hours(
            ("Welcome Series", "email", "2026-11-27 05:00", 4),
            ("Win-back", "email", "2026-11-27 06:00", 2),
            ("Welcome Series", "email", "2026-11-27 22:00", 6),
        ),
    )
    store.save(
        _daily(11, "2026-11-30T14:00:00Z"),
        "AEP Query Service",
        hours=_hours(
            ("Welcome Series", "email", "2026-11-27 07:00", 3),
            first="2026-11-27 00:00",
            end="2026-11-27 12:00",
        ),
    )

    assert _read(store) == {
        ("Welcome Series", "2026-11-27 07:00:00"): 3,  # Win-back had none in the new pull
        ("Welcome Series", "2026-11-27 22:00:00"): 6,  # outside the new pull: kept
    }
    assert len(store.ajo_hours(DAY, DAY).pulls) == 2


def test_a_dropped_pull_takes_its_hours_out_and_an_undo_puts_them_back(store):
    store.save(_daily(10), "AEP Query Service",
               hours=_hours(("Welcome Series", "email", "2026-11-27 05:00", 4)))  # fmt: skip
    (later,) = store.save(
        _daily(11, "2026-11-30T14:00:00Z"),
        "AEP Query Service",
        hours=_hours(("Welcome Series", "email", "2026-11-27 06:00", 7),
                     first="2026-11-27 06:00", end="2026-11-27 12:00"),
    )  # fmt: skip
    first = hour_number(datetime(2026, 11, 27))

    store.drop_snapshot(later.snapshot_id, "test")
    found = store.ajo_hours(DAY, DAY)
    # The earlier pull's hours stand where the dropped one did not replace them.
    assert found.covered.tolist() == [*range(first, first + 6), *range(first + 12, first + 24)]
    assert _read(store) == {("Welcome Series", "2026-11-27 05:00:00"): 4}

    store.undo_drop(later.snapshot_id, "test")
    assert _read(store) == {
        ("Welcome Series", "2026-11-27 05:00:00"): 4,
        ("Welcome Series", "2026-11-27 06:00:00"): 7,
    }
    assert len(store.ajo_hours(DAY, DAY).covered) == 24


def test_the_same_numbers_stored_again_keep_their_hours(store):
    hours = _hours(("Welcome Series", "email", "2026-11-27 05:00", 4))
    store.save(_daily(10), "AEP Query Service", hours=hours)
    (again,) = store.save(
        _daily(10), "AEP Query Service",
        hours=_hours(("Welcome Series", "email", "2026-11-27 09:00", 4)),
    )  # fmt: skip

    assert again.duplicate
    assert _read(store) == {("Welcome Series", "2026-11-27 05:00:00"): 4}


def test_nothing_is_half_stored_when_writing_the_hours_fails(store, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "insert", fail)
    with pytest.raises(RuntimeError):
        store.save(_daily(10), "AEP Query Service",
                   hours=_hours(("Welcome Series", "email", "2026-11-27 05:00", 4)))  # fmt: skip

    with store.engine.connect() as conn:
        for table in (snapshots, hourly_spans, hourly_counts):
            assert conn.scalar(select(func.count()).select_from(table)) == 0
    assert store.ajo_hours(DAY, DAY) is None


def test_a_store_without_hourly_pulls_has_none(store):
    store.save(_daily(10), "export.csv")
    assert store.ajo_hours(DAY, DAY) is None


def test_a_version_7_store_gains_the_hourly_tables(database_url):
    old = Store.open(database_url)
    old.save(_daily(10), "export.csv")
    with old.engine.begin() as conn:
        conn.execute(text("DROP TABLE hourly_counts"))
        conn.execute(text("DROP TABLE hourly_spans"))
        conn.execute(text("UPDATE schema_info SET version = 7"))
    old.close()

    store = Store.open(database_url)
    try:
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT version FROM schema_info")) == SCHEMA_VERSION
        assert len(store.comparison(DAY, DAY)) == 1
        store.save(_daily(11, "2026-11-30T14:00:00Z"), "AEP Query Service",
                   hours=_hours(("Welcome Series", "email", "2026-11-27 05:00", 4)))  # fmt: skip
        assert _read(store) == {("Welcome Series", "2026-11-27 05:00:00"): 4}
    finally:
        store.close()


def test_hour_numbers_count_from_1970_utc():
    assert hour_number(datetime(1970, 1, 2, 3, 59)) == 27
    stamps = pd.Series([pd.Timestamp("1970-01-01 05:00")]).to_numpy()
    assert hourly.hour_number(stamps).tolist() == [5]
