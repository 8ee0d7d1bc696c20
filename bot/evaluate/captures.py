"""What the core is handed for a generated scenario: the comparison frame, the snapshot
history as the store would fold it, and the truth to score against."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from bot.evaluate.builder import Builder

# The settling history's columns, as bot.store.reader.settling_history returns them.
HISTORY_COLUMNS = ("source", "metric", "age_days", "series", "volume", "change", "abs_change")


def history(b: Builder, before_lag: dict, keep_by_age: np.ndarray) -> pd.DataFrame:
    """Past snapshots of the same days, folded as bot.store.reader.settling_history does.

    A past capture sees AJO's final values and CJA's values before the lag, short by the
    share still unprocessed at that age (`keep_by_age`); the capture day itself is partly
    over. The latest capture is the comparison itself. A tenth of the scenarios have no
    history at all, a tenth only two captures.
    """
    richness = b.rng.choice(["none", "few", "regular"], p=[0.1, 0.1, 0.8])
    captures = np.cumsum(b.rng.integers(1, 4, size=40))
    captures = captures[captures <= 35][: 2 if richness == "few" else None]
    if richness == "none":
        captures = captures[:0]
    parts = []
    for capture in captures:
        hour = b.rng.uniform(0.1, 0.9)
        age = b.age - capture
        seen = (age >= 0) & (age <= 30)
        if not seen.any():
            continue
        for source, latest_values in (("ajo", b.ajo), ("cja", b.cja)):
            share = np.where(age[seen] == 0, hour, 1.0)
            if source == "cja":
                share = share * keep_by_age[np.minimum(age[seen], len(keep_by_age) - 1)]
            for key, latest in latest_values.items():
                value = b.rng.binomial(before_lag[source][key][seen], share)
                parts.append((source, key[1], age[seen], value, latest[seen]))
    if not parts:
        return fold_history(None)
    values = pd.DataFrame(
        {
            "source": np.concatenate([np.full(len(p[2]), p[0]) for p in parts]),
            "metric": np.concatenate([np.full(len(p[2]), p[1]) for p in parts]),
            "age_days": np.concatenate([p[2] for p in parts]),
            "value": np.concatenate([p[3] for p in parts]),
            "latest": np.concatenate([p[4] for p in parts]),
        }
    )
    return fold_history(values)


def fold_history(values: pd.DataFrame | None) -> pd.DataFrame:
    """Values seen in earlier captures (source, metric, age_days, value, latest, and the
    journey's channel and the age in quarter days when known) folded as
    bot.store.reader.settling_history does: per source, metric, channel and age, how much
    they moved."""
    if values is None or values.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in HISTORY_COLUMNS}).astype(
            {"source": str, "metric": str}
        )
    values = values.assign(change=values["latest"] - values["value"])
    values["abs_change"] = values["change"].abs()
    known = [c for c in ("channel", "age_quarters") if c in values]
    keys = ["source", "metric", "age_days", *known]
    folded = values.groupby(keys, as_index=False).agg(
        series=("value", "size"),
        volume=("value", "sum"),
        change=("change", "sum"),
        abs_change=("abs_change", "sum"),
    )
    return folded[[*HISTORY_COLUMNS, *keys[3:]]]


def frames(b: Builder, start: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparison frame (a day beyond the range each side, nothing from the future)
    and the truth (the range only)."""
    stored = (b.days >= pd.Timestamp(start) - pd.Timedelta(days=1)) & (b.age >= 0)
    stored &= b.days <= pd.Timestamp(b.end) + pd.Timedelta(days=1)
    in_range = (b.days >= pd.Timestamp(start)) & (b.days <= pd.Timestamp(b.end))
    frames, truths = [], []
    for key in b.ajo:
        frames.append(
            pd.DataFrame(
                {
                    "journey_key": key[0],
                    "day": b.days[stored],
                    "metric": key[1],
                    "ajo": b.ajo[key][stored],
                    "cja": b.cja[key][stored],
                    "ajo_rows": b.rows["ajo"][key][stored],
                    "cja_rows": b.rows["cja"][key][stored],
                }
            )
        )
        truth = {c: amounts[in_range] for c, amounts in b.truth[key].items()}
        truths.append(
            pd.DataFrame(
                {"journey_key": key[0], "day": b.days[in_range], "metric": key[1], **truth}
            )
        )
    for journey, pending in b.retries.items():
        frames.append(
            pd.DataFrame(
                {
                    "journey_key": journey,
                    "day": b.days[stored],
                    "metric": "retries",
                    "ajo": pending[stored],
                    "cja": 0,
                    "ajo_rows": 1,
                    "cja_rows": 0,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.loc[(frame["ajo_rows"] > 0) | (frame["cja_rows"] > 0)]
    frame = frame.astype({"day": "datetime64[us]"}).reset_index(drop=True)
    truth = pd.concat(truths, ignore_index=True).astype({"day": "datetime64[us]"})
    return frame, truth
