"""A retry-affected metric's witnesses, as bot.metrics lists them: for Sent, the metrics
from its dataset (AJO's message feedback) that hold no retries. They share Sent's processing
lag and time-zone shift, so on CJA's side they show how far CJA got on a day
(bot.reconcile.reach), and on AJO's side how much of AJO's Sent is queued retries
(bot.reconcile.retries). Delivered carries nearly all of their volume.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bot.metrics import metric_facts
from bot.reconcile.detectors import Groups


def summed(inside: pd.DataFrame, metric: str, older: pd.Timestamp) -> pd.DataFrame:
    """Per journey and day, `metric`'s witnesses summed on each side (sibling_ajo and
    sibling_cja), and on AJO's side alone (own_witness, see _own). A cell one side
    lacks (a metric not in the data view or the export, a day not exported) says nothing
    about how far CJA got, and is left out of the first two."""
    witnesses = metric_facts(metric).witnesses
    rows = inside.loc[inside["metric"].isin(witnesses) & (inside["ajo"] > 0)]
    keys = ["journey_key", "day"]
    sent = inside.loc[inside["metric"] == metric, [*keys, "ajo"]]
    if rows.empty:  # the columns and types a group-by and a merge give
        both = rows.groupby(keys, as_index=False)[["ajo", "cja"]].sum()
        both = both.rename(columns={"ajo": "sibling_ajo", "cja": "sibling_cja"})
        return _own(rows, sent, older).merge(both, on=keys, how="left")
    # One integer per (journey, day): hashing int64 is many times faster than a MultiIndex.
    cell, codes = pd.factorize(_cell_codes(rows))
    found = _own(rows, sent, older, cell, codes)
    # Per cell, the witnesses both sides count, summed (whole counts: the float sums are
    # exact): a group-by on the two keys and a merge were 70 ms of the 30-day Sent question
    # at 1,000 journeys. A cell none of whose witnesses CJA counts has none (NaN).
    both = rows["cja"].to_numpy() > 0
    counted = np.bincount(cell[both], minlength=len(codes)) > 0
    for column, side in (("sibling_ajo", "ajo"), ("sibling_cja", "cja")):
        total = np.bincount(cell[both], rows[side].to_numpy(dtype=float)[both], len(codes))
        found[column] = (
            total.astype(np.int64) if counted.all() else np.where(counted, total, np.nan)
        )
    return found


def _own(
    rows: pd.DataFrame, sent: pd.DataFrame, older: pd.Timestamp, cell=None, codes=None
) -> pd.DataFrame:
    """Per journey, AJO's witness that tracks AJO's Sent most tightly on days up to `older`
    (the smallest day-to-day scatter of Sent beyond it): all witnesses summed, or one alone.
    Where they partition the sends, the sum is exact; where they are counted apart, a large
    one (Delivered) is steadier than a sum carrying the noise of small ones."""
    if rows.empty:
        return pd.DataFrame({"journey_key": [], "day": [], "own_witness": []}).astype(
            {"journey_key": "int64", "day": "datetime64[us]"}
        )
    if cell is None:
        cell, codes = pd.factorize(_cell_codes(rows))
    metric, metrics = pd.factorize(rows["metric"])
    weights = rows["ajo"].to_numpy(dtype=float)
    flat = np.bincount(cell * len(metrics) + metric, weights, len(codes) * len(metrics))
    values = flat.reshape(len(codes), len(metrics))
    candidates = np.column_stack([values.sum(axis=1), values])
    where = pd.Index(codes).get_indexer(_cell_codes(sent))
    found = where >= 0
    totals = np.bincount(
        where[found], sent["ajo"].to_numpy(dtype=float)[found], minlength=len(codes)
    )
    journey = codes >> 32
    day = (codes & 0xFFFFFFFF) - _EPOCH_OFFSET
    old = (day <= _day_number(older)) & (totals > 0)
    groups = Groups.of(journey)
    scatter = np.column_stack([_scatter(groups, column, totals, old) for column in candidates.T])
    best = np.argmin(scatter, axis=1)  # per journey; the first on a tie, the sum if none
    own = candidates[np.arange(len(codes)), best[groups.ids]]
    return pd.DataFrame(
        {
            "journey_key": journey.astype("int64"),
            "day": day.astype("datetime64[D]").astype("datetime64[us]"),
            "own_witness": own,
        }
    )


# Days since 1970 shifted to be non-negative, packed under the journey key in one int64.
_EPOCH_OFFSET = 1 << 31


def _day_number(day) -> np.ndarray:
    return np.asarray(day, dtype="datetime64[D]").astype(np.int64)


def _cell_codes(rows: pd.DataFrame) -> np.ndarray:
    journey = rows["journey_key"].to_numpy(dtype=np.int64)
    return (journey << 32) | (_day_number(rows["day"].to_numpy()) + _EPOCH_OFFSET)


def _scatter(groups: Groups, witness: np.ndarray, sent: np.ndarray, old: np.ndarray):
    """Per journey, for one candidate `witness`: the relative day-to-day scatter of Sent
    beyond it at their usual ratio on the `old` days it has (its median absolute deviation;
    infinite with fewer than three such days). All journeys at once."""
    seen = old & (witness > 0)
    ratio = groups.sum(sent, seen) / np.maximum(groups.sum(witness, seen), 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (sent - witness * ratio[groups.ids]) / sent
    middle = groups.median(relative, seen)
    deviation = np.abs(relative - middle[groups.ids])
    return np.where(groups.count(seen) >= 3, groups.median(deviation, seen), np.inf)
