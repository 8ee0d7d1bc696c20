"""Read queries. Filtering and aggregation happen in SQL; callers get small frames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, case, func, select

from bot.store.schema import current_values, journeys, snapshots

COMPARISON_COLUMNS = ("journey_key", "day", "metric", "ajo", "cja", "ajo_rows", "cja_rows")


def _by_source(source: str, value):
    return func.sum(case((current_values.c.source == source, value), else_=0))


def comparison_frame(
    conn: Connection,
    start: date,
    end: date,
    metrics: Sequence[str] = (),
    journey_keys: Sequence[int] = (),
) -> pd.DataFrame:
    """Both sources side by side per (journey, day, metric), summed over actions and channels.

    One GROUP BY over both sources with conditional sums: cheaper than joining two
    summaries, and SQLite walks the primary key (metric, day, journey) without sorting.
    `*_rows` count the stored rows behind each side, to tell a reported 0 from no data.
    """
    cv = current_values.c
    statement = (
        select(
            cv.journey_key,
            cv.day,
            cv.metric,
            _by_source("ajo", cv.value).label("ajo"),
            _by_source("cja", cv.value).label("cja"),
            _by_source("ajo", 1).label("ajo_rows"),
            _by_source("cja", 1).label("cja_rows"),
        )
        .where(cv.day >= start, cv.day <= end)
        .group_by(cv.metric, cv.day, cv.journey_key)
    )
    if metrics:
        statement = statement.where(cv.metric.in_(metrics))
    if journey_keys:
        statement = statement.where(cv.journey_key.in_(journey_keys))
    frame = pd.DataFrame(conn.execute(statement).all(), columns=list(COMPARISON_COLUMNS))
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[us]")
    for column in ("ajo", "cja", "ajo_rows", "cja_rows", "journey_key"):
        frame[column] = frame[column].astype("int64")
    return frame


def journey_names(conn: Connection) -> dict[int, str]:
    """Journey key -> display name."""
    return dict(conn.execute(select(journeys.c.id, journeys.c.name)).all())


def metrics_in_range(conn: Connection, start: date, end: date) -> list[str]:
    """Metrics that either source reported in the range."""
    cv = current_values.c
    rows = conn.execute(select(cv.metric).where(cv.day >= start, cv.day <= end).group_by(cv.metric))
    return [metric for (metric,) in rows]


@dataclass(frozen=True)
class SourceOverview:
    """How much one source has stored and how fresh it is."""

    source: str
    snapshots: int
    rows: int
    first_day: date | None
    last_day: date | None
    last_captured_at: datetime | None
    last_origin: str | None

    def age_hours(self, now: datetime) -> float | None:
        if self.last_captured_at is None:
            return None
        return (now - self.last_captured_at).total_seconds() / 3600

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "snapshots": self.snapshots,
            "rows": self.rows,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "last_captured_at": self.last_captured_at.isoformat()
            if self.last_captured_at
            else None,
            "last_origin": self.last_origin,
        }


def source_overview(conn: Connection, source: str) -> SourceOverview:
    s = snapshots.c
    count, rows, first_day, last_day, last_captured = conn.execute(
        select(
            func.count(s.id),
            func.coalesce(func.sum(s.row_count), 0),
            func.min(s.first_day),
            func.max(s.last_day),
            func.max(s.captured_at),
        ).where(s.source == source)
    ).one()
    last_origin = conn.scalar(
        select(s.origin).where(s.source == source).order_by(s.captured_at.desc(), s.id.desc())
    )
    return SourceOverview(
        source=source,
        snapshots=count,
        rows=int(rows),
        first_day=first_day,
        last_day=last_day,
        last_captured_at=last_captured.replace(tzinfo=UTC) if last_captured else None,
        last_origin=last_origin,
    )
