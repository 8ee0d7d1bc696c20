"""Alert episodes as stored: the episode, the days its gap was seen on, what happened to it.

What an episode *is* and when it changes is decided in bot.alerts; these records are what
the store keeps (bot.store.episode_rows reads and writes them, under the rules that make a
change happen once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class Figure:
    """One metric of an episode: the gap on the days it was seen, and what explains it."""

    metric: str
    ajo: int
    cja: int
    amount: int  # the cause's size: the sum of its per-day amounts, each taken as positive
    volume: int  # the larger side, summed over the same days
    first_day: date
    last_day: date
    days: int
    evidence: str = ""
    check: str = ""
    confidence: str = ""

    @property
    def share(self) -> float:
        """The gap as a percentage of the volume."""
        return round(100 * self.amount / self.volume, 2) if self.volume else 0.0

    @property
    def short_side(self) -> str:
        """The product with the smaller number: the one missing data, for instance."""
        return "cja" if self.cja < self.ajo else "ajo"

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "ajo": self.ajo,
            "cja": self.cja,
            "amount": self.amount,
            "volume": self.volume,
            "share": self.share,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
            "evidence": self.evidence,
            "check": self.check,
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Figure:
        values = {k: v for k, v in data.items() if k != "share"}
        values["first_day"] = date.fromisoformat(values["first_day"])
        values["last_day"] = date.fromisoformat(values["last_day"])
        return cls(**values)


@dataclass(frozen=True)
class GapDay:
    """One metric's gap of the episode's cause on one settled day."""

    metric: str
    day: date
    ajo: int
    cja: int
    amount: int


@dataclass(frozen=True)
class Episode:
    id: int
    channel_id: str
    journey: str
    cause: str
    generation: int
    status: str  # open | resolved
    revision: int
    opened_at: datetime
    updated_at: datetime
    first_day: date  # since when: the first day the gap was seen
    last_day: date
    threshold_pct: float
    figures: tuple[Figure, ...] = ()
    resolved_at: datetime | None = None
    resolved_by: str | None = None  # None: the data resolved it
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    muted_until: datetime | None = None
    muted_by: str | None = None
    message_ts: str | None = None
    answer_id: int | None = None
    days: tuple[GapDay, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def muted(self, now: datetime) -> bool:
        return self.muted_until is not None and self.muted_until > now

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(f.metric for f in self.figures)

    @property
    def amount(self) -> int:
        return sum(f.amount for f in self.figures)

    @property
    def gap_start(self) -> date:
        """The first day the current figures cover (`first_day` is when it was first seen)."""
        return min((f.first_day for f in self.figures), default=self.first_day)

    @property
    def job_key(self) -> str:
        """The key its deliveries are guarded by in job_runs (one run per revision)."""
        return f"alert:{self.id}"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "channel": self.channel_id,
            "journey": self.journey,
            "cause": self.cause,
            "status": self.status,
            "opened_at": self.opened_at.isoformat(),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolved_by": self.resolved_by,
            "acknowledged_by": self.acknowledged_by,
            "muted_until": self.muted_until.isoformat() if self.muted_until else None,
            "threshold_pct": self.threshold_pct,
            "figures": [f.to_dict() for f in self.figures],
        }


@dataclass(frozen=True)
class Event:
    """One revision of an episode: what changed (opened, grew, resolved...) and when."""

    episode_id: int
    revision: int
    kind: str
    at: datetime
    note: str = ""
    snapshot_id: int | None = None


@dataclass(frozen=True)
class Revision:
    """A change decided for an episode: its new state and what the change was."""

    episode: Episode
    kind: str  # opened | grew | shrank | changed | resolved | reopened | acknowledged | ...
    note: str = ""
    snapshot_id: int | None = None

    @property
    def is_new(self) -> bool:
        return self.episode.id == 0
