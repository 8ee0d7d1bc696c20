"""Sent's witnesses: the metrics from its dataset (AJO's message feedback) that hold no
retries. They share Sent's processing lag and time-zone shift, so on CJA's side they show
how far CJA got on a day (bot.reconcile.reach), and on AJO's side how much of AJO's Sent
is queued retries (bot.reconcile.retries). Delivered carries nearly all of their volume.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bot.metrics import RETRY_AFFECTED

RETRY_WITNESSES = ("delivered", "bounces", "errors", "excluded")


def summed(inside: pd.DataFrame, older: pd.Timestamp) -> pd.DataFrame:
    """Per journey and day, the retry witnesses summed on each side (sibling_ajo and
    sibling_cja), and on AJO's side alone (own_witness, see _own). A cell one side
    lacks (a metric not in the data view or the export, a day not exported) says nothing
    about how far CJA got, and is left out of the first two."""
    rows = inside.loc[inside["metric"].isin(RETRY_WITNESSES) & (inside["ajo"] > 0)]
    keys = ["journey_key", "day"]
    both = rows.loc[rows["cja"] > 0].groupby(keys, as_index=False)[["ajo", "cja"]].sum()
    both = both.rename(columns={"ajo": "sibling_ajo", "cja": "sibling_cja"})
    sent = inside.loc[inside["metric"].isin(RETRY_AFFECTED), [*keys, "ajo"]]
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
    beyond it at their usual ratio (infinite with fewer than three days seen)."""
    seen = witness > 0
    ratio = (witness * seen).sum(axis=0) / np.maximum((sent[:, None] * seen).sum(axis=0), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(seen, (sent[:, None] - witness / ratio) / sent[:, None], np.nan)
    if not seen.any():
        return np.full(witness.shape[1], np.inf)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        middle = np.nanmedian(relative, axis=0)
        scatter = np.nanmedian(np.abs(relative - middle), axis=0)
    return np.where(seen.sum(axis=0) >= 3, scatter, np.inf)
