"""Every message of every journey, and the records the two products count them from.

A message is sent at a local time of its audience's day; AJO counts it in Sent at that
first attempt. An email soft-bouncing goes into the retry queue: retried until it is
delivered or its journey's retry period (at most 84 hours) runs out and it bounces. Its
outcome (delivered, bounced) is a record with its own event time, as are opens and clicks
that follow delivery. CJA's record of a send is written when the message leaves the queue,
carrying the send's event time (so AJO's Sent holds queued messages CJA's does not yet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.evaluate.events.journeys import Journey
from bot.evaluate.events.zones import midnight

METRICS = ("sent", "delivered", "bounces", "opens", "clicks")
EPOCH_WEEKDAY = 3  # 2026-01-01 was a Thursday


@dataclass(frozen=True, eq=False)
class Records:
    """One row per record: a send, an outcome, an open or a click."""

    metric: np.ndarray  # index into METRICS
    journey: np.ndarray  # index into the scenario's journeys
    event: np.ndarray  # event time, hours since EPOCH
    written: np.ndarray  # when the record can be written: the queue's end for a send
    queued: np.ndarray  # a send that went through the retry queue

    def __len__(self) -> int:
        return len(self.metric)


def _send_times(rng: np.random.Generator, journey: Journey, first: int, last: int) -> np.ndarray:
    days = np.arange(max(first, journey.first_day), last + 1)
    factor = journey.weekday[(days + EPOCH_WEEKDAY) % 7] * rng.lognormal(0, 0.12, len(days))
    for start, end in journey.pauses:
        factor[(days >= start) & (days <= end)] = 0
    counts = rng.poisson(journey.volume * factor)
    total = int(counts.sum())
    if journey.batch_hour is not None:
        # A batch leaves at its hour and takes a while to go out, longer when it is large.
        spread = 0.2 + 0.6 * min(journey.volume / 25_000, 1)
        hours = journey.batch_hour + rng.gamma(2.0, spread / 2, total)
    else:
        hours = rng.choice(24, size=total, p=journey.profile) + rng.random(total)
    return np.repeat(midnight(days, journey.zone), counts) + np.clip(hours, 0, 23.999)


def simulate(rng: np.random.Generator, journeys: list[Journey], first: int, last: int) -> Records:
    """The records of every message sent on local days `first`..`last` (day numbers)."""
    parts = []
    for index, journey in enumerate(journeys):
        sent = _send_times(rng, journey, first, last)
        n = len(sent)
        hard = rng.random(n) < journey.hard_bounce
        soft = ~hard & (rng.random(n) < journey.soft_bounce)
        success = rng.random(n) < journey.retry_success
        waited = np.where(
            success, np.minimum(rng.exponential(journey.retry_hours / 3, n), journey.retry_hours),
            journey.retry_hours,
        )  # fmt: skip
        queue_end = sent + np.where(soft, waited, 0.0)
        delivered = ~hard & (~soft | success)
        outcome = np.where(soft, queue_end, sent + rng.exponential(0.05, n))
        parts.append((0, index, sent, queue_end, soft))
        parts.append((1, index, outcome[delivered], outcome[delivered], None))
        parts.append((2, index, outcome[~delivered], outcome[~delivered], None))
        reached = outcome[delivered]
        if journey.channel in ("email", "push"):
            opened = reached[rng.random(len(reached)) < journey.opens]
            opened = opened + rng.exponential(5.0, len(opened))
            parts.append((3, index, opened, opened, None))
        if journey.channel in ("email", "sms"):
            clicked = reached[rng.random(len(reached)) < journey.clicks]
            clicked = clicked + rng.exponential(8.0, len(clicked))
            parts.append((4, index, clicked, clicked, None))
    return Records(
        metric=np.concatenate([np.full(len(p[2]), p[0], dtype=np.int8) for p in parts]),
        journey=np.concatenate([np.full(len(p[2]), p[1], dtype=np.int16) for p in parts]),
        event=np.concatenate([p[2] for p in parts]),
        written=np.concatenate([p[3] for p in parts]),
        queued=np.concatenate(
            [p[4] if p[4] is not None else np.zeros(len(p[2]), dtype=bool) for p in parts]
        ),
    )
