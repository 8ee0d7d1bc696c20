"""How queued retries thin out with age: one retry period shared by a metric's journeys.

Adobe: an email stays in the retry queue for the retry time period (84 hours by default,
at least 6 for marketing), set per email channel configuration; a message whose soft bounce
clears leaves the queue delivered along the way, one whose bounce never clears waits out
the whole period and then bounces. So the share of a day's sends still queued falls with
the day's age and is gone after the period, in a shape between two: a steady drain, share x
(1 - age / period) with ages counted from the middle of the day's sends to the capture
(`queue_age`), where most queued messages get through; and a plateau, the whole share until
the period ends, where most never do (the day's sends leave over the day they turn `period`
old). Each journey has its own share (its audience's soft bounces); the period and the
shape are one per configuration, so they are fitted once, across journeys. Journeys may be
sent through different configurations, though: one whose own days plainly reject the shared
drain (one precise journey's days can set a one-day period under which another's
three-day-old queue is nothing) keeps the drain its own days fit.

One day's reading of a journey's retries is as noisy as the retries themselves (the two
products' data sources wobble by a few tenths of a percent from day to day), but the
journey's three or four young days together fix its share far better; the fitted curve is
the amount each day is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Retry periods tried, in days: from the shortest marketing period to Adobe's 84 h maximum.
PERIODS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5)
# Shares of the queue that wait out the whole period (the plateau), tried.
STAYING = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class Drain:
    """How a day's queued retries leave the queue: the retry period, in days, and the share
    of them that wait it out (bounces that never clear)."""

    period: float = PERIODS[-1]
    staying: float = 0.0

    def still_queued(self, age: np.ndarray) -> np.ndarray:
        """The share of a day's retries still queued at this age (days before today)."""
        steady = np.clip(1 - (age + 0.5) / self.period, 0, 1)
        plateau = np.clip(self.period + 0.5 - age, 0, 1)
        return self.staying * plateau + (1 - self.staying) * steady


def queue_age(age: np.ndarray, elapsed: float) -> np.ndarray:
    """A day's age as `Drain.still_queued` reads it, from its age in days before today and
    the share of today gone at the capture (`elapsed`): the still_queued curve counts a day
    as half a day old at age 0. A capture taken in the morning finds yesterday's sends
    younger than a day, and today's few hours old: read as though the capture came at the
    day's end, today's queue (nearly all of its soft bounces still being retried) was given
    half a day's drain, and an older day's queue read as drained by up to a day more than
    it was. Equal to `age` when the capture is at the end of today (`elapsed` 1), as when
    its time is not known."""
    return np.where(age <= 0, elapsed / 2 - 0.5, age + elapsed - 1.0)


DRAINS = tuple(Drain(period, staying) for staying in STAYING for period in PERIODS)


@dataclass(frozen=True, eq=False)
class Reading:
    """One journey's per-day reading of queued retries on its young days."""

    index: np.ndarray  # cell positions
    queued: np.ndarray  # the reading, per day
    variance: np.ndarray  # its variance, per day
    volume: np.ndarray  # AJO's Sent, per day
    age: np.ndarray  # days before today


def _estimate(reading: Reading, drain: Drain) -> tuple[float, float]:
    """The journey's own share for this drain (unclipped) and its variance."""
    x = reading.volume * drain.still_queued(reading.age)
    weight = float((x * x / reading.variance).sum())
    if weight <= 0:
        return 0.0, np.inf
    return float((reading.queued * x / reading.variance).sum()) / weight, 1.0 / weight


def _misfit(reading: Reading, drain: Drain) -> float:
    """The weighted squared misfit of the journey's readings to its own curve (no negative
    share) for this drain."""
    share = max(_estimate(reading, drain)[0], 0.0)
    x = reading.volume * drain.still_queued(reading.age)
    return float(((reading.queued - share * x) ** 2 / reading.variance).sum())


# Drains whose summed misfit is within this of the least fit the readings as well as it
# does: the readings cannot tell them apart (chi-square with two degrees of freedom, period
# and plateau, at one standard deviation).
TIED_MISFIT = 2.30


