"""Journeys as an event-level scenario draws them: who they send to, when and how much.

Shapes differ from the day-level generator's on purpose (and from the tests'): volumes from
tens to tens of thousands a day, a weekly pattern, launches and pauses inside the range,
and send times in the audience's own time zone, either clustered at a send hour (a batch)
or spread over the day around a peak (triggered).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AUDIENCE_ZONES = (
    "America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London",
    "Europe/Paris", "Europe/Berlin", "Asia/Singapore", "Australia/Sydney",
)  # fmt: skip
# Adobe: the email retry period is 84 hours unless the channel configuration shortens it.
LONGEST_RETRY_HOURS = 84.0


@dataclass(frozen=True)
class Journey:
    key: int
    channel: str  # email | push | sms
    volume: float  # messages on an ordinary weekday
    weekday: np.ndarray  # 7 factors, Monday first
    first_day: int  # days since EPOCH_DAY, in the audience's zone: launch
    pauses: tuple[tuple[int, int], ...]  # [first, last] day numbers with no sends
    zone: str  # the audience's time zone: send hours are local to it
    batch_hour: float | None  # clustered sends around this local hour; None: spread
    profile: np.ndarray  # 24 weights: local send hours when spread
    soft_bounce: float  # share of sends soft-bouncing into the retry queue (email only)
    retry_success: float  # share of queued messages finally delivered
    retry_hours: float  # the email configuration's retry period
    hard_bounce: float
    opens: float  # share of delivered messages opened (email, push)
    clicks: float  # share of delivered messages clicked (email, sms)

    @property
    def metrics(self) -> tuple[str, ...]:
        extra = {"email": ("opens", "clicks"), "push": ("opens",), "sms": ("clicks",)}
        return ("sent", "delivered", "bounces", *extra[self.channel])


def _profile(rng: np.random.Generator) -> np.ndarray:
    hours = np.arange(24) + 0.5
    peak, width = rng.uniform(7, 22), rng.uniform(2, 6)
    distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
    weights = rng.uniform(0.01, 0.3) + np.exp(-0.5 * (distance / width) ** 2)
    return weights / weights.sum()


def draw(rng: np.random.Generator, first: int, last: int) -> list[Journey]:
    """Two to six journeys sending between day numbers `first` and `last`."""
    count = int(rng.integers(2, 7))
    journeys = []
    for key in range(1, count + 1):
        channel = str(rng.choice(["email", "push", "sms"], p=[0.6, 0.2, 0.2]))
        launch = first
        if rng.random() < 0.25:  # launched inside the range
            launch = int(rng.integers(first + 4, last - 8))
        pauses = ()
        if rng.random() < 0.2:
            start = int(rng.integers(launch + 2, last - 4))
            pauses = ((start, start + int(rng.integers(1, 6))),)
        weekday = np.ones(7)
        weekday[5:] = rng.uniform(0.3, 1.0)
        weekday[:5] *= rng.uniform(0.85, 1.15, 5)
        retry = LONGEST_RETRY_HOURS if rng.random() < 0.6 else rng.uniform(6, LONGEST_RETRY_HOURS)
        journeys.append(
            Journey(
                key=key,
                channel=channel,
                volume=float(np.exp(rng.uniform(np.log(20), np.log(25_000)))),
                weekday=weekday,
                first_day=launch,
                pauses=pauses,
                zone=str(rng.choice(AUDIENCE_ZONES)),
                batch_hour=float(rng.uniform(6, 20)) if rng.random() < 0.4 else None,
                profile=_profile(rng),
                soft_bounce=float(rng.uniform(0.005, 0.05)) if channel == "email" else 0.0,
                retry_success=float(rng.uniform(0.4, 0.9)),
                retry_hours=float(retry),
                hard_bounce=float(rng.uniform(0.003, 0.025)),
                opens=float(rng.uniform(0.05, 0.35)),
                clicks=float(rng.uniform(0.005, 0.05)),
            )
        )
    return journeys
