"""Late records: whether a day can still change by more than the settling threshold, from
how many of its records may still arrive.

A learned window (bot.reconcile.settling) says when a metric's values stop drifting in
aggregate. A small metric's day is final only once nothing material is still to come, and
for 80 Bounces a day 0.5 % is less than one record: a single late record moves it, long
after history's drift test (a few late records spread over many values) calls the metric
settled. So the safe range also asks how many records may still arrive:

- the share of a day's records still to arrive at each age is the dataset's, not the
  metric's (CJA ingests each AJO dataset after a delay of its own), so it is learned from
  the snapshot history of every metric of the same dataset whose records carry their own
  event time, pooled (not Sent, whose CJA records wait for the retry queue first):
  Delivered's thousands of values teach what Bounces' dozens cannot, and the tracking
  dataset's opens and clicks, which keep arriving for weeks, teach Bounces nothing. Only
  a net rise counts (late records add; values restated up and down between captures are
  wobble, not arrivals), and the shares are fitted never to grow with age (what is still
  to arrive only shrinks) by averaging an age that moved more than a younger one with its
  neighbours, weighted by their values: one old age seen on a few values and moved by one
  record does not set every younger age's share;
- the records of a day still to come are then Poisson, their mean what CJA has of the day
  times share / (1 - share) (nothing, where CJA has none of it: a dataset left out of the
  connection); the day is final when they are at most PARITY_SETTLE_CHANGE_PCT of the
  day's values in both products together (the share the evaluation calls final);
- the range ends on the latest day up to which every day is final with probability at
  least CONFIDENCE;
- a day's own counts say how many of its records CJA still lacks, give or take the data
  source's noise: AJO's count (final once the day is over) times the journey's usual CJA /
  AJO ratio on days older than the retry window, less CJA's count. Where the journey has
  enough such days, the chance is read given that shortfall (the records still to come are
  the Poisson above, the shortfall is them plus noise as wide as the settled days' own
  scatter): a day whose CJA count already holds the journey's usual share of AJO's is
  less likely to get more, one that falls short of it more likely.

A channel's own series teach its share when CJA's were seen at every age up to the retry
window (as for the windows, bot.reconcile.settled), else every channel's together; with too
little history nothing is learned and the window alone decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import pandas as pd

from bot.metrics import METRIC_TABLE, SOURCE_NAMES, metric_facts
from bot.reconcile.channels import UNKNOWN
from bot.reconcile.settling import MIN_SERIES, MIN_SERIES_PER_AGE, _named, _rows

# The chance, at least, that every day of a safe range is final.
CONFIDENCE = 0.9
# The product whose values arrive late: its series must have been seen at every age.
MOVING_SOURCE = "cja"
# Metrics whose records carry their own event time and wait for CJA's ingestion alone.
POOLED = tuple(m.name for m in METRIC_TABLE if not m.retry_affected and not m.evidence_only)


def pooled_with(metric: str) -> tuple[str, ...]:
    """The POOLED metrics that teach `metric`'s late records: those of its dataset."""
    dataset = metric_facts(metric).dataset
    return tuple(m for m in POOLED if metric_facts(m).dataset == dataset)


@dataclass(frozen=True)
class Arrival:
    """Per age in days (from 0), the share of a day's records still to arrive, as the
    snapshot history of `values` values showed it (the slowest source's)."""

    shares: tuple[float, ...]
    values: int
    # Read from the latest capture's own cells (`from_capture`), not from snapshot history.
    captured: bool = False
    # Per quarter of a day of age (hours since the day's midnight, as the store counts ages,
    # over QUARTER_HOURS), where history kept its captures' hours; empty: not kept.
    quarters: tuple[float, ...] = ()

    def share(self, age: int) -> float:
        """Beyond the ages history saw, the oldest age's share (it only shrinks)."""
        if not self.shares:
            return 0.0
        return self.shares[min(max(age, 0), len(self.shares) - 1)]


