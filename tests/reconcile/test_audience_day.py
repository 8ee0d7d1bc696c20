"""The hours a data view in another zone moves belong to one of the audience's days, and
AJO's day holds parts of two of them: what moves follows the neighbouring day's sends, not
a steady share of AJO's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile

TODAY = date(2026, 11, 29)
FIRST = date(2026, 10, 10)
DAYS = 40


def _sent(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """AJO's days (UTC) and CJA's (America/Bogota, 5 hours behind all along) of a journey
    sending to Singapore (8 hours ahead) around noon there, quiet at weekends (there)."""
    rng = np.random.default_rng(seed)
    audience, view = ZoneInfo("Asia/Singapore"), ZoneInfo("America/Bogota")
    first = FIRST - timedelta(days=1)
    hours = np.arange(24) + 0.5
    distance = np.minimum(np.abs(hours - 12), 24 - np.abs(hours - 12))
    profile = 0.05 + np.exp(-0.5 * (distance / 4) ** 2)
    profile /= profile.sum()
    ajo, cja = np.zeros(DAYS), np.zeros(DAYS)
    for i in range(DAYS + 2):
        day = first + timedelta(days=i)
        volume = 10_000 * (0.4 if day.weekday() >= 5 else 1.0) * rng.lognormal(0, 0.1)
        for hour in range(24):
            moment = datetime(day.year, day.month, day.day, hour, 30, tzinfo=audience)
            for counts, zone in ((ajo, UTC), (cja, view)):
                index = (moment.astimezone(zone).date() - FIRST).days
                if 0 <= index < DAYS:
                    counts[index] += volume * profile[hour]
    return np.rint(ajo).astype(np.int64), np.rint(cja).astype(np.int64)


@pytest.mark.parametrize("seed", [1, 3])
def test_what_moves_follows_the_audiences_day(seed):
    """Bogota's day starts at 5 am UTC, 1 pm in Singapore: the hours moved to the previous
    day are Singapore's afternoon of one audience day, while AJO's UTC day holds that
    day's afternoon and the next day's morning. A Friday in UTC moves a weekday afternoon
    and holds a quiet Saturday morning; a steady share of it moves too little. Each day's
    time-zone amount is the day's gap to within 5 % over the range (a steady share of
    AJO's day gets 89-92 %)."""
    ajo, cja = _sent(seed)
    rows = [
        (1, FIRST + timedelta(days=i), "sent", int(a), int(c))
        for i, (a, c) in enumerate(zip(ajo, cja, strict=True))
    ]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    frame = frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})
    query = Query(
        "reconcile", FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2), ("sent",)
    )
    (sent,) = reconcile(frame, query, {1: "Welcome Series"}, TODAY, Settings(today_override=TODAY))
    true = (ajo - cja)[1:-1]
    found = np.array([row.causes["timezone"] for row in sent.by_day])
    overlap = np.where(np.sign(true) == np.sign(found), np.minimum(abs(true), abs(found)), 0)
    assert overlap.sum() >= 0.95 * np.abs(true).sum()
