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


def _share(reading: Reading, period: float) -> tuple[float, float, float]:
    """The journey's share for this period, its z-score and weighted squared misfit."""
    x = reading.volume * still_queued(reading.age, period)
    weight = (x * x / reading.variance).sum()
    if weight <= 0:
        return 0.0, 0.0, float((reading.queued**2 / reading.variance).sum())
    share = max(float((reading.queued * x / reading.variance).sum() / weight), 0.0)
    misfit = float(((reading.queued - share * x) ** 2 / reading.variance).sum())
    return share, share * float(np.sqrt(weight)), misfit


def fit(readings: list[Reading]) -> float:
    """The retry period (days) whose curve fits all journeys' readings best."""
    if not readings:
        return PERIODS[-1]
    misfits = [sum(_share(r, p)[2] for r in readings) for p in PERIODS]
    return PERIODS[int(np.argmin(misfits))]


def amounts(reading: Reading, period: float, z: float) -> np.ndarray | None:
    """Per day, the fitted retries; None when the journey's share is not beyond noise."""
    share, score, _ = _share(reading, period)
    if score <= z:
        return None
    return share * reading.volume * still_queued(reading.age, period)
