"""Watches: which channel is told about which journey's gaps, and from what size.

A channel watching a journey by name owns it; a channel watching `all` hears about every
journey no channel owns. Kept in the database so a watch set in Slack, on any web process,
is what the next check after a snapshot reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from bot.store.runs import aware, db_time
from bot.store.schema import alert_watches

ALL = ""  # the journey of a watch that covers every journey without an owner channel


@dataclass(frozen=True)
class Watch:
    id: int
    channel_id: str
    journey: str  # a stored journey's display name, or ALL
    metrics: tuple[str, ...]  # empty: every metric
    threshold_pct: float | None  # None: each metric's tolerance
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def covers_all(self) -> bool:
        return self.journey == ALL

    def watches(self, metric: str) -> bool:
        return not self.metrics or metric in self.metrics

    def to_dict(self) -> dict:
        return {
            "channel": self.channel_id,
            "journey": self.journey or "all",
            "metrics": list(self.metrics),
            "threshold_pct": self.threshold_pct,
        }


def _watch(row) -> Watch:
    return Watch(
        id=row.id,
        channel_id=row.channel_id,
        journey=row.journey,
        metrics=tuple(m for m in row.metrics.split(",") if m),
        threshold_pct=row.threshold_pct,
        created_by=row.created_by,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def save_watch(
    conn: Connection,
    *,
    channel_id: str,
    journey: str,
    metrics: Sequence[str],
    threshold_pct: float | None,
    user: str,
    now: datetime,
) -> bool:
    """Create or replace the channel's watch of `journey`; True when it is new."""
    w = alert_watches.c
    values = {"metrics": ",".join(metrics), "threshold_pct": threshold_pct}
    changed = conn.execute(
        update(alert_watches)
        .where(w.channel_id == channel_id, w.journey == journey)
        .values(**values, updated_at=db_time(now))
    ).rowcount
    if changed:
        return False
    conn.execute(
        insert(alert_watches).values(
            channel_id=channel_id,
            journey=journey,
            created_by=user,
            created_at=db_time(now),
            updated_at=db_time(now),
            **values,
        )
    )
    return True


def delete_watch(conn: Connection, channel_id: str, journey: str) -> bool:
    w = alert_watches.c
    result = conn.execute(
        delete(alert_watches).where(w.channel_id == channel_id, w.journey == journey)
    )
    return result.rowcount == 1


def watches(conn: Connection) -> list[Watch]:
    rows = conn.execute(
        select(alert_watches).order_by(alert_watches.c.channel_id, alert_watches.c.journey)
    )
    return [_watch(row) for row in rows]


def covering(all_watches: Sequence[Watch], journey: str) -> list[Watch]:
    """The watches that hear about `journey`: its owners', else every `all` watch."""
    owners = [w for w in all_watches if w.journey == journey]
    return owners or [w for w in all_watches if w.covers_all]
