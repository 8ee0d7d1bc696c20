"""The generated days of one scenario: both sides' values per (journey, metric, day), and
the true amount of every change made to them.

Kept apart from the causes (bot.evaluate.scenarios) and from what the core is handed
(bot.evaluate.captures), which both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.metrics import METRIC_TABLE
from bot.metrics import TRACKING as TRACKING_DATASET
from bot.reconcile.registry import CAUSES

TODAY = date(2026, 11, 29)
RANGE_DAYS = 30
PAD = 2  # generated days beyond each end of the range (neighbours of the neighbours)
RATES = {
    "email": {"delivered": 0.975, "bounces": 0.015, "opens": 0.22, "clicks": 0.03,
              "unsubscribes": 0.002, "excluded": 0.03},
    "push": {"delivered": 0.96, "bounces": 0.02, "opens": 0.06, "excluded": 0.05},
    "sms": {"delivered": 0.985, "bounces": 0.01, "clicks": 0.02, "excluded": 0.02},
}  # fmt: skip
# The metrics a tracking dataset left out of the CJA connection takes away.
TRACKING = tuple(m.name for m in METRIC_TABLE if m.dataset == TRACKING_DATASET)


@dataclass
class Journey:
    key: int
    channel: str
    volume: float
    profile: np.ndarray  # share of a day's events per hour (24)


def profile(rng: np.random.Generator) -> np.ndarray:
    hours = np.arange(24)
    if rng.random() < 0.6:  # triggered: spread over the day around a peak
        peak, width, floor = rng.uniform(8, 21), rng.uniform(2.5, 7), rng.uniform(0.02, 0.4)
    else:  # a batch sent at one hour
        peak, width, floor = rng.uniform(5, 21), rng.uniform(0.5, 2.5), 0.005
    distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
    weights = floor + np.exp(-0.5 * (distance / width) ** 2)
    return weights / weights.sum()


def draw_journeys(rng: np.random.Generator) -> list[Journey]:
    count = int(rng.integers(2, 7))
    channels = rng.choice(["email", "push", "sms"], size=count, p=[0.6, 0.25, 0.15])
    volumes = np.exp(rng.uniform(np.log(15), np.log(60_000), size=count))
    return [
        Journey(i + 1, str(c), float(v), profile(rng))
        for i, (c, v) in enumerate(zip(channels, volumes, strict=True))
    ]


class Builder:
    """Values of both sides per (journey, metric, day) and the truth of each change."""

    def __init__(self, rng: np.random.Generator, journeys: list[Journey], end: date) -> None:
        self.rng = rng
        self.journeys = journeys
        self.end = end
        first = end - timedelta(days=RANGE_DAYS - 1 + PAD)
        self.days = pd.date_range(first, end + timedelta(days=PAD), freq="D")
        self.age = np.array([(TODAY - d.date()).days for d in self.days])
        metrics = {"sent"}
        for journey in journeys:
            extra = list(RATES[journey.channel])
            metrics.update(rng.choice(extra, size=int(rng.integers(1, 3)), replace=False))
        self.metrics = sorted(metrics)
        self.ajo: dict[tuple[int, str], np.ndarray] = {}
        self.cja: dict[tuple[int, str], np.ndarray] = {}
        self.rows = {side: {} for side in ("ajo", "cja")}
        self.truth: dict[tuple[int, str], dict[str, np.ndarray]] = {}
        self.retries: dict[int, np.ndarray] = {}
        self._truth_counts()

    def _truth_counts(self) -> None:
        rng, n = self.rng, len(self.days)
        for journey in self.journeys:
            weekend = rng.uniform(0.5, 0.95)
            factor = np.where(self.days.day_of_week >= 5, weekend, 1.0)
            factor = factor * np.linspace(1, rng.uniform(0.8, 1.25), n)
            factor = factor * rng.lognormal(0, rng.uniform(0.05, 0.3), n)
            factor[self.age < 0] = 0  # tomorrow has not happened
            sends = rng.poisson(journey.volume * factor)
            for metric in self.metrics:
                rate = 1.0 if metric == "sent" else RATES[journey.channel].get(metric, 0.0)
                values = rng.binomial(sends, rate) if rate < 1 else sends
                key = (journey.key, metric)
                self.ajo[key] = values.astype(np.int64)
                self.cja[key] = values.astype(np.int64).copy()
                self.truth[key] = {c: np.zeros(n, dtype=np.int64) for c in CAUSES}
                for side in ("ajo", "cja"):
                    self.rows[side][key] = np.ones(n, dtype=np.int64)

    def settled(self, min_age: int) -> np.ndarray:
        """Positions of the range's days at least `min_age` days old."""
        inside = np.zeros(len(self.days), dtype=bool)
        inside[PAD : len(self.days) - PAD] = True
        return np.flatnonzero(inside & (self.age >= min_age))

    def change(self, key: tuple[int, str], cause: str, side: str, new: np.ndarray) -> None:
        """Set one side's values; the change in AJO - CJA is that cause's true amount."""
        new = np.maximum(new.astype(np.int64), 0)
        values = self.ajo if side == "ajo" else self.cja
        moved = new - values[key]
        self.truth[key][cause] += moved if side == "ajo" else -moved
        values[key] = new

    def series(self, metrics=None, journeys=None):
        for journey in self.journeys:
            if journeys is not None and journey.key not in journeys:
                continue
            for metric in self.metrics:
                if (journey.key, metric) in self.ajo and (metrics is None or metric in metrics):
                    yield journey, (journey.key, metric)