def learn_arrival(
    history: pd.DataFrame | None,
    horizon: int,
    channel: str | None = None,
    unnamed: str = "",
    metrics: tuple[str, ...] = POOLED,
) -> Arrival | None:
    """The shares still to arrive, from `metrics`' history (of `channel`'s series when
    given; None pools every channel); None when CJA's values were not seen at every age
    below `horizon` by enough values to learn from."""
    if history is None or not len(history):
        return None
    summed: dict[tuple[str, int], list[int]] = {}
    for metric in metrics:
        for source, age, series, volume, change, _ in _rows(history, metric, channel, unnamed):
            total = summed.setdefault((source, int(age)), [0, 0, 0])
            total[0] += series
            total[1] += volume
            total[2] += change
    per_source = {}
    for source in SOURCE_NAMES:
        ages = {age: v for (s, age), v in summed.items() if s == source}
        judged = {age: v for age, v in ages.items() if v[0] >= MIN_SERIES_PER_AGE}
        per_source[source] = judged
    cja = per_source.get(MOVING_SOURCE, {})
    seen = sum(v[0] for v in cja.values())
    if seen < MIN_SERIES or any(age not in cja for age in range(horizon)):
        return None
    oldest = max(max(ages, default=0) for ages in per_source.values())
    shares = np.zeros(oldest + 1)
    for ages in per_source.values():
        share, weight = np.zeros(oldest + 1), np.zeros(oldest + 1)
        for age, (_, volume, change) in ages.items():
            if (final := volume + change) > 0:
                # Late records only add; a net fall is values restated, not arriving.
                share[age], weight[age] = max(change, 0) / final, final
        shares = np.maximum(shares, _non_increasing(share, weight))
    quarters = _quarter_shares(history, metrics, channel, unnamed, shares)
    return Arrival(tuple(shares.tolist()), int(seen), quarters=quarters)


def _quarter_shares(
    history: pd.DataFrame,
    metrics: tuple[str, ...],
    channel: str | None,
    unnamed: str,
    by_day: np.ndarray,
) -> tuple[float, ...]:
    """The shares still to arrive per quarter of a day of age, where the history kept its
    captures' hours (an `age_quarters` column); empty where it did not. A quarter seen on
    too few values takes its day's share, and the whole is fitted never to grow with age
    as the days' shares are.

    A quarter's share only ever raises its day's (`by_day`): read alone, the quarters a
    day's last hours make lower ended ranges later and made more of them late on the event
    tuning seeds (whole answers 20 -> 21, journey rows 96 -> 99), where the whole day's
    share already falls short of what arrives at every capture hour; raised where the
    capture is early in its day's age, which sees a younger day than the whole-day share
    assumes (docs/evaluation.md, "Late records read by the capture's hour")."""
    if "age_quarters" not in history.columns:
        return ()
    picked = np.isin(history["metric"].to_numpy(), list(metrics))
    if channel is not None:
        if "channel" not in history.columns:
            return ()
        named = [_named(c, unnamed) == channel for c in history["channel"].to_numpy().tolist()]
        picked &= np.array(named, dtype=bool)
    count = len(by_day) * QUARTERS_PER_DAY
    quarter = history["age_quarters"].to_numpy(np.int64)
    picked &= (quarter >= 0) & (quarter < count)
    sources, quarter = history["source"].to_numpy()[picked], quarter[picked]
    numbers = [history[c].to_numpy(float)[picked] for c in ("series", "volume", "change")]
    shares = np.zeros(count)
    for source in sorted(set(sources.tolist())):
        mine = sources == source
        # Whole records: the float sums are exact.
        series, volume, change = (
            np.bincount(quarter[mine], weights=number[mine], minlength=count) for number in numbers
        )
        final = volume + change
        judged = (series >= MIN_SERIES_PER_AGE) & (final > 0)
        share = np.repeat(by_day, QUARTERS_PER_DAY)
        weight = np.ones(count)
        # Late records only add; a net fall is values restated, not arriving.
        share[judged] = np.maximum(change[judged], 0) / final[judged]
        weight[judged] = final[judged]
        shares = np.maximum(shares, _non_increasing(share, weight))
    return tuple(np.maximum(shares, np.repeat(by_day, QUARTERS_PER_DAY)).tolist())


