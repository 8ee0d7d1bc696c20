"""When stored numbers were captured, and the snapshots themselves in capture order.

An alert may judge a day only once both products' numbers for it were captured after the
day had settled: a CJA capture taken the morning after shows the day 2 % short, and that is
lag, not a gap, however old the day is when someone looks. `capture_times` says, per
number, when its current value was captured; `coverage` says which days each snapshot
covered, for numbers a source has no row for at all. `snapshots_in_order` and
`snapshot_rows` let a replay feed the snapshots again, one at a time, in the order they were
captured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, String, func, select, type_coerce, union_all

from bot.store.schema import current_values, journeys, series, snapshots, superseded_values

CAPTURE_COLUMNS = ("journey_key", "day", "metric", "source", "captured_at")
SNAPSHOT_COLUMNS = ("journey", "journey_id", "action", "channel", "day", "metric", "value")


def capture_times(
    conn: Connection,
    start: date,
    end: date,
    metrics: Sequence[str] = (),
    journey_keys: Sequence[int] = (),
) -> pd.DataFrame:
    """Per (journey, day, metric, source): when its current value was captured (the oldest
    capture when actions or channels were captured at different times), naive UTC."""
    cv = current_values.c
    statement = (
        select(
            cv.journey_key,
            type_coerce(cv.day, String).label("day"),
            cv.metric,
            cv.source,
            func.min(cv.captured_at).label("captured_at"),
        )
        .where(cv.day >= start, cv.day <= end)
        .group_by(cv.metric, cv.day, cv.journey_key, cv.source)
    )
    if metrics:
        statement = statement.where(cv.metric.in_(list(metrics)))
    if journey_keys:
        statement = statement.where(cv.journey_key.in_(list(journey_keys)))
    frame = pd.DataFrame(conn.execute(statement).all(), columns=list(CAPTURE_COLUMNS))
    frame["day"] = pd.to_datetime(frame["day"].astype(str), format="%Y-%m-%d").astype(
        "datetime64[us]"
    )
    frame["captured_at"] = pd.to_datetime(frame["captured_at"]).astype("datetime64[us]")
    return frame


@dataclass(frozen=True)
class Coverage:
    """The days one snapshot covered, the metrics it holds current values of, and when it
    was captured."""

    snapshot_id: int
    source: str
    first_day: date
    last_day: date
    captured_at: datetime  # aware UTC
    metrics: frozenset[str]


def coverage(conn: Connection, start: date, end: date) -> list[Coverage]:
    """Every snapshot with current values between `start` and `end`, and its metrics there:
    a snapshot that covered a day and a metric but has no row for a journey says that
    journey's number is missing (one that never held the metric says nothing about it)."""
    s, cv = snapshots.c, current_values.c
    metrics: dict[int, set[str]] = {}
    rows = conn.execute(
        select(cv.snapshot_id, cv.metric)
        .where(cv.day >= start, cv.day <= end)
        .group_by(cv.snapshot_id, cv.metric)
    )
    for snapshot_id, metric in rows:
        metrics.setdefault(snapshot_id, set()).add(metric)
    if not metrics:
        return []
    rows = conn.execute(
        select(s.id, s.source, s.first_day, s.last_day, s.captured_at)
        .where(s.id.in_(list(metrics)))
        .order_by(s.captured_at, s.id)
    )
    return [
        Coverage(
            r.id, r.source, r.first_day, r.last_day, r.captured_at.replace(tzinfo=UTC),
            frozenset(metrics[r.id]),
        )
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class StoredSnapshot:
    id: int
    source: str
    captured_at: datetime  # aware UTC
    ingested_at: datetime  # aware UTC
    origin: str


def snapshots_in_order(conn: Connection) -> list[StoredSnapshot]:
    """Every snapshot not dropped, in the order it was captured (then stored)."""
    s = snapshots.c
    rows = conn.execute(
        select(s.id, s.source, s.captured_at, s.ingested_at, s.origin)
        .where(s.dropped_at.is_(None))
        .order_by(s.captured_at, s.id)
    )
    return [
        StoredSnapshot(
            r.id, r.source, r.captured_at.replace(tzinfo=UTC), r.ingested_at.replace(tzinfo=UTC),
            r.origin,
        )
        for r in rows
    ]  # fmt: skip


def snapshot_rows(conn: Connection, snapshot_id: int) -> pd.DataFrame:
    """The numbers one snapshot held, current and superseded alike, with the canonical
    frame's columns but source and captured_at (the snapshot's own)."""
    j, sr = journeys.c, series.c
    parts = []
    for table in (current_values, superseded_values):
        t = table.c
        parts.append(
            select(
                j.name,
                func.coalesce(j.external_id, ""),
                sr.action,
                sr.channel,
                type_coerce(t.day, String),
                t.metric,
                t.value,
            )
            .select_from(
                table.join(series, sr.id == t.series_id).join(journeys, j.id == sr.journey_key)
            )
            .where(t.snapshot_id == snapshot_id)
        )
    rows = conn.execute(union_all(*parts)).all()
    return pd.DataFrame(rows, columns=list(SNAPSHOT_COLUMNS))


def snapshots_since(conn: Connection, ingested_since: datetime) -> list[StoredSnapshot]:
    """Snapshots stored since `ingested_since` (aware), oldest first."""
    s = snapshots.c
    since = ingested_since.astimezone(UTC).replace(tzinfo=None)
    rows = conn.execute(
        select(s.id, s.source, s.captured_at, s.ingested_at, s.origin)
        .where(s.ingested_at >= since, s.dropped_at.is_(None))
        .order_by(s.ingested_at, s.id)
    )
    return [
        StoredSnapshot(
            r.id, r.source, r.captured_at.replace(tzinfo=UTC), r.ingested_at.replace(tzinfo=UTC),
            r.origin,
        )
        for r in rows
    ]  # fmt: skip


def snapshot_span(conn: Connection, snapshot_id: int) -> tuple[str, date, date, tuple[str, ...]]:
    """(source, first day, last day, journey names) of a stored snapshot: what its arrival
    changed. Reads its numbers, so meant for the rare snapshot whose check was missed."""
    s = snapshots.c
    source, first, last = conn.execute(
        select(s.source, s.first_day, s.last_day).where(s.id == snapshot_id)
    ).one()
    names = set()
    for table in (current_values, superseded_values):
        t = table.c
        names.update(
            conn.scalars(
                select(journeys.c.name)
                .distinct()
                .select_from(table.join(series, series.c.id == t.series_id))
                .join(journeys, journeys.c.id == series.c.journey_key)
                .where(t.snapshot_id == snapshot_id)
            )
        )
    return source, first, last, tuple(sorted(names))
