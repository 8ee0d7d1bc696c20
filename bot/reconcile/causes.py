"""Splitting each (journey, day) difference into causes whose amounts add up exactly.

Causes are taken in order of how certain their evidence is, each from what the previous
ones left: processing lag (the day is not final), retries (AJO's Sent counts messages still
in the retry queue), the data-source difference (within tolerance), and what is left is
unexplained. Every amount is an integer, so sums per day, journey and in total are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from bot.metrics import RETRY_AFFECTED
from bot.reconcile.result import CAUSES


@dataclass(frozen=True)
class Rules:
    """The windows and tolerance one metric is judged by."""

    today: date
    lag_days: int
    retry_window_days: int
    tolerance_pct: float


def attribute(cells: pd.DataFrame, metric: str, rules: Rules) -> pd.DataFrame:
    """Add one column per cause to `cells` (one row per journey and day of one metric).

    `cells` has ajo, cja, day and, for retry-affected metrics, ajo_retries: AJO's count of
    messages in the retry queue for that journey and day.
    """
    cells = cells.copy()
    delta = (cells["ajo"] - cells["cja"]).to_numpy()
    age = (pd.Timestamp(rules.today) - cells["day"]).dt.days.to_numpy()
    zero = np.zeros(len(cells), dtype=np.int64)

    # Adobe: the most recent day is still being processed in one product or the other.
    lagging = age < rules.lag_days
    processing_lag = np.where(lagging, delta, 0)
    rest = delta - processing_lag

    retries = zero
    if metric in RETRY_AFFECTED and "ajo_retries" in cells:
        # Only an AJO surplus can be retries, and no more than AJO says it is retrying.
        queued = cells["ajo_retries"].to_numpy()
        young = ~lagging & (age < rules.retry_window_days)
        retries = np.where(young & (rest > 0), np.minimum(rest, queued), 0)
        rest = rest - retries

    datasource = _datasource(cells["journey_key"].to_numpy(), cells, rest, rules.tolerance_pct)
    unexplained = rest - datasource

    amounts = {
        "processing_lag": processing_lag,
        "retries": retries,
        "datasource": datasource,
        "unexplained": unexplained,
    }
    for cause in CAUSES:
        cells[cause] = amounts.get(cause, zero).astype(np.int64)
    return cells


def _datasource(
    journey_keys: np.ndarray, cells: pd.DataFrame, rest: np.ndarray, tolerance_pct: float
) -> np.ndarray:
    """The part of `rest` that is the two data sources' normal difference.

    Adobe's 1-2 % band describes report totals, so it is applied to each journey's total
    over the range: a journey whose residuals add up to more than the tolerance of its
    volume is unexplained as a whole, never partly excused. Single days are too small for a
    percentage (5 opens against 4 is 20 %), so a day only stands out on its own when its
    residual exceeds both the tolerance and the counting noise of its volume.
    """
    share = tolerance_pct / 100
    volume = np.maximum(cells["ajo"].to_numpy(), cells["cja"].to_numpy()).astype(float)
    outlier = np.abs(rest) > share * volume + 3 * np.sqrt(volume) + 1
    judged = pd.DataFrame(
        {
            "journey": journey_keys,
            "rest": np.where(outlier, 0, rest),
            "volume": np.where(outlier, 0, volume),
        }
    )
    totals = judged.groupby("journey")[["rest", "volume"]].transform("sum")
    within = np.abs(totals["rest"].to_numpy()) <= share * totals["volume"].to_numpy()
    return np.where(within & ~outlier, rest, 0)
