"""The data-source band: Adobe says the two products' sources differ by 1-2 %.

The band describes report totals, so it is applied to each journey's settled days over the
range: a journey whose residuals add up to more than the tolerance of its volume is
unexplained as a whole, never partly excused. Single days are too small for a percentage
(5 opens against 4 is 20 %), so a day only stands out on its own when its residual exceeds
both the tolerance and the counting noise of its volume. The tolerance is never stretched:
a journey's data-source amount is always within the tolerance of its volume.

Each journey has a usual rate (its judged residual over its volume); days still being
processed carry that same difference, so `rates` hands it to the processing-lag step: as
data source for a journey inside the band, as unexplained for one beyond it (a data-view
filter keeps filtering the latest days too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bot.reconcile.detectors import Explanation, Finding, Groups, Seen


@dataclass(frozen=True, eq=False, kw_only=True)
class DataSource(Finding):
    cause: ClassVar[str] = "datasource"
    largest_pct: float  # the furthest in-band journey's residual, in % of its volume

    @classmethod
    def explain(cls, found: Sequence[DataSource], seen: Seen) -> Explanation:
        tolerance = seen.rules.tolerance_pct
        evidence = (
            f"within the {tolerance:.1f} % the two products' data sources normally differ by; "
            f"the furthest journey is {found[0].largest_pct:.1f} % apart"
        )
        check = "nothing to fix: Adobe documents 1–2 % between the products"
        if not seen.shifted():
            return Explanation("medium", evidence, check)
        # With a time-zone shift found, a settled day's residual is the data sources' wobble
        # plus the part of the shift the fit could not follow (a share of the day that moves
        # differently from day to day): both a few tenths of a percent, not told apart.
        evidence += (
            f"; part of it may be the time-zone shift found in {seen.label}, on days it "
            "moved more or less than the fitted share: the two are the same size and are "
            "not told apart"
        )
        check = "compare whole weeks, or set the data view's time zone to the reporting one"
        return Explanation("low", evidence, check)


@dataclass(frozen=True, eq=False)
class Band:
    amount: np.ndarray  # the data-source part of each settled cell
    rates: np.ndarray  # per cell: its journey's usual residual, as a share of volume
    within: np.ndarray  # per cell: its journey is inside the band (the rate is data source)
    largest_pct: float
    # per cell: its journey had settled days inside the tolerance to judge it by (a journey
    # whose every day stands out has none, and is "within" only vacuously)
    judged: np.ndarray | None = None  # the largest in-band journey's residual, in % of its volume

    def finding(self, amount: np.ndarray) -> DataSource:
        return DataSource(amount=amount, confidence="medium", largest_pct=self.largest_pct)


# Settled days a journey's latest ratio is read from, and the fewest that make one.
RECENT_DAYS = 7
MIN_RECENT_DAYS = 3


def settled_ratio(
    journeys: np.ndarray, rest: np.ndarray, volume: np.ndarray, settled: np.ndarray
) -> np.ndarray:
    """Per cell, its journey's difference on its latest settled days, as a share of volume
    (the median of up to RECENT_DAYS days' ratios, so an odd day does not move it); NaN
    where the journey has fewer than MIN_RECENT_DAYS. A filter or an identity setting that
    keeps CJA 10 % short on settled days keeps it short on the young days too."""
    usable = settled & (volume > 0)
    ratio = np.divide(rest, volume, out=np.zeros(len(rest)), where=usable)
    groups = Groups.of(journeys)
    # Each journey's usable cells, journey by journey in day order: the last RECENT_DAYS.
    index = groups.order[usable[groups.order]]
    ends = np.cumsum(groups.count(usable))[groups.ids[index]]
    recent = np.zeros(len(journeys), dtype=bool)
    recent[index[ends - np.arange(len(index)) <= RECENT_DAYS]] = True
    found = np.where(groups.count(recent) >= MIN_RECENT_DAYS, groups.median(ratio, recent), np.nan)
    return groups.per_cell(found)


def outliers(rest: np.ndarray, volume: np.ndarray, share: float) -> np.ndarray:
    """Days whose residual is beyond both the tolerance and the counting noise."""
    return np.abs(rest) > share * volume + 3 * np.sqrt(volume) + 1


def band(
    journeys: np.ndarray,
    rest: np.ndarray,
    volume: np.ndarray,
    settled: np.ndarray,
    tolerance_pct: float,
    largest_pct: float | None = None,
) -> Band:
    """Judge each journey's settled residual against the tolerance. `largest_pct`: the
    furthest in-band journey over every journey (bot.reconcile.pool), when these cells are
    only some journeys'."""
    share = tolerance_pct / 100
    judged = settled & ~outliers(rest, volume, share)
    # Per cell, its journey's judged residual and volume (sums of integers: exact).
    groups = Groups.of(journeys)
    total_rest = groups.per_cell(groups.sum(rest, judged))
    total_volume = groups.per_cell(groups.sum(volume, judged))
    within = np.abs(total_rest) <= share * total_volume
    rates = np.where(total_volume > 0, total_rest / np.maximum(total_volume, 1), 0.0)
    in_band = within & (total_volume > 0)
    pct = np.abs(rates[in_band]) * 100
    if largest_pct is None:
        largest_pct = float(pct.max()) if len(pct) else 0.0
    return Band(
        amount=np.where(judged & within, rest, 0).astype(np.int64),
        rates=rates,
        within=within,
        largest_pct=largest_pct,
        judged=total_volume > 0,
    )
