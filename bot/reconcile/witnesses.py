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


def summed(inside: pd.DataFrame, metric: str, older: pd.Timestamp) -> pd.DataFrame:
    """Per journey and day, `metric`'s witnesses summed on each side (sibling_ajo and
    sibling_cja), and on AJO's side alone (own_witness, see _own). A cell one side
    lacks (a metric not in the data view or the export, a day not exported) says nothing
    about how far CJA got, and is left out of the first two."""
    witnesses = metric_facts(metric).witnesses
    rows = inside.loc[inside["metric"].isin(witnesses) & (inside["ajo"] > 0)]
    keys = ["journey_key", "day"]
    both = rows.loc[rows["cja"] > 0].groupby(keys, as_index=False)[["ajo", "cja"]].sum()
    both = both.rename(columns={"ajo": "sibling_ajo", "cja": "sibling_cja"})
    sent = inside.loc[inside["metric"] == metric, [*keys, "ajo"]]
    return _own(rows, sent, older).merge(both, on=keys, how="left")


def _own(rows: pd.DataFrame, sent: pd.DataFrame, older: pd.Timestamp) -> pd.DataFrame:
    """Per journey, AJO's witness that tracks AJO's Sent most tightly on days up to `older`
    (the smallest day-to-day scatter of Sent beyond it): all witnesses summed, or one alone.
    Where they partition the sends, the sum is exact; where they are counted apart, a large
    one (Delivered) is steadier than a sum carrying the noise of small ones."""
    keys = ["journey_key", "day"]
    if rows.empty:
        return pd.DataFrame({"journey_key": [], "day": [], "own_witness": []}).astype(
            {"journey_key": "int64", "day": "datetime64[us]"}
        )
    cell, cells = pd.MultiIndex.from_frame(rows[keys]).factorize()
    cells = cells.set_names(keys)  # factorize drops the level names
    metric, metrics = pd.factorize(rows["metric"])
    values = np.zeros((len(cells), len(metrics)))
    np.add.at(values, (cell, metric), rows["ajo"].to_numpy(dtype=float))
    candidates = np.column_stack([values.sum(axis=1), values])
    totals = sent.groupby(keys)["ajo"].sum().reindex(cells).fillna(0)
    totals = totals.to_numpy(dtype=float)
    journey = cells.get_level_values("journey_key").to_numpy()
    old = (cells.get_level_values("day") <= older) & (totals > 0)
    own = np.zeros(len(cells))
    for key in np.unique(journey):
        mine = journey == key
        scatter = _scatter(candidates[mine & old], totals[mine & old])
        own[mine] = candidates[mine, int(np.argmin(scatter))]
    return cells.to_frame(index=False).assign(own_witness=own)


def _scatter(witness: np.ndarray, sent: np.ndarray) -> np.ndarray:
    """Per column of `witness` (days x candidates): the relative day-to-day scatter of Sent
    beyond it at their usual ratio (its median absolute deviation; infinite with fewer than
    three days seen). All columns at once: a journey has a handful of candidates."""
    if not len(witness):
        return np.full(witness.shape[1], np.inf)
    seen = witness > 0
    count = seen.sum(axis=0)
    ratio = np.where(seen, sent[:, None], 0).sum(axis=0) / np.maximum(
        np.where(seen, witness, 0).sum(axis=0), 1e-9
    )
    # Unseen cells are +inf (sorted last); inf - inf in them is masked out again.
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(seen, (sent[:, None] - witness * ratio) / sent[:, None], np.inf)
        middle = _medians(relative, count)
        deviation = np.where(seen, np.abs(relative - middle), np.inf)
    return np.where(count >= 3, _medians(deviation, count), np.inf)


def _medians(values: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Column medians of the first `count` values in sorted order (the rest are +inf)."""
    ordered = np.sort(values, axis=0)
    columns = np.arange(values.shape[1])
    last = len(values) - 1
    low = ordered[np.clip((count - 1) // 2, 0, last), columns]
    high = ordered[np.clip(count // 2, 0, last), columns]
    return np.where(count > 0, (low + high) / 2, np.inf)
