"""The figures a diagnosis pools over every journey, computed once and handed to the
diagnosis of any journeys' cells.

A journey's split reads other journeys only through a few pooled figures: how far CJA got
on each day (bot.reconcile.reach), the days the witnesses show still arriving, the retry
period and the shared retry rate (bot.reconcile.decay), the data view's zone and prior
share (bot.reconcile.detectors.timezone), the largest in-band journey (datasource), whether
AJO's Retries metric is stored at all, a metric missing on every journey, and the facts
the evidence sentences of pooled findings are written from (the days and journeys they
cover). With these, a journey asked about alone needs only its own cells, and its answer is
exactly the one computed with every journey in view (tests/reconcile/test_pool.py).

A `Pool` belongs to one store version, range, set of metrics asked and today: the answer
service caches it on that key (bot.answers.service).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from bot.reconcile.decay import Drain, Shared

__all__ = ["DayReach", "MetricPool", "Pool", "Shared", "ZonePool", "facts_of"]


def facts_of(finding):
    """A finding kept for its facts: its per-cell amounts dropped (each subset computes its
    own), so a pool holds no array the size of every journey's cells."""
    if finding is None:
        return None
    shares = ("leaving", "arriving")  # a time-zone shift's per-cell shares
    dropped = {name: None for name in shares if getattr(finding, name, None) is not None}
    return replace(finding, amount=np.zeros(0, dtype=np.int64), **dropped)


@dataclass(frozen=True, eq=False)
class DayReach:
    """Per day of a metric's range, over every journey: the witnesses' CJA count, what CJA
    would show once processed, AJO's count, and the day-to-day wobble of older days."""

    days: np.ndarray  # datetime64[D], ascending
    got: np.ndarray
    want: np.ndarray
    total: np.ndarray
    wobble: float
    # Per day, how far the journeys' own shares spread around it beyond their usual scatter
    # (a variance, bot.reconcile.reach.between_journeys).
    between: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class MetricPool:
    """One metric's pooled figures, and the facts of the findings pooled over journeys."""

    measured: bool  # AJO's Retries metric is stored for some journey
    missing: tuple  # the metric-wide and days-wide missing-data findings' facts
    reach: DayReach | None = None
    arriving_days: np.ndarray | None = None  # days the witnesses show still arriving
    drain: Drain | None = None
    shared: Shared | None = None
    # AJO's own retry readings stand (bot.reconcile.retries.own_agrees).
    own_agrees: bool = True
    retries: object = None  # the inferred retries finding's facts, if any journey had one
    largest_pct: float = 0.0
    lag: object = None  # the processing-lag finding's facts
    late: object = None  # the settled days' late records finding's facts


@dataclass(frozen=True, eq=False)
class ZonePool:
    """The data view's zone as fitted on every journey: the zone the fits were made under,
    the data view's prior share, and each metric's shift facts (None: no shift)."""

    fitted: object  # bot.reconcile.offsets.Offsets
    view_prior: np.ndarray
    shifts: Mapping[str, object]
    # The zone AJO's hourly counts named instead of the fit's (bot.reconcile.hourly), as
    # Offsets over the range; None when the hours named none (or were not stored).
    from_hours: object = None
    # What every series said together of each day's deviation from the fitted shares
    # (bot.reconcile.zonedays.Prior); None when they said nothing.
    deviation_prior: object = None


@dataclass(frozen=True, eq=False)
class Pool:
    """Every pooled figure of one question's diagnosis, over every journey."""

    reported: tuple[str, ...]  # metrics with cells in the range, any journey
    zone: ZonePool | None
    metrics: Mapping[str, MetricPool]  # per metric split
    # Per metric only fitted for the zone: its wide missing-data findings' facts.
    extra: Mapping[str, tuple]