def fit(readings: list[Reading]) -> Drain:
    """The drain (retry period and plateau share) whose curve fits all journeys' readings
    best, among those within TIED_MISFIT of the least misfit the steadiest (then the best
    fitting; on an exact tie the shorter period).

    A plateau says the queued messages wait out the whole period rather than get through
    along the way: the readings must show that, not only fit it a fraction of a unit
    better. When a young day reads noisily (today's, as uncertain as its whole shortfall;
    any day whose witnesses are few), a little processing lag read as retries on a
    two-day-old day can tip the least misfit from a drain to a two-day plateau, which then
    gives today no more than yesterday."""
    if not readings:
        return Drain()
    misfits = np.array([sum(_misfit(r, d) for r in readings) for d in DRAINS])
    tied = np.flatnonzero(misfits <= misfits.min() + TIED_MISFIT)
    steadiest = min(DRAINS[i].staying for i in tied)
    best = min((i for i in tied if DRAINS[i].staying == steadiest), key=lambda i: misfits[i])
    return DRAINS[best]


# A journey keeps its own drain where the shared one misfits its days by more than this
# beyond its own best (chi-square with two degrees of freedom, period and plateau, at 1 %).
DISTINCT_MISFIT = 9.21


def drain_of(reading: Reading, drain: Drain) -> Drain:
    """The drain one journey's amounts follow: the shared `drain`, unless the journey's own
    readings fit their best drain better by more than DISTINCT_MISFIT (the retry period is
    set per email configuration, and not every journey is sent through the same one)."""
    best = min(DRAINS, key=lambda d: _misfit(reading, d))
    return best if _misfit(reading, drain) - _misfit(reading, best) > DISTINCT_MISFIT else drain


@dataclass(frozen=True)
class Shared:
    """The journeys' shared retry rate: the weighted mean of their own shares, the spread
    between journeys, and the sum of their weights (pooled over every journey,
    bot.reconcile.pool)."""

    mean: float
    between: float
    weight: float


def shared(readings: list[Reading], drain: Drain) -> Shared | None:
    """The journeys' shared rate under `drain`: the weighted mean of their own shares and
    the spread between them (DerSimonian-Laird); None when no journey's share could be
    read."""
    known = [(s, v) for s, v in (_estimate(r, drain) for r in readings) if np.isfinite(v)]
    if not known:
        return None
    shares = np.array([s for s, _ in known])
    weights = 1.0 / np.array([v for _, v in known])
    mean = float((weights * shares).sum() / weights.sum())
    q = float((weights * (shares - mean) ** 2).sum())
    scale = weights.sum() - (weights**2).sum() / weights.sum()
    between = max(0.0, (q - (len(known) - 1)) / scale) if scale > 0 else 0.0
    return Shared(mean, between, float(weights.sum()))


def amounts(
    readings: list[Reading], drain: Drain, z: float, pooled: Shared | None = None
) -> list[np.ndarray | None]:
    """Per journey and day, the fitted retries; None where its share is not beyond noise.

    Each journey's share is read from its own days, then drawn towards the share of all
    journeys as far as the journeys agree (empirical Bayes, DerSimonian-Laird): journeys
    sent through the same configuration see similar soft bounces, and a small journey's own
    reading is mostly noise. Journeys that plainly differ (a push journey never retries)
    widen the spread between journeys and keep their own readings; one whose days plainly
    drain otherwise keeps its own drain and share (`drain_of`). `pooled` (`shared`'s
    figures over every journey, bot.reconcile.pool) when `readings` are some journeys' only.
    """
    if pooled is None:
        pooled = shared(readings, drain)
    if pooled is None:
        return [None] * len(readings)
    mean, between = pooled.mean, pooled.between
    result: list[np.ndarray | None] = []
    for reading in readings:
        own = drain_of(reading, drain)
        if own != drain:
            # Its own curve: the shared rate is a share of another curve's queue.
            share, variance = _estimate(reading, own)
            fitted = share * reading.volume * own.still_queued(reading.age)
            result.append(fitted if share > z * np.sqrt(variance) else None)
            continue
        share, variance = _estimate(reading, drain)
        if between == 0.0 or not np.isfinite(variance):
            precision = pooled.weight if between == 0.0 else 1.0 / between
            drawn, spread = mean, 1.0 / precision
        else:
            precision = 1.0 / variance + 1.0 / between
            drawn = (share / variance + mean / between) / precision
            spread = 1.0 / precision
        if drawn <= z * np.sqrt(spread):
            result.append(None)
            continue
        result.append(drawn * reading.volume * drain.still_queued(reading.age))
    return result
