"""A settled day both products report nothing for: the data view's time zone moved nothing
into it or out of it, so none of the gap's causes is the shift's there, and what the
fitted share would have put there stayed on the neighbouring day (bot.reconcile.zonedays:
`deviations`, the empty days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile

TODAY = date(2026, 11, 29)
FIRST = date(2026, 9, 20)  # ends 10 days before today: every day settled
DAYS = 60
PAUSE = range(30, 34)  # days the journey sends nothing
RESUMED = PAUSE[-1] + 1


def _counts(seed: int, resume_hour: int) -> np.ndarray:
    """[day, UTC hour]: events sent, peaking at 03:00 UTC; the journey pauses, and on the
    day it resumes sends only from `resume_hour` on."""
    rng = np.random.default_rng(seed)
    weekend = np.where(np.arange(DAYS) % 7 >= 5, 0.6, 1.0)
    volume = np.rint(6_000 * weekend * rng.lognormal(0, 0.2, DAYS))
    hours = np.arange(24) + 0.5
    distance = np.minimum(np.abs(hours - 3), 24 - np.abs(hours - 3))
    profile = 0.05 + np.exp(-0.5 * (distance / 3) ** 2)
    counts = volume[:, None] * (profile / profile.sum())[None, :]
    counts[list(PAUSE)] = 0
    counts[RESUMED, :resume_hour] = 0
    return counts


def _frame(counts: np.ndarray, zone: str) -> pd.DataFrame:
    """AJO's days (UTC) and CJA's (the data view's `zone`) of `counts`."""
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    tz = ZoneInfo(zone)
    local = np.array(
        [
            ((start + timedelta(hours=h)).astimezone(tz).date() - FIRST).days
            for h in range(DAYS * 24)
        ]
    )
    flat = counts.reshape(-1)
    inside = (local >= 0) & (local < DAYS)
    ajo = np.rint(counts.sum(axis=1)).astype(np.int64)
    cja = np.rint(np.bincount(local[inside], weights=flat[inside], minlength=DAYS))
    cja = cja.astype(np.int64)
    cja[0], cja[-1] = ajo[0], ajo[-1]  # the edges' neighbours are outside the hours simulated
    rows = [
        (1, FIRST + timedelta(days=i), "sent", int(a), int(c))
        for i, (a, c) in enumerate(zip(ajo, cja, strict=True))
    ]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    return frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})


def _by_day(frame: pd.DataFrame) -> dict[int, dict[str, int]]:
    query = Query(
        "reconcile", FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2), ("sent",)
    )
    (result,) = reconcile(
        frame, query, {1: "Welcome Series"}, TODAY, Settings(today_override=TODAY)
    )
    first = FIRST.toordinal()
    return {date.fromisoformat(r.label).toordinal() - first: r.causes for r in result.by_day}


def test_a_day_nothing_was_sent_or_counted_on_gets_no_share_of_the_shift():
    """Behind UTC (New York), each day's first UTC hours land on the day before. The
    journey resumes at noon UTC: nothing of its first day lands on its last paused day,
    which both products report 0 for; the fitted share would still move a fifth of the
    resumed day there, and an unexplained amount would balance it."""
    frame = _frame(_counts(7, resume_hour=12), "America/New_York")
    last = frame.iloc[PAUSE[-1]]
    assert last["ajo"] == 0
    assert last["cja"] == 0
    causes = _by_day(frame)
    assert any(c.get("timezone", 0) != 0 for c in causes.values())  # the shift is found
    assert causes[PAUSE[-1]].get("timezone", 0) == 0
    assert causes[PAUSE[-1]].get("unexplained", 0) == 0
    # The resumed day kept its events: its gap is only what the day after moved into it.
    resumed = frame.iloc[RESUMED]
    true = int(resumed["ajo"] - resumed["cja"])
    found = causes[RESUMED].get("timezone", 0)
    assert abs(found - true) <= 0.15 * abs(true) + 20
