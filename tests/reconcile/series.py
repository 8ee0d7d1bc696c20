"""Comparison frames built from whole daily series, for the detectors' tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import MetricResult, reconcile

TODAY = date(2026, 11, 29)
SETTINGS = Settings(today_override=TODAY)
NAMES = {1: "Welcome Series", 2: "Cart Abandon Reminder", 3: "Win-back Offer"}


def volumes(seed: int, days: int, level: float, spread: float = 0.15) -> np.ndarray:
    """A daily volume with weekends and day-to-day noise."""
    rng = np.random.default_rng(seed)
    weekend = np.where(np.arange(days) % 7 >= 5, 0.6, 1.0)
    return np.rint(level * weekend * rng.lognormal(0, spread, days)).astype(np.int64)


def shifted(ajo: np.ndarray, hours: int) -> np.ndarray:
    """CJA's days when its calendar runs `hours` behind AJO's (negative: ahead), with the
    events spread evenly over the day."""
    moved = np.rint(ajo * abs(hours) / 24).astype(np.int64)
    # Behind, the first hours of each day land on the previous day; ahead, the last hours
    # land on the next day.
    incoming = np.append(moved[1:], 0) if hours > 0 else np.insert(moved[:-1], 0, 0)
    return ajo - moved + incoming


def series(
    ajo: Sequence[int],
    cja: Sequence[int],
    *,
    last_ago: int = 0,
    journey: int = 1,
    metric: str = "sent",
    cja_rows: Sequence[int] | None = None,
    ajo_rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One journey's metric over consecutive days ending `last_ago` days before TODAY."""
    n = len(ajo)
    days = [pd.Timestamp(TODAY - timedelta(days=last_ago + n - 1 - i)) for i in range(n)]
    frame = pd.DataFrame(
        {
            "journey_key": journey,
            "day": days,
            "metric": metric,
            "ajo": np.asarray(ajo, dtype=np.int64),
            "cja": np.asarray(cja, dtype=np.int64),
            "ajo_rows": 1 if ajo_rows is None else np.asarray(ajo_rows),
            "cja_rows": 1 if cja_rows is None else np.asarray(cja_rows),
        }
    )
    return frame.astype({"day": "datetime64[us]"})


def run(
    *frames: pd.DataFrame,
    metrics: tuple[str, ...] = ("sent",),
    start_ago: int = 29,
    end_ago: int = 0,
    settings: Settings = SETTINGS,
    history: pd.DataFrame | None = None,
) -> dict[str, MetricResult]:
    query = Query(
        "reconcile", TODAY - timedelta(days=start_ago), TODAY - timedelta(days=end_ago), metrics
    )
    frame = pd.concat(frames, ignore_index=True)
    results = reconcile(frame, query, NAMES, TODAY, settings, history)
    return {r.metric: r for r in results}


def detail(result: MetricResult, cause: str) -> dict:
    """The causes_detail entry for one cause, as the JSON has it."""
    return next(d for d in result.to_dict()["causes_detail"] if d["cause"] == cause)