# The share still to arrive is read per this many hours of a day's age where history kept
# its captures' hours: at the same whole-day age a capture at 02:00 sees a day almost a day
# younger than one at 23:00 (docs/evaluation.md).
QUARTER_HOURS = 6
QUARTERS_PER_DAY = 24 // QUARTER_HOURS


def shares_at(curve: Arrival, ages: np.ndarray, offset: float | None) -> np.ndarray:
    """The shares still to arrive at days `ages` whole days old (today 0), the capture taken
    `offset` hours after today's midnight (as the store counts ages): per quarter day where
    history kept them and the capture's hour is known, else per whole day."""
    if offset is None or not curve.quarters:
        return np.asarray(curve.shares)[np.clip(ages, 0, len(curve.shares) - 1)]
    quarter = np.floor((ages * 24 + offset) / QUARTER_HOURS).astype(np.int64)
    return np.asarray(curve.quarters)[np.clip(quarter, 0, len(curve.quarters) - 1)]


def from_capture(cells: pd.DataFrame, today: date, horizon: int) -> Arrival | None:
    """Where snapshot history taught no shares: the latest capture's own, per age below
    `horizon` (every journey of an answer together), from what its attribution still
    expects CJA to receive (processing lag and retries) against what CJA already holds:
    the capture sees every age at once, its young days still short and its old ones not.
    Fitted never to grow with age, nothing still to come at `horizon` (the days the
    attribution reads as settled). None when some age below it holds no records (nothing
    to read the share from) or the cells carry no attribution."""
    if not len(cells) or not {"processing_lag", "retries"} <= set(cells.columns):
        return None
    days = cells["day"].to_numpy().astype("datetime64[D]").astype(np.int64) + EPOCH_ORDINAL
    ages = today.toordinal() - days
    owed = np.maximum(cells["processing_lag"].to_numpy(float), 0) + np.maximum(
        cells["retries"].to_numpy(float), 0
    )
    arrived = np.maximum(cells["cja"].to_numpy(float), 0)
    young = (ages >= 0) & (ages < horizon)
    owed_by_age = np.bincount(ages[young], weights=owed[young], minlength=horizon)
    final = owed_by_age + np.bincount(ages[young], weights=arrived[young], minlength=horizon)
    if not (final > 0).all():
        return None
    shares = _non_increasing(np.append(owed_by_age / final, 0.0), np.append(final, final[-1]))
    return Arrival(tuple(shares.tolist()), int(young.sum()), captured=True)


