"""The step a data-view filter makes in a journey's steady difference, found per journey."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from bot.reconcile.detectors import CellView
from bot.reconcile.zonefit import Part
from bot.reconcile.zonestep import nanmedian_last, step_column, step_days

DAYS = 40
FIRST = np.datetime64("2026-10-01")


def _part(metric: str, series: dict[int, tuple[np.ndarray, np.ndarray]]) -> Part:
    """A Part of `series` (journey -> AJO per day, the gap left per day), every day settled."""
    rows = [
        (key, FIRST + np.timedelta64(i, "D"), int(a), int(a - r))
        for key, (ajo, rest) in series.items()
        for i, (a, r) in enumerate(zip(ajo, rest, strict=True))
    ]
    cells = pd.DataFrame(rows, columns=["journey_key", "day", "ajo", "cja"])
    cells = cells.astype({"day": "datetime64[us]"})
    view = CellView.of(cells, pd.Timestamp("2026-12-01").date())
    rest = view.ajo - view.cja
    every = np.ones(len(view), dtype=bool)
    return Part(metric, view, rest, every, every)


def _series(seed: int, level: float, step_at: int | None, share: float, swing: float = 0.2):
    rng = np.random.default_rng(seed)
    ajo = level * np.where(np.arange(DAYS) % 7 >= 5, 0.6, 1.0) * rng.lognormal(0, 0.25, DAYS)
    # A shift's swing (what moves nets out over neighbouring days) and the data sources'
    # wobble, around a steady 1 % difference.
    moved = swing * (ajo - np.roll(ajo, -1))
    rest = 0.01 * ajo + moved + rng.normal(0, 0.003, DAYS) * ajo
    if step_at is not None:
        rest = rest + np.where(np.arange(DAYS) >= step_at, share * ajo, 0.0)
    return np.rint(ajo), np.rint(rest)


def test_the_step_of_one_journey_is_found_on_its_day_over_its_metrics():
    sent = _part("sent", {1: _series(1, 20_000, 22, 0.08), 2: _series(2, 15_000, None, 0)})
    delivered = _part(
        "delivered", {1: _series(3, 19_000, 22, 0.08), 2: _series(4, 14_000, None, 0)}
    )
    steps = step_days([sent, delivered])
    assert steps == {1: FIRST + np.timedelta64(22, "D")}
    column = step_column(sent, steps)
    journey_one = sent.view.journey == 1
    after = sent.view.day >= FIRST + np.timedelta64(22, "D")
    assert (column[journey_one & after] == sent.view.ajo[journey_one & after]).all()
    assert (column[~(journey_one & after)] == 0).all()


def test_no_step_is_read_into_a_steady_difference():
    parts = [_part("sent", {k: _series(10 + k, 10_000, None, 0) for k in range(1, 6)})]
    assert step_days(parts) == {}
    assert step_column(parts[0], {}) is None


def test_an_outage_of_a_few_days_is_no_step():
    """CJA a third short on three days near the start (a partial outage), then back: a
    step on the day after it would fit those days in part (the level before it is raised
    by them); they are far off their neighbours, so they are left out first."""
    ajo, rest = _series(5, 30_000, None, 0, swing=0.0)
    outage = (np.arange(DAYS) >= 6) & (np.arange(DAYS) < 9)
    rest = rest + np.where(outage, np.rint(0.33 * ajo), 0)
    sent = _part("sent", {1: (ajo, rest)})
    assert step_days([sent]) == {}


@pytest.mark.parametrize("seed", range(20))
def test_the_median_of_present_values_is_numpys_nanmedian(seed):
    rng = np.random.default_rng(seed)
    grid = rng.normal(size=(int(rng.integers(1, 40)), int(rng.integers(1, 90))))
    grid[rng.random(grid.shape) < rng.random()] = np.nan  # from none to every value gone
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(grid, ((0, 0), (3, 3)), constant_values=np.nan), 7, axis=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no value: NaN, warned
        for values in (windows, grid):
            assert np.array_equal(
                nanmedian_last(values), np.nanmedian(values, axis=-1), equal_nan=True
            )
