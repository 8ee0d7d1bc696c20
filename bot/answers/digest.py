"""The weekly digest: last full week against the week before, as one frozen result.

Built from the same MetricResults as every answer (Parity.reconcile on an explicit week), so a
digest can never disagree with the answer to "reconcile last week". The scheduled post, the
preview and "digest" asked in Slack or the CLI all call `build_digest`; templates/digest.j2
renders it and computes nothing, so everything it shows is a property here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from bot.config import Settings
from bot.query import Query
from bot.reconcile import MetricResult
from bot.store import Store
from bot.store.calendars import Calendars
from bot.store.episodes import Episode

# Journeys in the digest message itself; the rest go into its thread.
JOURNEYS_IN_MESSAGE = 5
# A gap moving less than this (percentage points of volume) is "steady".
TREND_POINTS = 0.5


def past_full_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the last week that has ended before `today`'s week."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def is_full_week(query: Query) -> bool:
    """A query spanning exactly Monday to Sunday: a stored digest, or "digest last week"."""
    return query.start.weekday() == 0 and query.end - query.start == timedelta(days=6)


@dataclass(frozen=True)
class MetricWeek:
    """One metric: this week's result, and last week's for the trend."""

    current: MetricResult
    previous: MetricResult | None

    @property
    def metric(self) -> str:
        return self.current.metric

    @property
    def trend(self) -> str:
        """new | wider | narrower | steady: how the gap moved since last week."""
        if self.previous is None or not self.previous.has_data:
            return "new"
        change = abs(self.current.delta_pct) - abs(self.previous.delta_pct)
        if change >= TREND_POINTS:
            return "wider"
        return "narrower" if change <= -TREND_POINTS else "steady"

    @property
    def changed(self) -> bool:
        """Whether anything a reader acts on moved: the verdict or who is unexplained."""
        if self.previous is None:
            return True
        return self.current.verdict != self.previous.verdict or set(
            self.current.unexplained_journeys
        ) != set(self.previous.unexplained_journeys)

    def to_dict(self) -> dict:
        previous = None
        if self.previous is not None:
            p = self.previous
            previous = {
                "ajo": p.ajo,
                "cja": p.cja,
                "delta": p.delta,
                "delta_pct": p.delta_pct,
                "unexplained": p.unexplained,
                "verdict": p.verdict,
            }
        return {"metric": self.metric, "trend": self.trend, "previous_week": previous}


@dataclass(frozen=True)
class JourneyGap:
    """A journey's unexplained gap in one metric."""

    journey: str
    metric: str
    ajo: int
    cja: int
    unexplained: int

    @property
    def delta(self) -> int:
        return self.ajo - self.cja

    def to_dict(self) -> dict:
        return {
            "journey": self.journey,
            "metric": self.metric,
            "ajo": self.ajo,
            "cja": self.cja,
            "delta": self.delta,
            "unexplained": self.unexplained,
        }


@dataclass(frozen=True)
class Freshness:
    """How long ago a source's latest snapshot was captured, against what is expected."""

    source: str
    last_captured_at: datetime | None
    age_hours: float | None
    expected_hours: int

    @property
    def stale(self) -> bool:
        return self.age_hours is None or self.age_hours > self.expected_hours

    def to_dict(self) -> dict:
        captured = self.last_captured_at.isoformat() if self.last_captured_at else None
        return {
            "source": self.source,
            "last_captured_at": captured,
            "age_hours": round(self.age_hours, 1) if self.age_hours is not None else None,
            "stale": self.stale,
        }