def _non_increasing(share: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The closest shares that never grow with age, weighted by each age's values (pool
    adjacent violators): an old age seen on a few values and moved by one record of
    wobble is averaged with the ages around it instead of setting every younger age's
    share, as a running maximum would."""
    blocks: list[list[float]] = []  # [mean, weight, ages]
    for value, w in zip(share.tolist(), weight.tolist(), strict=True):
        blocks.append([value, w, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            mean, w2, n2 = blocks.pop()
            last = blocks[-1]
            total = last[1] + w2
            last[0] = (last[0] * last[1] + mean * w2) / total if total else max(last[0], mean)
            last[1], last[2] = total, last[2] + n2
    return np.concatenate([np.full(n, mean) for mean, _, n in blocks])


def learn_arrivals(
    history: pd.DataFrame | None,
    horizon: int,
    unnamed: str = "",
    metrics: tuple[str, ...] = POOLED,
) -> dict[str, Arrival | None]:
    """`learn_arrival` for each channel the history names, and every channel's together
    under None."""
    result: dict[str | None, Arrival | None] = {
        None: learn_arrival(history, horizon, metrics=metrics)
    }
    if history is not None and "channel" in history.columns and len(history):
        names = {_named(c, unnamed) for c in history["channel"].tolist()}
        for name in sorted(names):
            result[name] = learn_arrival(history, horizon, name, unnamed, metrics)
    return result


def learn_by_dataset(
    history: pd.DataFrame | None, horizon: int, unnamed: str = ""
) -> dict[str, dict[str | None, Arrival | None]]:
    """`learn_arrivals` per AJO dataset (its name), each from its own metrics."""
    taught = {pooled_with(metric): metric_facts(metric).dataset.name for metric in POOLED}
    return {
        dataset: learn_arrivals(history, horizon, unnamed, metrics)
        for metrics, dataset in taught.items()
    }


@dataclass(frozen=True, eq=False)
class Volumes:
    """Each journey's cells of an answer, read once: the day (ordinal), CJA's count (the
    records that arrived, a share of those to come) and AJO's and CJA's together (what a
    change is judged against). `of(keys)` picks journeys without a pass over every cell
    (a by_journey row per journey would be quadratic in journeys). `shortfalls`: per
    journey, aligned with its cells, how many records CJA lacks against the journey's
    usual ratio and that reading's variance (journeys without enough settled days have
    none)."""

    by_journey: dict[int, np.ndarray]  # journey key -> [3, cells]: day, cja, both
    # journey key -> [2, cells]: shortfall, variance; or what reads them when first asked
    # (most answers never judge a day by its late records).
    read: dict[int, np.ndarray] | Callable[[], dict[int, np.ndarray]] = field(default_factory=dict)

    @cached_property
    def shortfalls(self) -> dict[int, np.ndarray]:
        return self.read() if callable(self.read) else self.read

    @classmethod
    def of_cells(cls, cells: pd.DataFrame, settled_before: date | None = None) -> Volumes:
        """`settled_before`: the days before it have settled (older than the retry window);
        they teach each journey's usual ratio. None: no shortfalls are read."""
        if not len(cells):
            return cls({})
        # numpy counts days from 1970-01-01; date.toordinal from 0001-01-01.
        days = cells["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
        ajo, cja = (cells[c].to_numpy(np.int64) for c in ("ajo", "cja"))
        table = np.stack([days + EPOCH_ORDINAL, cja, ajo + cja])
        keys = cells["journey_key"].to_numpy()
        order = np.argsort(keys, kind="stable")
        labels, starts = np.unique(keys[order], return_index=True)
        ordered = table[:, order]
        by_journey = dict(zip(labels.tolist(), np.split(ordered, starts[1:], axis=1), strict=True))
        if settled_before is None:
            return cls(by_journey)
        settled = settled_before.toordinal()

        def read() -> dict[int, np.ndarray]:
            short, known = _shortfalls(ordered, starts, settled)
            pieces = np.split(short, starts[1:], axis=1)
            return {
                key: piece
                for key, piece, seen in zip(labels.tolist(), pieces, known.tolist(), strict=True)
                if seen
            }

        return cls(by_journey, read)

    def of(self, keys: Iterable[int] | None) -> Volumes:
        if keys is None:
            return self
        # The picked journeys read their shortfalls from these (read once, when asked).
        return Volumes(
            {k: self.by_journey[k] for k in keys if k in self.by_journey}, lambda: self.shortfalls
        )

    def shortfall(self, key: int, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Journey `key`'s shortfall and its variance on the cells `inside` picks (none
        read: 0 and an infinite variance, which says nothing)."""
        found = self.shortfalls.get(key)
        if found is None:
            count = int(inside.sum())
            return np.zeros(count), np.full(count, np.inf)
        return found[0][inside], found[1][inside]


# A journey's usual ratio and its scatter need this many settled days with AJO counts.
SETTLED_DAYS_NEEDED = 7
# The variance of a shortfall is never taken under this (records squared): the counts are
# whole records, and a journey whose settled days agree exactly says little about one more.
MIN_SHORTFALL_VARIANCE = 0.25


def _shortfalls(
    table: np.ndarray, starts: np.ndarray, settled_before: int
) -> tuple[np.ndarray, np.ndarray]:
    """[2, cells] in `table`'s order (sorted by journey, each journey's cells from its
    start): AJO's count times the journey's CJA / AJO ratio over its settled days, less
    CJA's count; and the variance of that reading (the settled days' squared residuals per
    AJO record times AJO's count, plus the ratio's own uncertainty). And per journey
    whether it had SETTLED_DAYS_NEEDED settled days (the others' readings mean nothing)."""
    day, cja, both = table
    ajo = (both - cja).astype(float)
    cja = cja.astype(float)
    journey = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(day))))
    settled = (day < settled_before) & (ajo > 0)
    count = np.bincount(journey, weights=settled, minlength=len(starts))
    ajo_sum = np.bincount(journey, weights=np.where(settled, ajo, 0.0), minlength=len(starts))
    cja_sum = np.bincount(journey, weights=np.where(settled, cja, 0.0), minlength=len(starts))
    known = count >= SETTLED_DAYS_NEEDED
    ratio = np.divide(cja_sum, ajo_sum, out=np.zeros(len(starts)), where=known)
    residual = cja - ratio[journey] * ajo
    scatter = np.where(settled, residual**2 / np.where(settled, ajo, 1.0), 0.0)
    per_record = np.divide(
        np.bincount(journey, weights=scatter, minlength=len(starts)),
        count,
        out=np.zeros(len(starts)),
        where=known,
    )
    uncertainty = np.divide(per_record, ajo_sum, out=np.zeros(len(starts)), where=known)
    variance = np.maximum(
        per_record[journey] * ajo + uncertainty[journey] * ajo**2, MIN_SHORTFALL_VARIANCE
    )
    return np.stack([-residual, variance]), known


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


