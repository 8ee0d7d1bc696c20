"""How queued retries thin out with age: one retry period shared by a metric's journeys.

Adobe: an email stays in the retry queue for the retry time period (84 hours by default,
at least 6 for marketing), set per email channel configuration; as retries succeed or give
up, the queue empties. So the share of a day's sends still queued falls with the day's age
and is gone after the period: share x (1 - age / period), ages counted from the middle of
the day (events spread over it). Each journey has its own share (its audience's soft
bounces); the period is one per configuration, so it is fitted once, across journeys.

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


@dataclass(frozen=True, eq=False)
class Reading:
    """One journey's per-day reading of queued retries on its young days."""

    index: np.ndarray  # cell positions
    queued: np.ndarray  # the reading, per day
    variance: np.ndarray  # its variance, per day
    volume: np.ndarray  # AJO's Sent, per day
    age: np.ndarray  # days before today


def still_queued(age: np.ndarray, period: float) -> np.ndarray:
    """The share of a day's retries still queued at this age, for a retry period in days."""
    return np.clip(1 - (age + 0.5) / period, 0, 1)


def _estimate(reading: Reading, period: float) -> tuple[float, float]:
    """The journey's own share for this period (unclipped) and its variance."""
    x = reading.volume * still_queued(reading.age, period)
    weight = float((x * x / reading.variance).sum())
    if weight <= 0:
        return 0.0, np.inf
    return float((reading.queued * x / reading.variance).sum()) / weight, 1.0 / weight


def _misfit(reading: Reading, period: float) -> float:
    """The weighted squared misfit of the journey's readings to its own curve (no negative
    share) for this period."""
    share = max(_estimate(reading, period)[0], 0.0)
    x = reading.volume * still_queued(reading.age, period)
    return float(((reading.queued - share * x) ** 2 / reading.variance).sum())


def fit(readings: list[Reading]) -> float:
    """The retry period (days) whose curve fits all journeys' readings best."""
    if not readings:
        return PERIODS[-1]
    misfits = [sum(_misfit(r, p) for r in readings) for p in PERIODS]
    return PERIODS[int(np.argmin(misfits))]


def amounts(readings: list[Reading], period: float, z: float) -> list[np.ndarray | None]:
    """Per journey and day, the fitted retries; None where its share is not beyond noise.

    Each journey's share is read from its own days, then drawn towards the share of all
    journeys as far as the journeys agree (empirical Bayes, DerSimonian-Laird): journeys
    sent through the same configuration see similar soft bounces, and a small journey's own
    reading is mostly noise. Journeys that plainly differ (a push journey never retries)
    widen the spread between journeys and keep their own readings.
    """
    own = [_estimate(r, period) for r in readings]
    known = [(s, v) for s, v in own if np.isfinite(v)]
    if not known:
        return [None] * len(readings)
    shares = np.array([s for s, _ in known])
    weights = 1.0 / np.array([v for _, v in known])
    mean = float((weights * shares).sum() / weights.sum())
    q = float((weights * (shares - mean) ** 2).sum())
    scale = weights.sum() - (weights**2).sum() / weights.sum()
    between = max(0.0, (q - (len(known) - 1)) / scale) if scale > 0 else 0.0
    result: list[np.ndarray | None] = []
    for reading, (share, variance) in zip(readings, own, strict=True):
        if between == 0.0 or not np.isfinite(variance):
            precision = weights.sum() if between == 0.0 else 1.0 / between
            drawn, spread = mean, 1.0 / precision
        else:
            precision = 1.0 / variance + 1.0 / between
            drawn = (share / variance + mean / between) / precision
            spread = 1.0 / precision
        if drawn <= z * np.sqrt(spread):
            result.append(None)
            continue
        result.append(drawn * reading.volume * still_queued(reading.age, period))
    return result