@dataclass(frozen=True)
class Digest:
    query: Query  # this week (intent digest): what the buttons re-run
    previous_query: Query
    weeks: tuple[MetricWeek, ...]
    journeys: tuple[JourneyGap, ...]  # every unexplained journey gap, the largest first
    sources: tuple[Freshness, ...]
    # Alert episodes open at some time during the week (the channel's, for a posted digest),
    # in their state now; `watched` says whether any channel is alerted at all.
    episodes: tuple[Episode, ...] = ()
    watched: bool = False
    # The time zones the week's days are counted in, when a source recorded its own.
    calendars: Calendars | None = None

    @property
    def metrics(self) -> tuple[MetricResult, ...]:
        return tuple(week.current for week in self.weeks)

    @property
    def verdict(self) -> str:
        """no_data | agree | explained | unexplained: the headline."""
        with_data = [m for m in self.metrics if m.has_data]
        if not with_data:
            return "no_data"
        if any(m.verdict == "unexplained" for m in with_data):
            return "unexplained"
        return "agree" if all(m.verdict == "match" for m in with_data) else "explained"

    @property
    def unexplained_metrics(self) -> tuple[str, ...]:
        return tuple(m.metric for m in self.metrics if m.verdict == "unexplained")

    @property
    def previous_unexplained_metrics(self) -> tuple[str, ...]:
        return tuple(
            w.metric for w in self.weeks if w.previous and w.previous.verdict == "unexplained"
        )

    @property
    def journeys_in_message(self) -> tuple[JourneyGap, ...]:
        return self.journeys[:JOURNEYS_IN_MESSAGE]

    @property
    def journeys_in_thread(self) -> tuple[JourneyGap, ...]:
        return self.journeys[JOURNEYS_IN_MESSAGE:]

    @property
    def stale_sources(self) -> tuple[Freshness, ...]:
        return tuple(s for s in self.sources if s.stale)

    @property
    def unchanged(self) -> bool:
        """Nothing worth a message: same verdicts and unexplained journeys, fresh sources."""
        return (
            bool(self.weeks) and not any(w.changed for w in self.weeks) and not self.stale_sources
        )

    @property
    def chart_metric(self) -> MetricResult | None:
        """The metric worth a picture: the largest unexplained gap, else the largest gap."""
        with_data = [m for m in self.metrics if m.has_data]
        if not with_data:
            return None
        return max(with_data, key=lambda m: (abs(m.unexplained), abs(m.delta)))

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "week": {"start": self.query.start.isoformat(), "end": self.query.end.isoformat()},
            "previous_week": {
                "start": self.previous_query.start.isoformat(),
                "end": self.previous_query.end.isoformat(),
            },
            "trends": [week.to_dict() for week in self.weeks],
            "unexplained_journeys": [gap.to_dict() for gap in self.journeys],
            "sources": [source.to_dict() for source in self.sources],
            "unchanged": self.unchanged,
            "episodes": [episode.to_dict() for episode in self.episodes],
        }


def _journey_gaps(metrics: tuple[MetricResult, ...]) -> tuple[JourneyGap, ...]:
    gaps = [
        JourneyGap(row.label, m.metric, row.ajo, row.cja, row.causes["unexplained"])
        for m in metrics
        for row in m.by_journey
        if row.causes.get("unexplained")
    ]
    gaps.sort(key=lambda g: (-abs(g.unexplained), g.journey, g.metric))
    return tuple(gaps)


class Reconciler(Protocol):
    """What a digest is built from: the answers' cached reconciliation (bot.answers.service)."""

    store: Store
    settings: Settings

    def reconcile(self, query: Query, today: date) -> tuple[MetricResult, ...]: ...


def build_digest(
    parity: Reconciler,
    today: date,
    now: datetime,
    query: Query | None = None,
    channel: str | None = None,
) -> Digest:
    """The digest of the past full week before `today`, or of `query`'s week if it is one.

    `query` carries the metrics and journeys asked for ("digest for welcome series"); its
    dates count only when they are a Monday-Sunday week, so that a stored digest's buttons
    and "digest last week" show that week, and a bare "digest" shows the one just ended.
    `channel` (a posted digest's) narrows the week's alert episodes to those it was told.
    """
    base = query or Query(intent="digest", start=today, end=today)
    start, end = (base.start, base.end) if is_full_week(base) else past_full_week(today)
    this_week = replace(base, intent="digest", start=start, end=end)
    last_week = replace(this_week, start=start - timedelta(days=7), end=end - timedelta(days=7))
    current = parity.reconcile(this_week, today)
    previous = {m.metric: m for m in parity.reconcile(last_week, today)}
    expected = parity.settings.snapshot_max_age_hours
    sources = tuple(
        Freshness(s.source, s.last_captured_at, s.age_hours(now.astimezone(UTC)), expected)
        for s in parity.store.overview()
    )
    alerts = parity.store.alerts
    week_start = datetime.combine(start, time(), UTC)
    episodes = alerts.active_between(week_start, week_start + timedelta(days=7), channel)
    return Digest(
        query=this_week,
        previous_query=last_week,
        weeks=tuple(MetricWeek(m, previous.get(m.metric)) for m in current),
        journeys=_journey_gaps(current),
        sources=sources,
        episodes=tuple(episodes),
        watched=bool(episodes) or bool(alerts.watches()),
        calendars=parity.store.calendars(parity.settings.timezone),
    )
