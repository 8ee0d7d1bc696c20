"""AJO's Retries counts a queued send on AJO's day; CJA will count it on the data view's.
Where a time-zone shift was found, the queue moves as the zone step moves Sent: the share
of a day's sends that leaves it takes its share of the day's queued sends along, so the
measured retries of a day the zone moved sends to are read there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile
from bot.reconcile.detectors import CellView
from bot.reconcile.detectors.timezone import TimeShift
from bot.reconcile.offsets import Offsets
from bot.store.calendars import Calendars, SourceCalendar, same_clock
from bot.store.hourly import AjoHours, hour_number

FIRST = date(2026, 10, 10)
DAYS = 45
TODAY = FIRST + timedelta(days=DAYS)  # the hours end at midnight: nothing sent today yet
START = hour_number(datetime(2026, 10, 10))
NAMES = {1: "Welcome Series"}
QUEUED_DAY = DAYS - 3  # three days back: still in AJO's retry queue


def _day_of(zone: str) -> np.ndarray:
    """Per hour since FIRST (UTC), its day number in `zone`."""
    tz = ZoneInfo(zone)
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    moments = (start + timedelta(hours=h) for h in range(DAYS * 24))
    return np.array([(m.astimezone(tz).date() - FIRST).days for m in moments])


def _scenario(seed: int = 5):
    """Sends spread over the day; of the queued day's sends every tenth is still in the
    retry queue (in AJO's Sent, not yet in CJA's). CJA's data view counts days in Los
    Angeles, so the queued sends of that day's first hours belong to its day before."""
    rng = np.random.default_rng(seed)
    sent = rng.poisson(np.tile(np.r_[np.full(8, 60.0), np.full(16, 25.0)], DAYS))
    utc, local = _day_of("UTC"), _day_of("America/Los_Angeles")
    queued = np.where(utc == QUEUED_DAY, sent // 10, 0)
    ajo = np.bincount(utc, sent, DAYS).astype(np.int64)
    cja = np.bincount(np.clip(local, 0, DAYS - 1), sent - queued, DAYS).astype(np.int64)
    retries = np.bincount(utc, queued, DAYS).astype(np.int64)
    days = [FIRST + timedelta(days=i) for i in range(DAYS)]
    rows = [(1, d, "sent", int(a), int(c), 1) for d, a, c in zip(days, ajo, cja, strict=True)]
    rows += [(1, d, "retries", int(r), 0, 0) for d, r in zip(days, retries, strict=True)]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja", "cja_rows"])
    frame = frame.assign(ajo_rows=1).astype({"day": "datetime64[us]"})
    counts = pd.DataFrame(
        [(1, "sent", START + h, int(v)) for h, v in enumerate(sent) if v],
        columns=["journey_key", "metric", "hour", "value"],
    )
    hours = AjoHours(
        counts, np.arange(START, START + DAYS * 24), ((7, datetime(2026, 11, 24, 1, tzinfo=UTC)),)
    )
    early = int(queued[(utc == QUEUED_DAY) & (local == QUEUED_DAY - 1)].sum())
    return frame, hours, early, int(queued.sum())


def _retries_by_day(
    hours: AjoHours | None, frame: pd.DataFrame, end: date = TODAY - timedelta(days=1)
) -> dict[str, int]:
    source = SourceCalendar(
        "cja", "America/Los_Angeles", datetime(2026, 11, 20, 6, tzinfo=UTC), "cja-api",
        same_clock("America/Los_Angeles", "UTC"),
    )  # fmt: skip
    query = Query("reconcile", FIRST + timedelta(days=1), end, ("sent",))
    (result,) = reconcile(
        frame, query, NAMES, TODAY, Settings(today_override=TODAY), None,
        Calendars("UTC", (source,)), hours=hours,
    )  # fmt: skip
    return {row.label: row.causes.get("retries", 0) for row in result.by_day}


def test_queued_sends_the_zone_moves_are_retries_on_the_data_views_day():
    frame, hours, early, queued = _scenario()
    found = _retries_by_day(hours, frame)
    day = str(FIRST + timedelta(days=QUEUED_DAY))
    before = str(FIRST + timedelta(days=QUEUED_DAY - 1))
    assert early > 20  # the first eight hours hold a good share of the queue
    # The day before holds the queued sends of the hours the data view gives it, give or
    # take the rounding of the day's share; the day itself the rest.
    assert abs(found[before] - early) <= 3
    assert abs(found[day] - (queued - early)) <= 3
    assert sum(found.values()) <= queued


def test_the_queue_of_the_day_after_the_range_lands_on_its_last_day():
    frame, hours, early, _ = _scenario()
    before = FIRST + timedelta(days=QUEUED_DAY - 1)
    found = _retries_by_day(hours, frame, end=before)
    assert abs(found[str(before)] - early) <= 3


def test_without_the_hours_the_fitted_share_moves_the_queue():
    frame, _, early, _ = _scenario()
    found = _retries_by_day(None, frame)
    # The share fitted from daily numbers (a steady profile: 8 of 24 hours at over twice
    # the others' rate) moves about as many as the hours say left the day.
    assert abs(found[str(FIRST + timedelta(days=QUEUED_DAY - 1))] - early) <= 5


def test_redated_keeps_what_stays_and_takes_its_share_of_the_neighbours():
    days = np.array(["2026-11-20", "2026-11-21", "2026-11-22"], dtype="datetime64[D]")
    view = CellView(
        journey=np.ones(3, dtype=np.int64), day=days, age=np.array([3, 2, 1]),
        ajo=np.full(3, 100), cja=np.full(3, 100), ajo_rows=np.ones(3), cja_rows=np.ones(3),
        ajo_prev=np.zeros(3), ajo_next=np.zeros(3), sibling_ajo=np.zeros(3),
        sibling_cja=np.zeros(3), own_witness=np.zeros(3),
    )  # fmt: skip
    # Queued: 8 the day before the range, 0, 40, 10 inside it, 20 the day after it.
    queued = np.array([0, 40, 10])
    before, after = np.array([8, 0, 40]), np.array([40, 10, 20])
    leaving = np.array([0.5, 0.25, 0.5])

    def shift(hours: float, arriving) -> TimeShift:
        zone = Offsets("X", "UTC", ((date(2026, 1, 1), hours),))
        return TimeShift(
            amount=np.zeros(3, dtype=np.int64), zone=zone, shares=(0.3,), explained=1.0,
            journeys=(1,), days=(), volume=300, total_gap=0, leaving=leaving,
            arriving=np.array(arriving),
        )  # fmt: skip

    # Behind: each day keeps what does not leave it and gets its share of the next day's,
    # the last one of the day after the range (20).
    assert shift(-7, [0.25, 0.5, 0.5]).redated(view, queued, before, after).tolist() == [
        10, 35, 15,
    ]  # fmt: skip
    # Ahead: a share of the day before's, the first one of the day before the range (8).
    assert shift(3, [0.5, 0.5, 0.25]).redated(view, queued, before, after).tolist() == [
        4, 30, 15,
    ]  # fmt: skip
    unknown = replace(shift(-7, [0.0, 0.0, 0.0]), leaving=None, arriving=None)
    assert unknown.redated(view, queued, before, after).tolist() == queued.tolist()
