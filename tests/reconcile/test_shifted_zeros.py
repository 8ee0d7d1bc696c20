"""A day one product reports nothing for, beside a pause, that the data view's time zone
explains: the shift's, not missing data (bot.reconcile.zeros)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import pooled_figures, reconcile

TODAY = date(2026, 11, 29)
FIRST = date(2026, 9, 20)  # ends 10 days before today: every day settled
DAYS = 60
NAMES = {1: "Welcome Series", 2: "Cart Abandon Reminder"}
PAUSE = range(30, 34)  # days the first journey sends nothing


def _days(volume: np.ndarray, profile: np.ndarray, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """AJO's days (UTC) and CJA's (the data view's `zone`) of events sent hour by hour."""
    counts = (volume[:, None] * profile[None, :]).reshape(-1)
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    tz = ZoneInfo(zone)
    local = np.array(
        [
            ((start + timedelta(hours=h)).astimezone(tz).date() - FIRST).days
            for h in range(len(counts))
        ]
    )
    inside = (local >= 0) & (local < DAYS)
    cja = np.bincount(local[inside], weights=counts[inside], minlength=DAYS)
    ajo = np.rint(volume).astype(np.int64)
    cja = np.rint(cja).astype(np.int64)
    cja[0], cja[-1] = ajo[0], ajo[-1]  # the edges' neighbours are outside the hours simulated
    return ajo, cja


def _volume(seed: int, level: float, paused: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekend = np.where(np.arange(DAYS) % 7 >= 5, 0.6, 1.0)
    volume = np.rint(level * weekend * rng.lognormal(0, 0.2, DAYS))
    if paused:
        volume[list(PAUSE)] = 0
    return volume


def _profile(peak: float, width: float) -> np.ndarray:
    hours = np.arange(24) + 0.5
    distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
    weights = 0.05 + np.exp(-0.5 * (distance / width) ** 2)
    return weights / weights.sum()


def _frame(series: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    rows = [
        (key, FIRST + timedelta(days=i), metric, int(a), int(c))
        for (key, metric), (ajo, cja) in series.items()
        for i, (a, c) in enumerate(zip(ajo, cja, strict=True))
    ]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    return frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})


def _sent(frame: pd.DataFrame):
    query = Query(
        "reconcile", FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2), ("sent",)
    )
    (result,) = reconcile(frame, query, NAMES, TODAY, Settings(today_override=TODAY))
    return result


def _day(result, day: int) -> dict[str, int]:
    """The causes of day `day` of the range's only journey."""
    label = (FIRST + timedelta(days=day)).isoformat()
    (row,) = [r for r in result.by_day if r.label == label]
    return row.causes


def _paused(zone: str, profile: np.ndarray, hole: int):
    """The first journey pauses; the second sends on. Returns the frame and the true gap of
    the first journey's day `hole` (one side 0 there)."""
    first = _days(_volume(1, 6_000, paused=True), profile, zone)
    second = _days(_volume(2, 9_000, paused=False), profile, zone)
    ajo, cja = first
    assert (ajo[hole] == 0) != (cja[hole] == 0)  # the day is a hole on one side
    return _frame({(1, "sent"): first, (2, "sent"): second}), int(ajo[hole] - cja[hole])


def test_a_paused_day_holding_the_next_days_first_hours_is_the_shift():
    """Behind UTC (New York), the first hours of the day the journey resumes land on its
    last paused day: CJA counts events on a day AJO sent nothing."""
    frame, gap = _paused("America/New_York", _profile(peak=3, width=3), hole=PAUSE[-1])
    assert gap < -100
    alone = frame.loc[frame["journey_key"] == 1]
    sent = _sent(alone)
    causes = _day(sent, PAUSE[-1])
    assert causes.get("missing_data", 0) == 0
    assert causes["timezone"] <= 0.9 * gap  # negative: CJA ahead
    # The day it resumed moved those hours out: the shift is applied there too.
    resumed = alone.iloc[PAUSE[-1] + 1]
    true = int(resumed["ajo"] - resumed["cja"])
    found = _day(sent, PAUSE[-1] + 1)
    assert abs(found["timezone"] - true) <= 0.1 * abs(true)
    assert found.get("missing_data", 0) == 0


