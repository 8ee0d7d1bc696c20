"""A journey's steady difference that steps on one day: what a data-view filter does.

The time-zone fit (bot.reconcile.zonefit) reads each series' gap as a steady proportional
difference c A(d) (the data sources') plus the events the zone moves. A filter in CJA's
data view that drops a share of one journey's events from a date on makes that difference
step: c A(d) before, (c + f) A(d) after. Fitted with one c, the step's remainder (a few
percent of each day, one sign before and the other after) is as large as the shift itself,
and the shares bend to follow it. The step is a property of the journey, as the filter is
(every metric of it from the same date), so its day is found once per journey, pooled over
its metrics, zone aside (what a zone moves nets out over consecutive days; a step does
not), and the fit then carries it as a second proportional term, never as moved events.

Per journey, each candidate day t splits its settled days into before and after; per
series, adding the term A(d) [d >= t] to c A(d) lowers the squared remainder by
(S_Ar(t) - c S_AA(t))^2 / (S_AA(t) - S_AA(t)^2 / C_AA) (S: sums over days from t, C: over
all; least squares on two regressors). The day with the largest gain in log-likelihood,
summed over the journey's series, is kept when that gain beats the penalty of one term per
series plus the choice of the day (BIC). Read on the days past every window (retries'
included), where nothing but the shift, the data sources and a filter is left: a retry
queue draining over the last days is one-signed and ends the range as a step would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Settled days a series needs on each side of a step for the step to be read.
MIN_SIDE = 4
# Variance floor per day (events squared), as in the zone fit.
FLOOR = 1.0


def step_days(parts: Sequence) -> dict:
    """Per journey key with a clear step: the first day (datetime64[D]) of the new level.
    `parts`: bot.reconcile.zonefit.Part, one per metric of the data view."""
    parts = [p for p in parts if len(p.view)]
    if not parts:
        return {}
    keys = np.unique(np.concatenate([p.view.groups.keys for p in parts]))
    first = min(p.view.day.min() for p in parts)
    last = max(p.view.day.max() for p in parts)
    width = int((last - first).astype(np.int64)) + 1
    gain = np.zeros((len(keys), width))
    series = np.zeros(len(keys))
    days = np.zeros(len(keys))
    moment, weight, seen = (np.zeros((len(keys), width)) for _ in range(3))
    for part in parts:
        used, add, counted, (m, w, n) = _gains(part, keys, first, width)
        gain += add
        series += used
        days = np.maximum(days, counted)
        moment, weight, seen = moment + m, weight + w, seen + n
    best = np.argmax(gain, axis=1)
    top = gain[np.arange(len(keys)), best]
    # One term per series, and which of the days the step starts on.
    penalty = series * np.log(np.maximum(days, 2)) / 2 + np.log(width)
    clear = (series > 0) & (top > penalty)
    clear &= _lasting(best, moment, weight, seen, clear)
    return {_key(keys[i]): first + np.timedelta64(int(best[i]), "D") for i in np.flatnonzero(clear)}


def _lasting(best: np.ndarray, moment, weight, seen, asked: np.ndarray) -> np.ndarray:
    """Per journey, whether the step at `best` holds to the end: a filter is on from a date
    on, while an outage of a few days, or a backfill, ends. The days after the step are cut
    in two halves (by days seen); each must show at least half the step, the same way.
    `moment`, `weight`: per journey and day, the sums of A (r - c A) and of A squared over
    its series (c each series' steady difference); `seen`: its days counted. Judged only
    for the journeys `asked` about (whose step beat its penalty; False for the others): a
    Python pass per journey, nearly all of them without a step: 6 ms of the 30-day Sent
    question at 250 journeys."""
    lasting = np.zeros(len(best), dtype=bool)
    for j in np.flatnonzero(asked).tolist():
        t = best[j]
        before = moment[j, :t].sum() / max(weight[j, :t].sum(), 1e-9)
        after = np.flatnonzero(seen[j, t:] > 0) + t
        if len(after) < 2:
            continue
        halves = np.array_split(after, 2)
        steps = [moment[j, h].sum() / max(weight[j, h].sum(), 1e-9) - before for h in halves]
        whole = moment[j, after].sum() / max(weight[j, after].sum(), 1e-9) - before
        lasting[j] = all(np.sign(s) == np.sign(whole) and abs(s) >= abs(whole) / 2 for s in steps)
    return lasting


def _key(key):
    return key.item() if hasattr(key, "item") else key


def _gains(part, keys: np.ndarray, first, width: int):
    """Per journey of `keys` and candidate day: this series' gain in log-likelihood from a
    step on that day; whether the series was judged; its settled days."""
    view = part.view
    # Only days past every window (retries' too): a retry queue's young days, settled as
    # the fit counts them, are one-signed and end the range like a step would.
    quiet = part.fit_on if part.quiet is None else part.quiet
    kept = quiet & (view.ajo > 0)
    row = np.searchsorted(keys, view.journey)
    column = (view.day - first).astype(np.int64)
    a = view.ajo.astype(float)
    r = part.rest.astype(float)
    kept &= ~_off_their_neighbours(row, column, r / np.maximum(a, 1.0), kept, len(keys), width)

    place = row[kept] * width + column[kept]

    def grid(values: np.ndarray) -> np.ndarray:
        # Sums of integers (counts and their products): `bincount` adds them exactly, as
        # `np.add.at` did at many times its cost.
        summed = np.bincount(place, values[kept], minlength=len(keys) * width)
        return summed.reshape(len(keys), width)

    aa, ar, rr, n = grid(a * a), grid(a * r), grid(r * r), grid(np.ones_like(a))
    # From each day to the last: what the days from t on hold.
    s_aa, s_ar, s_n = (np.cumsum(g[:, ::-1], axis=1)[:, ::-1] for g in (aa, ar, n))
    c_aa, c_ar, c_rr, c_n = s_aa[:, :1], s_ar[:, :1], rr.sum(axis=1, keepdims=True), s_n[:, :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(c_aa > 0, c_ar / c_aa, 0.0)
        sse0 = np.maximum(c_rr - c * c_ar, 0.0)
        spread = s_aa - s_aa * s_aa / np.where(c_aa > 0, c_aa, 1.0)
        drop = np.where(spread > 0, (s_ar - c * s_aa) ** 2 / spread, 0.0)
    sse1 = np.maximum(sse0 - drop, 0.0)
    floor = FLOOR * np.maximum(c_n, 1)
    sides = (s_n >= MIN_SIDE) & (c_n - s_n >= MIN_SIDE)
    gain = np.where(sides, c_n / 2 * np.log((sse0 + floor) / (sse1 + floor)), 0.0)
    used = (c_n[:, 0] >= 2 * MIN_SIDE).astype(float)
    return used, gain, c_n[:, 0], (ar - c * aa, aa, n)


# Days either side a day's ratio is compared with, and how many robust deviations off
# their median it may be: an outage of up to three days stands out, a step does not.
NEIGHBOURHOOD = 3
OUTLIER = 4.0


def _off_their_neighbours(row, column, ratio, kept, journeys: int, width: int) -> np.ndarray:
    """Per cell, whether its ratio of gap to volume is far off the median of its journey's
    days around it (NEIGHBOURHOOD either side): an outage of a few days, which a step on its
    first day would otherwise fit in part. Every day past a step is near its neighbours."""
    grid = np.full((journeys, width + 2 * NEIGHBOURHOOD), np.nan)
    grid[row[kept], column[kept] + NEIGHBOURHOOD] = ratio[kept]
    windows = np.lib.stride_tricks.sliding_window_view(grid, 2 * NEIGHBOURHOOD + 1, axis=1)
    local = nanmedian_last(windows)  # [journey, day]
    with np.errstate(invalid="ignore"):
        off = grid[:, NEIGHBOURHOOD:-NEIGHBOURHOOD] - local
    spread = 1.4826 * nanmedian_last(np.abs(off))[:, None]
    far = np.abs(off) > OUTLIER * np.nan_to_num(spread) + 1e-3
    return kept & far[row, column]


def nanmedian_last(values: np.ndarray) -> np.ndarray:
    """np.nanmedian over the last axis, the same numbers, without its per-row masked-array
    path (a third of the step's cost at 1,000 journeys): the values sorted (NaN last), the
    middle one of the n present, or the mean of the two middle ones; NaN where none is."""
    ordered = np.sort(values, axis=-1)
    present = np.count_nonzero(~np.isnan(values), axis=-1)
    last = values.shape[-1] - 1
    low = np.take_along_axis(ordered, ((present - 1) // 2).clip(0, last)[..., None], -1)[..., 0]
    high = np.take_along_axis(ordered, (present // 2).clip(0, last)[..., None], -1)[..., 0]
    middle = np.where(present % 2 == 1, low, (low + high) / 2)
    return np.where(present > 0, middle, np.nan)


def step_column(part, steps: dict) -> np.ndarray | None:
    """Per cell of `part`, AJO's value on its journey's days from the step on (0 before it,
    and for journeys without a step); None when no journey has one."""
    if not steps:
        return None
    view = part.view
    since = np.array(
        [steps.get(_key(k), np.datetime64("NaT")) for k in view.groups.keys],
        dtype="datetime64[D]",
    )
    start = since[view.groups.ids]
    after = ~np.isnat(start) & (view.day >= np.where(np.isnat(start), view.day, start))
    return np.where(after, view.ajo, 0).astype(float)
