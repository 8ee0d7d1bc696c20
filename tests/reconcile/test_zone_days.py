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
from bot.reconcile.zonedays import Remainders, deviations, pooled, remainders

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


def _journeys(rest: list[np.ndarray]) -> tuple[CellView, np.ndarray, np.ndarray]:
    """Several journeys' remainders, one series each, in one view."""
    days = pd.date_range("2026-10-01", periods=len(rest[0]), freq="D")
    cells = pd.concat(
        pd.DataFrame(
            {"journey_key": key, "day": days, "ajo": 10_000, "cja": (10_000 - r).astype(int)}
        )
        for key, r in enumerate(rest, start=1)
    )
    every = np.ones(len(cells), dtype=bool)
    return CellView.of(cells, date(2026, 12, 1)), every, np.concatenate(rest)


def _pooled_deviations(rest: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, object]:
    """Per cell, the deviations read from each journey alone, and with the prior every
    journey gives together (and that prior)."""
    view, every, flat = _journeys(rest)
    reading = remainders(view, flat, every, every, behind=True)
    prior = pooled([(reading, view.groups.keys)])
    alone = deviations(view, flat, every, every, behind=True)
    together = deviations(view, flat, every, every, behind=True, prior=prior)
    return alone, together, prior


def test_a_data_views_journeys_read_their_deviations_together():
    """Eight journeys, 25 settled days each, deviations of 100 events a day beside a wobble
    of 100: half show them clearly alone, all together do (one data view, one cause), and
    each day's is read closer with their prior than from the journey alone (a miss of
    13 k against 19 k, of 23 k)."""
    rng = np.random.default_rng(3)
    rest, true = [], []
    for _ in range(8):
        e = rng.normal(0, 100, 26)
        rest.append(np.rint(e[:-1] - e[1:] + rng.normal(0, 100, 25)))
        true.append(e[:-1] - e[1:])
    alone, together, prior = _pooled_deviations(rest)
    true = np.concatenate(true)
    assert prior is not None
    miss_alone = np.abs(alone - true).sum()
    miss_together = np.abs(together - true).sum()
    assert miss_together < 0.8 * miss_alone


def test_independent_journeys_together_seldom_read_anything():
    """Six journeys whose remainders are independent from day to day (the data sources'
    wobble): together they show a deviation by chance in at most 5 % of data views (7 of
    200 here), and then little of each day (2.5 % of the wobble over all 200)."""
    read, taken, total = 0, 0.0, 0.0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        rest = [rng.normal(100, 40, 30).round() for _ in range(6)]
        _, together, prior = _pooled_deviations(rest)
        read += prior is not None
        taken += np.abs(together).sum()
        total += np.abs(np.concatenate(rest) - 100).sum()
    assert read <= 10
    assert taken <= 0.03 * total


def _reading(rho: float, pairs: int, series: int) -> Remainders:
    """Remainders whose series each show an autocorrelation of -`rho` over `pairs` pairs."""
    ones = np.ones(series)
    return Remainders(
        left=np.zeros(0), seen=np.zeros(0, dtype=bool), mean=0 * ones, variance=ones,
        lag_one=-rho * ones, pairs=np.full(series, pairs), partner=np.zeros(0, dtype=int),
        step=1,
    )  # fmt: skip


def test_a_journeys_metrics_count_once_in_the_pool():
    """Three journeys showing -0.2 over 24 pairs each fall short of two standard errors
    together (0.2 x sqrt(72) = 1.7); their second metric, carrying the same deviations (and
    perhaps the same wobble), makes the pool no surer, where counting its pairs again would
    (0.2 x sqrt(144) = 2.4). Six journeys showing the same are clear."""
    journeys = np.array([1, 2, 3])
    sent = (_reading(0.2, 24, 3), journeys)
    assert pooled([sent]) is None
    assert pooled([sent, (_reading(0.2, 24, 3), journeys)]) is None
    six = (_reading(0.2, 24, 6), np.arange(1, 7))
    assert pooled([six]) is not None


def _few_days(rest: np.ndarray, ajo: int) -> tuple[CellView, np.ndarray]:
    days = pd.date_range("2026-10-01", periods=len(rest), freq="D")
    cells = pd.DataFrame(
        {"journey_key": 1, "day": days, "ajo": ajo, "cja": (ajo - rest).astype(int)}
    )
    return CellView.of(cells, date(2026, 12, 1)), np.ones(len(rest), dtype=bool)


def test_swings_beyond_the_tolerance_are_deviations_over_few_pairs():
    """A journey of 4,000 events a day whose remainders swing by hundreds a day (deviations
    of the moved events, each day's carrying half of the day before's: an AJO day shares
    its audience's days with its neighbours) beside a wobble of 0.3 %, over 22 settled
    days. Their autocorrelation is then about -1/4, seldom two standard errors alone (2
    journeys of 20 here), but a data source within the 2 % tolerance cannot swing so far:
    the deviations are read, what each day held of them missed by a quarter of its size
    (24 k of 98 k, against 88 k from the autocorrelation alone)."""
    miss_alone, miss_tolerance, size = 0.0, 0.0, 0.0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        e = rng.normal(0, 300, 23)
        for i in range(1, len(e)):
            e[i] = 0.5 * e[i - 1] + np.sqrt(0.75) * e[i]
        true = e[:-1] - e[1:]
        rest = np.rint(true + rng.normal(0, 12, 22))
        view, every = _few_days(rest, 4_000)
        alone = deviations(view, rest, every, every, behind=True)
        read = deviations(view, rest, every, every, behind=True, tolerance=0.02)
        miss_alone += np.abs(alone - true)[:-1].sum()
        miss_tolerance += np.abs(read - true)[:-1].sum()
        size += np.abs(true)[:-1].sum()
    assert miss_tolerance < 0.5 * miss_alone
    assert miss_tolerance < 0.3 * size


def test_wobble_within_the_tolerance_shows_no_more_deviations():
    """Remainders independent from day to day, 1.5 % of 4,000 events (within the 2 %
    tolerance): the tolerance adds nothing to what their autocorrelation reads."""
    for seed in range(200):
        rest = np.random.default_rng(seed).normal(0, 60, 22).round()
        view, every = _few_days(rest, 4_000)
        alone = deviations(view, rest, every, every, behind=True)
        read = deviations(view, rest, every, every, behind=True, tolerance=0.02)
        assert np.array_equal(alone, read)
