"""What a day moves beyond the fitted share: a deviation shows in two neighbouring days'
remainders with opposite signs (bot.reconcile.zonedays)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile
from bot.reconcile.detectors import CellView
from bot.reconcile.zonedays import deviations

TODAY = date(2026, 11, 29)
FIRST = date(2026, 10, 10)
DAYS = 40
BEHIND = 5  # hours: the data view's clock against the reporting one (Bogota against UTC)


def _days(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AJO's days, the events of each that a data view 5 hours behind moves to the day
    before, and the data sources' difference: a journey sending around 8 am, quiet at
    weekends, its busiest hour drifting by half an hour or so from one day to the next
    (triggered sends follow their audience), so the share of the day before 5 am is not
    steady."""
    rng = np.random.default_rng(seed)
    hours = np.arange(24) + 0.5
    ajo = np.zeros(DAYS + 2)
    moved = np.zeros(DAYS + 2)
    for i in range(DAYS + 2):
        peak = 8 + rng.normal(0, 0.5)
        distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
        profile = 0.02 + np.exp(-0.5 * (distance / 3) ** 2)
        profile /= profile.sum()
        weekend = (FIRST + timedelta(days=i - 1)).weekday() >= 5
        ajo[i] = 12_000 * (0.4 if weekend else 1.0) * rng.lognormal(0, 0.15)
        moved[i] = ajo[i] * profile[:BEHIND].sum()
    # 1 % short, give or take 0.3 % a day.
    source = ajo * (0.01 + rng.normal(0, 0.003, DAYS + 2))
    return np.rint(ajo), np.rint(moved), np.rint(source)


@pytest.mark.parametrize("seed", [1, 2, 5, 7])
def test_each_day_moves_what_it_moved(seed):
    """Each day's time-zone amount is what the shift did to that day (what moved off it,
    less what moved in from the next) to within 10 % over the range, the data sources'
    difference left out of it; a steady share of AJO's day gets 56-64 % here."""
    ajo, moved, source = _days(seed)
    shift = moved - np.roll(moved, -1)  # behind: the day loses its first hours, gains the next's
    cja = ajo - shift - source
    rows = [
        (1, FIRST + timedelta(days=i), "sent", int(a), int(c))
        for i, (a, c) in enumerate(zip(ajo[:-1], cja[:-1], strict=True))
    ]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    frame = frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})
    start, end = FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2)
    query = Query("reconcile", start, end, ("sent",))
    settings = Settings(today_override=TODAY)
    (sent,) = reconcile(frame, query, {1: "Welcome Series"}, TODAY, settings)
    true = shift[1 : DAYS - 1]
    found = np.array([row.causes["timezone"] for row in sent.by_day])
    overlap = np.where(np.sign(true) == np.sign(found), np.minimum(abs(true), abs(found)), 0)
    assert overlap.sum() >= 0.9 * np.abs(true).sum()


def _view(rest: np.ndarray) -> tuple[CellView, np.ndarray]:
    days = pd.date_range("2026-10-01", periods=len(rest), freq="D")
    cells = pd.DataFrame(
        {"journey_key": 1, "day": days, "ajo": 10_000, "cja": (10_000 - rest).astype(int)}
    )
    return CellView.of(cells, date(2026, 12, 1)), np.ones(len(rest), dtype=bool)


def test_independent_days_read_nothing():
    """Remainders independent from day to day (the data sources' wobble) seldom show a
    deviation of the moved events by chance: in at most 5 % of series (two standard
    errors of the autocorrelation, one-sided), and then little of each day."""
    read, taken, total = 0, 0.0, 0.0
    for seed in range(200):
        rest = np.random.default_rng(seed).normal(100, 40, 60).round()
        view, every = _view(rest)
        found = deviations(view, rest, every, every, behind=True)
        read += bool(found.any())
        taken += np.abs(found).sum()
        total += np.abs(rest - 100).sum()
    assert read <= 10
    assert taken <= 0.02 * total


def test_deviations_read_from_neighbouring_days():
    """Deviations of 300 events a day beside a wobble of 30: what each day's remainder
    holds of them is read back to within a tenth of their size."""
    rng = np.random.default_rng(5)
    e = rng.normal(0, 300, 61)
    rest = np.rint(e[:-1] - e[1:] + rng.normal(0, 30, 60))
    view, every = _view(rest)
    found = deviations(view, rest, every, every, behind=True)
    true = e[:-1] - e[1:]
    assert np.abs(found - true)[:-1].mean() < 0.1 * np.abs(true).mean()