# At most this many Poisson terms are held at once while summing tails (memory only).
_BATCH_TERMS = 1 << 20


def exceed_chances(mean: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """P(Poisson(mean) > allowed) for every day at once. A day none of whose records has
    arrived yet (an infinite mean) is sure to change; one with none to come, sure not to;
    beyond twelve standard deviations (and twelve records) the tail is 0 or 1 to a float's
    precision. The rest are summed term by term, all days together (`np.add.reduceat`
    over their concatenated terms): a Python call per day cost 14 µs, 157,000 of them in
    a 13-month question at 50 journeys."""
    n = np.floor(allowed)
    finite = np.isfinite(mean) & (mean > 0)
    safe_mean = np.where(finite, mean, 0.0)
    spread = 12 * np.sqrt(safe_mean) + 12
    chance = np.where(np.isinf(mean), 1.0, 0.0)
    chance[finite & (n < safe_mean - spread)] = 1.0
    summed = np.flatnonzero(finite & (n >= safe_mean - spread) & (n <= safe_mean + spread))
    if len(summed):
        chance[summed] = _summed_tails(mean[summed], n[summed].astype(np.int64))
    return chance


def _summed_tails(mean: np.ndarray, n: np.ndarray) -> np.ndarray:
    """1 - P(Poisson(mean) <= n), each case's terms k = 0..n summed in log space, in
    batches of about _BATCH_TERMS terms."""
    lengths = n + 1
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n.max() + 1)))])
    ends = np.cumsum(lengths)
    tails = np.empty(len(n))
    first = 0
    while first < len(n):
        # The cases whose terms fit in this batch (one at least, however long).
        offset = ends[first] - lengths[first]
        last = max(first + 1, int(np.searchsorted(ends, offset + _BATCH_TERMS, "right")))
        size = lengths[first:last]
        starts = np.concatenate([[0], np.cumsum(size)[:-1]])
        k = np.arange(size.sum()) - np.repeat(starts, size)
        log_pmf = (
            np.repeat(-mean[first:last], size)
            + k * np.repeat(np.log(mean[first:last]), size)
            - log_factorial[k]
        )
        tails[first:last] = 1.0 - np.add.reduceat(np.exp(log_pmf), starts)
        first = last
    return np.maximum(tails, 0.0)


