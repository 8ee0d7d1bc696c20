"""Late records without snapshot history (bot.reconcile.arrival.from_capture): the latest
capture's own cells say how much of each age CJA still lacks (the lag and retries the
attribution found), and the safe range judges its days' late records by that instead of
the documented window alone."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from bot.reconcile import rules_for
from bot.reconcile.arrival import from_capture
from bot.reconcile.safe_range import AnswerRanges
from tests.reconcile.series import SETTINGS, TODAY, series

START = TODAY - timedelta(days=29)
CHANNELS = {1: ("email",)}
HORIZON = 7


def _cells(owed: dict[int, int], level: int = 200, metric: str = "opens") -> pd.DataFrame:
    """One journey's 30 days ending today at `level` a day in AJO; CJA lacks `owed` records
    at each age (days old), which the attribution calls processing lag."""
    ages = np.arange(30)[::-1]
    lag = np.array([owed.get(int(age), 0) for age in ages])
    ajo = np.full(30, level)
    cells = series(ajo, ajo - lag, metric=metric)
    cells["processing_lag"] = lag
    cells["retries"] = 0
    return cells


def test_the_shares_are_what_the_capture_still_lacks_at_each_age():
    shares = from_capture(_cells({0: 100, 1: 20, 2: 8, 3: 2}), TODAY, HORIZON)
    assert shares is not None
    assert shares.captured
    assert shares.share(1) == 20 / 200
    assert shares.share(2) == 8 / 200
    # Never growing with age, and nothing still to come from the horizon on.
    assert list(shares.shares) == sorted(shares.shares, reverse=True)
    assert shares.share(HORIZON) == 0
    assert shares.share(HORIZON + 5) == 0


def test_an_age_that_lacks_more_than_a_younger_one_is_averaged_with_it():
    shares = from_capture(_cells({0: 100, 1: 2, 2: 6}), TODAY, HORIZON)
    assert shares is not None
    assert shares.share(1) == shares.share(2) == 8 / 400


def test_cells_without_an_attribution_or_without_records_teach_nothing():
    cells = _cells({1: 20})
    assert from_capture(cells.drop(columns=["processing_lag", "retries"]), TODAY, HORIZON) is None
    assert from_capture(cells.iloc[:0], TODAY, HORIZON) is None
    empty = _cells({})
    empty.loc[empty["day"] == pd.Timestamp(TODAY - timedelta(days=3)), ["ajo", "cja"]] = 0
    assert from_capture(empty, TODAY, HORIZON) is None


def _young(level: int = 200) -> pd.DataFrame:
    """Journey 2, launched 6 days ago (too few settled days for its own shortfall), its
    CJA counts complete as far as the attribution can tell."""
    cells = series(np.full(6, level), np.full(6, level), journey=2, metric="opens")
    cells["processing_lag"] = 0
    cells["retries"] = 0
    return cells


def _ranges(cells: pd.DataFrame, history: pd.DataFrame | None = None) -> AnswerRanges:
    rules = rules_for("opens", SETTINGS, TODAY, history, None, {**CHANNELS, 2: ("email",)})
    return AnswerRanges.of_cells("opens", rules, cells)


def test_without_history_the_capture_judges_the_late_records():
    # Nothing lacking beyond yesterday: the documented window (2 days back) decides.
    calm = _ranges(pd.concat([_cells({0: 100, 1: 20}), _young()]))(START, TODAY, [2])
    assert calm.end == TODAY - timedelta(days=2)
    assert "late records" not in calm.reason
    # Journey 1 still lacks 8 of its 200 two days old: of both journeys' days of that age,
    # 2 % are still to come, four of the young journey's 200 (more than 0.5 % of its day).
    lacking = _ranges(pd.concat([_cells({0: 100, 1: 20, 2: 8}), _young()]))(START, TODAY, [2])
    assert lacking.end == TODAY - timedelta(days=3)
    assert "may still get late records" in lacking.reason
    assert "in this capture 2.00% of records were still to arrive 2 days old" in lacking.reason


def test_history_that_taught_shares_keeps_them():
    from tests.reconcile.test_arrival import _history

    cells = pd.concat([_cells({0: 100, 1: 20, 2: 8}), _young()])
    taught = _ranges(cells, _history(("opens",)))(START, TODAY, [2])
    assert "in this capture" not in taught.reason