def test_a_batch_moved_whole_to_the_next_day_leaves_a_resumed_journeys_first_day_empty():
    """Ahead of UTC (Tokyo, 9 hours), a batch leaving at 18:00 UTC lands on the next day:
    CJA has nothing on the day the journey resumes (its day before sent nothing), and
    counts the last batch before the pause on the pause's first day."""
    batch = np.zeros(24)
    batch[18] = 1.0
    frame, gap = _paused("Asia/Tokyo", batch, hole=PAUSE[-1] + 1)
    assert gap > 100
    sent = _sent(frame.loc[frame["journey_key"] == 1])
    for day in (PAUSE[0], PAUSE[-1] + 1):
        causes = _day(sent, day)
        assert causes.get("missing_data", 0) == 0
        true = int(frame.iloc[day]["ajo"] - frame.iloc[day]["cja"])
        assert abs(causes["timezone"] - true) <= 0.1 * abs(true)


def test_a_day_missing_from_an_export_stays_missing_data_beside_a_shift():
    """CJA's export lacks a whole day of a journey that sends evenly: the shift (a fifth
    of the day) does not explain the zero, so it is missing data, as without a shift."""
    profile = np.full(24, 1 / 24)
    ajo, cja = _days(_volume(3, 6_000, paused=False), profile, "America/New_York")
    cja = cja.copy()
    cja[40] = 0
    sent = _sent(_frame({(1, "sent"): (ajo, cja)}))
    assert sent.causes["timezone"] != 0  # the shift is found
    causes = _day(sent, 40)
    assert causes["missing_data"] == ajo[40]
    assert causes.get("timezone", 0) == 0


def test_a_journey_asked_about_alone_gets_its_row_of_the_all_journeys_answer():
    """Its own frame and the figures pooled over every journey: the hole judged alike."""
    frame, _ = _paused("America/New_York", _profile(peak=3, width=3), hole=PAUSE[-1])
    (row,) = [r for r in _sent(frame).by_journey if r.label == "Welcome Series"]
    config = Settings(today_override=TODAY)
    query = Query(
        "reconcile", FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2), ("sent",),
        ("Welcome Series",),
    )  # fmt: skip
    pool = pooled_figures(frame, query, TODAY, config)
    own = frame.loc[frame["journey_key"] == 1]
    (alone,) = reconcile(own, query, NAMES, TODAY, config, None, None, [1], None, pool)
    assert alone.causes == row.causes
    assert row.causes["missing_data"] == 0
    assert row.causes["timezone"] != 0


def test_days_missing_in_a_run_stay_missing_data_even_where_the_shift_moves_whole_days():
    """A batch Tokyo's midnight moves whole to the next day, and CJA's export lacks three
    days in a row: a run of empty days is a missing dataset or export, whatever the shift
    would move on them."""
    batch = np.zeros(24)
    batch[18] = 1.0
    ajo, cja = _days(_volume(4, 6_000, paused=False), batch, "Asia/Tokyo")
    cja = cja.copy()
    run = [40, 41, 42]
    cja[run] = 0
    sent = _sent(_frame({(1, "sent"): (ajo, cja)}))
    assert sent.causes["timezone"] != 0
    for day in run:
        causes = _day(sent, day)
        assert causes["missing_data"] == ajo[day]
        assert causes.get("timezone", 0) == 0


def test_a_day_the_shift_emptied_does_not_make_a_filtered_journey_look_in_band():
    """A data-view filter keeps CJA 15 % short on every day of a journey that paused; the
    day the shift filled is the shift's, and its small remainder is no ordinary day: the
    journey's young days keep its steady shortfall (unexplained), not lag."""
    profile = _profile(peak=3, width=3)
    ajo, cja = _days(_volume(5, 6_000, paused=True), profile, "America/New_York")
    cja = np.rint(cja * 0.85).astype(np.int64)
    frame = _frame({(1, "sent"): (ajo, cja)})
    today = FIRST + timedelta(days=DAYS - 1)
    query = Query("reconcile", FIRST + timedelta(days=1), today, ("sent",))
    (sent,) = reconcile(frame, query, NAMES, today, Settings(today_override=today))
    assert _day(sent, PAUSE[-1]).get("missing_data", 0) == 0
    for day in range(DAYS - 4, DAYS - 1):  # 1 to 3 days old: still being processed
        causes = _day(sent, day)
        assert causes["unexplained"] >= 0.1 * ajo[day]
