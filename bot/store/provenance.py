"""Where each snapshot came from, and which snapshots an answer's numbers come from.

When a number looks wrong, the first question is "which export was this, and who loaded
it?". Every snapshot records its file (name and sha256 of the bytes), the format it was
read as, who loaded it (a command line, a Slack user in a channel, a clock job), the pull
and its parameters, and its counts; an answer lists the snapshots its stored numbers are
the current values of.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from bot.ops.activity import Activity
from bot.store.reader import by_journey_index
from bot.store.schema import (
    current_values,
    snapshot_counts,
    snapshot_day_counts,
    snapshot_drops,
    snapshots,
)


@dataclass(frozen=True)
class Provenance:
    """What a loader knows about what it stores; who asked comes from the activity."""

    file_name: str | None = None
    file_hash: str | None = None
    format: str | None = None
    pull: str | None = None
    parameters: Mapping[str, object] = field(default_factory=dict)


def columns(provenance: Provenance | None, activity: Activity | None) -> dict:
    """The snapshot row's provenance columns (day_count is the writer's)."""
    p = provenance or Provenance()
    return {
        "file_name": p.file_name and p.file_name[:500],
        "file_hash": p.file_hash,
        "format": p.format or None,
        "pull": p.pull,
        "pull_parameters": json.dumps(dict(p.parameters), default=str) if p.parameters else None,
        "loaded_by": activity.by[:500] if activity else None,
        "slack_user": activity.user if activity else None,
        "slack_channel": activity.channel if activity else None,
    }


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment else None


@dataclass(frozen=True)
class SnapshotSource:
    """One snapshot as its provenance tells it; `numbers`: how many of an answer's stored
    numbers it holds the current value of (0 in a plain listing)."""

    id: int
    source: str
    captured_at: datetime  # aware UTC
    ingested_at: datetime  # aware UTC
    origin: str
    rows: int
    first_day: date
    last_day: date
    days: int | None = None
    file_name: str | None = None
    file_hash: str | None = None
    format: str | None = None
    loaded_by: str | None = None
    user: str | None = None
    channel: str | None = None
    pull: str | None = None
    parameters: Mapping[str, object] = field(default_factory=dict)
    dropped_at: datetime | None = None
    dropped_by: str | None = None
    numbers: int = 0

    @property
    def dropped(self) -> bool:
        return self.dropped_at is not None

    def to_dict(self) -> dict:
        result = {
            "snapshot": self.id,
            "source": self.source,
            "captured_at": self.captured_at.isoformat(),
            "ingested_at": self.ingested_at.isoformat(),
            "origin": self.origin,
            "file": self.file_name,
            "file_sha256": self.file_hash,
            "format": self.format,
            "loaded_by": self.loaded_by,
            "user": self.user,
            "channel": self.channel,
            "pull": self.pull,
            "parameters": dict(self.parameters),
            "rows": self.rows,
            "days": self.days,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "dropped_at": self.dropped_at.isoformat() if self.dropped_at else None,
            "dropped_by": self.dropped_by,
        }
        if self.numbers:
            result["numbers"] = self.numbers
        return result


_SELECTED = (
    snapshots.c.id, snapshots.c.source, snapshots.c.captured_at, snapshots.c.ingested_at,
    snapshots.c.origin, snapshots.c.row_count, snapshots.c.first_day, snapshots.c.last_day,
    snapshots.c.day_count, snapshots.c.file_name, snapshots.c.file_hash, snapshots.c.format,
    snapshots.c.loaded_by, snapshots.c.slack_user, snapshots.c.slack_channel, snapshots.c.pull,
    snapshots.c.pull_parameters, snapshots.c.dropped_at, snapshots.c.dropped_by,
)  # fmt: skip


def _source(row, numbers: int = 0) -> SnapshotSource:
    return SnapshotSource(
        id=row.id,
        source=row.source,
        captured_at=_aware(row.captured_at),
        ingested_at=_aware(row.ingested_at),
        origin=row.origin,
        rows=row.row_count,
        first_day=row.first_day,
        last_day=row.last_day,
        days=row.day_count,
        file_name=row.file_name,
        file_hash=row.file_hash,
        format=row.format,
        loaded_by=row.loaded_by,
        user=row.slack_user,
        channel=row.slack_channel,
        pull=row.pull,
        parameters=json.loads(row.pull_parameters) if row.pull_parameters else {},
        dropped_at=_aware(row.dropped_at),
        dropped_by=row.dropped_by,
        numbers=numbers,
    )


def listed(conn: Connection, limit: int | None = None) -> list[SnapshotSource]:
    """Snapshots, the latest stored first."""
    statement = select(*_SELECTED).order_by(snapshots.c.id.desc())
    if limit:
        statement = statement.limit(limit)
    return [_source(row) for row in conn.execute(statement)]


def one(conn: Connection, snapshot_id: int) -> SnapshotSource | None:
    row = conn.execute(select(*_SELECTED).where(snapshots.c.id == snapshot_id)).first()
    return _source(row) if row else None


def sources_of(
    conn: Connection,
    start: date,
    end: date,
    metrics: Sequence[str] = (),
    journey_keys: Sequence[int] = (),
) -> list[SnapshotSource]:
    """The snapshots holding the current values of these days, metrics and journeys (what
    an answer about them is computed from), each with how many of those numbers it holds;
    oldest capture first."""
    statement = counted_per_snapshot(start, end, metrics, journey_keys)
    counts = {k: int(n) for k, n in conn.execute(statement).all()}
    if not counts:
        return []
    rows = conn.execute(
        select(*_SELECTED)
        .where(snapshots.c.id.in_(list(counts)))
        .order_by(snapshots.c.captured_at, snapshots.c.id)
    )
    return [_source(row, counts[row.id]) for row in rows]


def counted_per_snapshot(
    start: date,
    end: date,
    metrics: Sequence[str] = (),
    journey_keys: Sequence[int] = (),
):
    """(snapshot_id, numbers): how many current values of these cells each snapshot holds."""
    # The counts the writer keeps (bot.store.comparison), not a count of current_values: a
    # 13-month answer would count 40 M of them at 1,000 journeys. Per cell and snapshot for
    # named journeys; summed over journeys per day otherwise (4 M cells' rows there).
    table = snapshot_counts if journey_keys else snapshot_day_counts
    sc = table.c
    counted = select(sc.snapshot_id, func.sum(sc.numbers).label("numbers")).where(
        sc.day >= start, sc.day <= end
    )
    if metrics:
        counted = counted.where(sc.metric.in_(list(metrics)))
    if journey_keys:
        counted = counted.where(sc.journey_key.in_(list(journey_keys)))
    # As the comparison read: SQLite searches the journey index by its whole key.
    return by_journey_index(counted, table, journey_keys, metrics).group_by(sc.snapshot_id)


@dataclass(frozen=True)
class DropEvent:
    """One drop of a snapshot, or the undoing of one: who, when."""

    action: str  # drop | undo
    by: str
    at: datetime  # aware UTC

    def to_dict(self) -> dict:
        return {"action": self.action, "by": self.by, "at": self.at.isoformat()}


def drop_events(conn: Connection, snapshot_id: int) -> list[DropEvent]:
    d = snapshot_drops.c
    rows = conn.execute(
        select(d.action, d.by, d.at).where(d.snapshot_id == snapshot_id).order_by(d.id)
    )
    return [DropEvent(row.action, row.by, _aware(row.at)) for row in rows]


def current_numbers(conn: Connection, snapshot_id: int) -> int:
    """How many numbers every answer reads from this snapshot (its current values)."""
    cv = current_values.c
    return conn.scalar(select(func.count()).where(cv.snapshot_id == snapshot_id))
