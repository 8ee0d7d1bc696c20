"""The metrics a side reports nothing for, per journey: read over a mask of the frame's rows,
the same as the filtered copy and group-by they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.metrics import METRICS
from bot.reconcile import _zero_metrics
from bot.reconcile.detectors import SIDES


def _grouped(frame: pd.DataFrame) -> dict:
    """The former computation: a copy of the rows, summed per journey and metric."""
    totals = frame.groupby(["journey_key", "metric"])[["ajo", "cja"]].sum().reset_index()
    result = {}
    for side in SIDES:
        other = "cja" if side == "ajo" else "ajo"
        zero = totals.loc[(totals[side] == 0) & (totals[other] > 0)]
        for key, group in zero.groupby("journey_key"):
            order = {m: i for i, m in enumerate(METRICS)}
            result[(key, side)] = tuple(sorted(group["metric"], key=order.__getitem__))
    return result


@given(st.integers(0, 80), st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_zero_metrics_over_a_mask_equal_the_filtered_copys(rows, seed, categorical, some):
    rng = np.random.default_rng(seed)
    metrics = rng.choice(METRICS[:5], rows)
    frame = pd.DataFrame(
        {
            "journey_key": rng.integers(1, 6, rows),
            "day": pd.to_datetime("2026-11-01") + pd.to_timedelta(rng.integers(0, 20, rows), "D"),
            "metric": pd.Categorical(metrics) if categorical else metrics.astype(str),
            # Mostly zeros, so that sides are often empty over a journey.
            "ajo": rng.integers(0, 3, rows) * (rng.random(rows) < 0.4),
            "cja": rng.integers(0, 3, rows) * (rng.random(rows) < 0.4),
        }
    )
    inside = rng.random(rows) < 0.7
    journeys = {1, 3} if some else None
    if journeys is not None:
        inside = inside & frame["journey_key"].isin(list(journeys)).to_numpy()
    expected = _grouped(frame.loc[inside].astype({"metric": str}))
    assert _zero_metrics(frame, inside) == expected