# Above this many records expected still to come, the day is not judged by its shortfall
# (the Poisson's own spread then dwarfs a record or two, and the terms would be many).
SHORTFALL_MEAN_MAX = 50.0
# Nor a day the Poisson alone gives less than this chance of a late change: history says
# days of its age no longer move, and a shortfall there is the data source's (or a filter's)
# more likely than records on their way; it also spares a long range's old days the sums.
SHORTFALL_CHANCE_MIN = 1e-3
_LOG_FACTORIAL = np.concatenate(
    [[0.0], np.cumsum(np.log(np.arange(1, int(SHORTFALL_MEAN_MAX + 12 * 50**0.5 + 13))))]
)


def _judged(chance: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The days whose chance a shortfall would be read for (before any is looked up)."""
    return (
        np.isfinite(mean)
        & (mean > 0)
        & (mean <= SHORTFALL_MEAN_MAX)
        & (chance >= SHORTFALL_CHANCE_MIN)
        & (chance < 1)
    )


def conditioned_chances(
    chance: np.ndarray,
    mean: np.ndarray,
    allowed: np.ndarray,
    shortfall: np.ndarray,
    variance: np.ndarray,
) -> np.ndarray:
    """`chance` (P(Poisson(mean) > allowed)) read again given each day's shortfall: the
    records still to come, k, are Poisson(mean) before the day's counts are looked at, and
    the shortfall is k plus normal noise of `variance`, so P(k > allowed | shortfall) weighs
    each k by its Poisson term times the noise's density at shortfall - k. Days with an
    infinite variance (no shortfall read), none or too many records expected, or a chance
    under SHORTFALL_CHANCE_MIN or already 1 to a float's precision keep `chance`."""
    result = chance.copy()
    judged = np.flatnonzero(np.isfinite(variance) & _judged(chance, mean))
    if not len(judged):
        return result
    lam, short, spread = mean[judged, None], shortfall[judged, None], variance[judged, None]
    # Terms up to twelve standard deviations above the largest mean judged at all, the
    # same for every day (a day's chance does not depend on which others are judged).
    terms = np.arange(len(_LOG_FACTORIAL))
    log_weight = (
        terms * np.log(lam) - lam - _LOG_FACTORIAL[terms] - (short - terms) ** 2 / (2 * spread)
    )
    weight = np.exp(log_weight - log_weight.max(axis=1, keepdims=True))
    beyond = np.floor(allowed[judged, None]) < terms
    result[judged] = (weight * beyond).sum(axis=1) / weight.sum(axis=1)
    return result


@dataclass(frozen=True)
class Final:
    """The last day up to which every day is final with probability CONFIDENCE, and why
    the next day is not: AJO's count that day, its age and the share still to arrive then."""

    last: date
    first_unsure: date
    volume: int
    age: int
    share: float


def final_until(
    today: date,
    start: date,
    end: date,
    change_pct: float,
    arrivals: Mapping[str | None, Arrival | None],
    channels: Mapping[int, tuple[str, ...]] | None,
    volumes: Volumes,
    offset: float | None = None,
) -> Final | None:
    """Where late records cut the range `start`..`end` short; None when every day up to
    `end` is final with probability CONFIDENCE, or when no share was learned."""
    per_curve: dict[int, tuple[Arrival, list[int], list[np.ndarray]]] = {}
    for key, table in volumes.by_journey.items():
        curve = _curve(key, arrivals, channels)
        if curve is not None:
            _, keys, tables = per_curve.setdefault(id(curve), (curve, [], []))
            keys.append(key)
            tables.append(table)
    if not per_curve:
        return None
    first, last, now = start.toordinal(), end.toordinal(), today.toordinal()
    days, means, judged, shares, arrived = [], [], [], [], []
    for curve, _, tables in per_curve.values():
        day, cja, both = np.concatenate(tables, axis=1)
        inside = (day >= first) & (day <= last)
        day, cja, both = day[inside], cja[inside], both[inside]
        still = shares_at(curve, now - day, offset)
        with np.errstate(divide="ignore", invalid="ignore"):
            # What arrived is 1 - still of the day's records: the rest is still to come.
            mean = np.where(still < 1, np.maximum(cja, 0) * still / (1 - still), np.inf)
        days.append(day)
        means.append(mean)
        judged.append(both)
        shares.append(still)
        arrived.append(cja)
    day = np.concatenate(days)
    if not len(day):
        return None
    labels, inverse = np.unique(day, return_inverse=True)
    mean = np.bincount(inverse, weights=np.concatenate(means))
    total = np.bincount(inverse, weights=np.concatenate(judged))
    ajo = total - np.bincount(inverse, weights=np.concatenate(arrived))
    share = np.zeros(len(labels))
    np.maximum.at(share, inverse, np.concatenate(shares))
    allowed = total * change_pct / 100
    chance = exceed_chances(mean, allowed)
    if _judged(chance, mean).any():
        # A day's shortfall is its journeys' summed, as is its variance (an infinite one,
        # where some journey's was not read, says nothing of the day).
        read = [
            volumes.shortfall(key, (table[0] >= first) & (table[0] <= last))
            for _, keys, tables in per_curve.values()
            for key, table in zip(keys, tables, strict=True)
        ]
        shortfall = np.bincount(inverse, weights=np.concatenate([r[0] for r in read]))
        variance = np.bincount(inverse, weights=np.concatenate([r[1] for r in read]))
        chance = conditioned_chances(chance, mean, allowed, shortfall, variance)
    # Every day up to a day is final with the product of each day's chance of being so.
    sure = np.cumprod(1.0 - chance)
    unsure = np.flatnonzero(sure < CONFIDENCE)
    if len(unsure):
        i = int(unsure[0])
        ordinal = int(labels[i])
        return Final(
            date.fromordinal(ordinal) - timedelta(days=1),
            date.fromordinal(ordinal),
            int(ajo[i]),
            now - ordinal,
            float(share[i]),
        )
    return None


def still_to_come(
    journeys: np.ndarray,
    ages: np.ndarray,
    cja: np.ndarray,
    arrivals: Mapping[str | None, Arrival | None],
    channels: Mapping[int, tuple[str, ...]] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the records history says are still to come (the mean of the Poisson
    `final_until` judges by: CJA's count times share / (1 - share) at the day's age; none
    where CJA has none, or no share was learned) and that share."""
    keys, inverse = np.unique(journeys, return_inverse=True)
    inverse = inverse.reshape(-1)
    # One row of shares per journey (zeros where none was learned), read once per cell by
    # (journey, age): no pass over every cell per journey.
    curves = [_curve(key, arrivals, channels) for key in keys.tolist()]
    rows = [curve.shares if curve is not None else () for curve in curves]
    lengths = np.array([max(len(row), 1) for row in rows])
    table = np.zeros((len(keys), int(lengths.max()) if len(keys) else 1))
    for number, row in enumerate(rows):
        table[number, : len(row)] = row
    share = table[inverse, np.clip(ages, 0, lengths[inverse] - 1)] if len(keys) else np.zeros(0)
    share = np.minimum(share, 0.99)  # a share of 1 (nothing arrived yet) says no count
    return np.maximum(cja, 0) * share / (1 - share), share


def _curve(key, arrivals, channels) -> Arrival | None:
    """The shares still to arrive that judge journey `key`: its channel's (a journey of
    several channels: the slowest of their shares), else every channel's together."""
    named = channels.get(int(key), (UNKNOWN,)) if channels is not None else ()
    mine = [a for a in (arrivals.get(c) for c in named) if a is not None]
    return max(mine, key=lambda a: sum(a.shares), default=arrivals.get(None))


def finals_until(
    today: date,
    start: date,
    ends: Sequence[date],
    change_pct: float,
    arrivals: Mapping[str | None, Arrival | None],
    channels: Mapping[int, tuple[str, ...]] | None,
    volumes: Sequence[Volumes],
    offset: float | None = None,
) -> list[Final | None]:
    """`final_until` for each of `volumes`, from `start` to its own end in `ends`: every
    journey row of an answer at once. A row of one journey with one cell per day (every row
    but a name several journeys share) is judged with all the others in one pass: each
    day's chance computed together (`exceed_chances`), the running product per row laid out
    in rows padded with ones; the figures equal the row's own `final_until` exactly (the
    same operations on the same numbers, a day's sums over its one cell). Other rows call
    `final_until`."""
    results: list[Final | None] = [None] * len(volumes)
    single, curves, tables, row_keys = [], {}, [], []
    for i, (given, end) in enumerate(zip(volumes, ends, strict=True)):
        if len(given.by_journey) != 1:
            results[i] = final_until(
                today, start, end, change_pct, arrivals, channels, given, offset
            )
            continue
        ((key, table),) = given.by_journey.items()
        curve = _curve(key, arrivals, channels)
        if curve is not None:
            single.append((i, curves.setdefault(id(curve), (len(curves), curve))[0]))
            tables.append(table)
            row_keys.append(key)
    if not single:
        return results
    first, now = start.toordinal(), today.toordinal()
    rows = np.repeat(np.arange(len(single)), [t.shape[1] for t in tables])
    day, cja, both = np.concatenate(tables, axis=1)
    last = np.array([ends[i].toordinal() for i, _ in single])[rows]
    inside = (day >= first) & (day <= last)
    rows, day, cja, both = rows[inside], day[inside], cja[inside], both[inside]
    kept = np.flatnonzero(inside)  # each remaining cell's place among every row's cells
    # A row whose days repeat or go back is judged on its own (its days are summed).
    repeated = np.unique(rows[1:][(rows[1:] == rows[:-1]) & (day[1:] <= day[:-1])])
    for row in repeated.tolist():
        i = single[row][0]
        results[i] = final_until(
            today, start, ends[i], change_pct, arrivals, channels, volumes[i], offset
        )
    if len(repeated):
        keep = ~np.isin(rows, repeated)
        rows, day, cja, both = rows[keep], day[keep], cja[keep], both[keep]
        kept = kept[keep]
    if not len(rows):
        return results
    used = np.array([number for _, number in single])[rows]
    still = np.zeros(len(day))
    for number, curve in curves.values():
        mine = used == number
        still[mine] = shares_at(curve, now - day[mine], offset)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(still < 1, np.maximum(cja, 0) * still / (1 - still), np.inf)
    # As a day's sums over its one cell (np.bincount adds each to 0.0).
    mean, total, arrived = 0.0 + mean, 0.0 + both.astype(float), 0.0 + cja.astype(float)
    share = np.maximum(0.0, still)
    allowed = total * change_pct / 100
    chance = exceed_chances(mean, allowed)
    if _judged(chance, mean).any():
        every = [
            np.stack(volumes[i].shortfall(key, np.ones(table.shape[1], dtype=bool)))
            for (i, _), table, key in zip(single, tables, row_keys, strict=True)
        ]
        short, variance = 0.0 + np.concatenate(every, axis=1)[:, kept]
        chance = conditioned_chances(chance, mean, allowed, short, variance)
    counts = np.bincount(rows, minlength=len(single))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    place = np.arange(len(rows)) - starts[rows]
    padded = np.ones((len(single), int(counts.max())))
    padded[rows, place] = 1.0 - chance
    unsure = np.cumprod(padded, axis=1) < CONFIDENCE
    for row in np.flatnonzero(unsure.any(axis=1)).tolist():
        j = starts[row] + int(np.argmax(unsure[row]))
        ordinal = int(day[j])
        results[single[row][0]] = Final(
            date.fromordinal(ordinal) - timedelta(days=1),
            date.fromordinal(ordinal),
            int(total[j] - arrived[j]),
            now - ordinal,
            float(share[j]),
        )
    return results
