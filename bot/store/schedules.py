"""Digest schedules: one per channel, read by the clock on every sweep.

Kept in the database so that a schedule set in Slack, on any web process, reaches the clock
without a restart. Times are aware UTC here, naive UTC in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from bot.store.runs import db_time, load
from bot.store.schema import digest_schedules


@dataclass(frozen=True)
class StoredSchedule:
    """A channel's weekly digest, as stored (bot.clock.weekly.Weekly reads the time fields)."""

    channel_id: str
    weekday: int
    hour: int
    minute: int
    timezone: str
    skip_unchanged: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


def save_schedule(conn: Connection, schedule: StoredSchedule) -> bool:
    """Create or replace the channel's schedule; True when it is new."""
    values = {c.name: getattr(schedule, c.name) for c in digest_schedules.columns}
    values.update(created_at=db_time(schedule.created_at), updated_at=db_time(schedule.updated_at))
    existing = conn.scalar(
        select(digest_schedules.c.created_at).where(
            digest_schedules.c.channel_id == schedule.channel_id
        )
    )
    if existing is None:
        conn.execute(insert(digest_schedules).values(values))
        return True
    values["created_at"] = existing
    conn.execute(
        update(digest_schedules)
        .where(digest_schedules.c.channel_id == schedule.channel_id)
        .values(values)
    )
    return False


def delete_schedule(conn: Connection, channel_id: str) -> bool:
    result = conn.execute(
        delete(digest_schedules).where(digest_schedules.c.channel_id == channel_id)
    )
    return result.rowcount == 1


def schedules(conn: Connection) -> list[StoredSchedule]:
    rows = conn.execute(select(digest_schedules).order_by(digest_schedules.c.channel_id))
    return [load(StoredSchedule, row) for row in rows]
