"""Alert episodes as stored: the episode, the days its gap was seen on, what happened to it.

What an episode *is* and when it changes is decided in bot.alerts; this module only keeps
it, under two rules that make a change happen once whatever runs it:

- a new episode is an insert under the unique (channel, journey, cause, generation): of two
  processes opening the same one, the second gets an IntegrityError and decides again from
  what the first wrote;
- a change is one UPDATE conditional on the revision it was decided from, so a change
  decided on a stale read is refused and decided again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Connection, String, cast, delete, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.runs import aware, db_time
from bot.store.schema import alert_episode_days, alert_episodes, alert_events, job_runs

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


# --- reading ------------------------------------------------------------------------------

_COLUMNS = (
    "id", "channel_id", "journey", "cause", "generation", "status", "revision", "opened_at",
    "updated_at", "first_day", "last_day", "threshold_pct", "resolved_at", "resolved_by",
    "acknowledged_by", "acknowledged_at", "muted_until", "muted_by", "message_ts", "answer_id",
)  # fmt: skip


def _episode(row, days: tuple[GapDay, ...] = ()) -> Episode:
    values = {name: getattr(row, name) for name in _COLUMNS}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = aware(value)
    figures = tuple(Figure.from_dict(f) for f in json.loads(row.figures))
    return Episode(**values, figures=figures, days=days)


def _days(conn: Connection, episode_id: int) -> tuple[GapDay, ...]:
    d = alert_episode_days.c
    rows = conn.execute(
        select(d.metric, d.day, d.ajo, d.cja, d.amount)
        .where(d.episode_id == episode_id)
        .order_by(d.metric, d.day)
    )
    return tuple(GapDay(*row) for row in rows)


def latest(conn: Connection, channel_id: str, journey: str, cause: str) -> Episode | None:
    """The channel's latest episode of this journey and cause (open or not), with its days."""
    e = alert_episodes.c
    row = conn.execute(
        select(alert_episodes)
        .where(e.channel_id == channel_id, e.journey == journey, e.cause == cause)
        .order_by(e.generation.desc())
        .limit(1)
    ).first()
    return _episode(row, _days(conn, row.id)) if row else None


def episode(conn: Connection, episode_id: int) -> Episode | None:
    row = conn.execute(select(alert_episodes).where(alert_episodes.c.id == episode_id)).first()
    return _episode(row, _days(conn, row.id)) if row else None


def open_episodes(conn: Connection, channel_id: str | None = None) -> list[Episode]:
    """Open episodes, the largest first (without their days)."""
    e = alert_episodes.c
    statement = select(alert_episodes).where(e.status == OPEN)
    if channel_id:
        statement = statement.where(e.channel_id == channel_id)
    found = [_episode(row) for row in conn.execute(statement.order_by(e.opened_at, e.id))]
    return sorted(found, key=lambda ep: -ep.amount)


def active_between(
    conn: Connection, start: datetime, end: datetime, channel_id: str | None = None
) -> list[Episode]:
    """Episodes open at some time between `start` and `end`: the digest's week."""
    e = alert_episodes.c
    statement = select(alert_episodes).where(
        e.opened_at < db_time(end),
        or_(e.status == OPEN, e.resolved_at >= db_time(start)),
    )
    if channel_id:
        statement = statement.where(e.channel_id == channel_id)
    return [_episode(row) for row in conn.execute(statement.order_by(e.opened_at, e.id))]


def events(
    conn: Connection, episode_id: int | None = None, since: datetime | None = None
) -> list[Event]:
    v = alert_events.c
    statement = select(alert_events).order_by(v.at, v.id)
    if episode_id is not None:
        statement = statement.where(v.episode_id == episode_id)
    if since is not None:
        statement = statement.where(v.at >= db_time(since))
    return [_event(row) for row in conn.execute(statement)]


def _event(row) -> Event:
    return Event(row.episode_id, row.revision, row.kind, aware(row.at), row.note, row.snapshot_id)


def undelivered(conn: Connection, since: datetime) -> list[Event]:
    """Events since `since` whose delivery no process has claimed (one died before it)."""
    v, r = alert_events.c, job_runs.c
    claimed = select(r.id).where(
        r.job_key == literal("alert:", String) + cast(v.episode_id, String),
        r.period == literal("r", String) + cast(v.revision, String),
    )
    rows = conn.execute(
        select(alert_events).where(v.at >= db_time(since), ~claimed.exists()).order_by(v.at, v.id)
    )
    return [_event(row) for row in rows]


# --- writing ------------------------------------------------------------------------------


# Where the message is, set by its delivery alone: a change never writes over it.
_DELIVERY = ("message_ts", "answer_id")


def _values(ep: Episode) -> dict:
    values = {name: getattr(ep, name) for name in _COLUMNS if name not in ("id", *_DELIVERY)}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = db_time(value)
    values["figures"] = json.dumps([f.to_dict() for f in ep.figures])
    return values


def _write_days(conn: Connection, episode_id: int, days: tuple[GapDay, ...]) -> None:
    conn.execute(delete(alert_episode_days).where(alert_episode_days.c.episode_id == episode_id))
    if days:
        conn.execute(
            insert(alert_episode_days),
            [
                {"episode_id": episode_id, "metric": d.metric, "day": d.day, "ajo": d.ajo,
                 "cja": d.cja, "amount": d.amount}
                for d in days
            ],
        )  # fmt: skip


def _write_event(conn: Connection, ep: Episode, kind: str, note: str, snapshot: int | None):
    conn.execute(
        insert(alert_events).values(
            episode_id=ep.id,
            revision=ep.revision,
            kind=kind,
            at=db_time(ep.updated_at),
            snapshot_id=snapshot,
            note=note[:1000],
        )
    )


def insert_episode(
    conn: Connection, ep: Episode, kind: str, note: str, snapshot: int | None = None
) -> Episode | None:
    """Store a new episode; None when another process stored this generation first."""
    try:
        with conn.begin_nested():
            new_id = conn.execute(insert(alert_episodes).values(_values(ep))).inserted_primary_key[
                0
            ]
            stored = replace(ep, id=new_id)
            _write_days(conn, new_id, ep.days)
            _write_event(conn, stored, kind, note, snapshot)
    except IntegrityError:
        return None
    return stored


def update_episode(
    conn: Connection, ep: Episode, kind: str, note: str, snapshot: int | None = None
) -> bool:
    """Store `ep` (revision n+1) over revision n; False when someone else changed it first."""
    e = alert_episodes.c
    changed = conn.execute(
        update(alert_episodes)
        .where(e.id == ep.id, e.revision == ep.revision - 1)
        .values(_values(ep))
    ).rowcount
    if changed != 1:
        return False
    _write_days(conn, ep.id, ep.days)
    _write_event(conn, ep, kind, note, snapshot)
    return True


def set_delivery(conn: Connection, episode_id: int, message_ts: str, answer_id: int | None):
    """Where the episode's message is (set once, when it is first posted)."""
    conn.execute(
        update(alert_episodes)
        .where(alert_episodes.c.id == episode_id)
        .values(message_ts=message_ts, answer_id=answer_id)
    )


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


def write(conn: Connection, revision: Revision) -> Revision | None:
    """Store a decided revision; None when another process changed the episode first."""
    ep = revision.episode
    if revision.is_new:
        stored = insert_episode(conn, ep, revision.kind, revision.note, revision.snapshot_id)
        return replace(revision, episode=stored) if stored else None
    if update_episode(conn, ep, revision.kind, revision.note, revision.snapshot_id):
        return revision
    return None
