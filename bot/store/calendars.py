"""The time zones stored days are in: a known fact for every answer about them.

CJA buckets days in its data view's time zone, which a pull reads from the Data Views API
and records with the snapshot; a Query Service pull buckets AJO's events in
PARITY_TIMEZONE and records that; a file says nothing and records nothing. When a
source's days are another calendar's than Parity's, the same event can fall on different
days in the two products: the answer says so, and the core receives it as `Calendars`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, select

from bot.metrics import SOURCES
from bot.store.schema import snapshots

# Zones are compared by their offsets every few hours over two years: an alias
# ("US/Mountain" and "America/Denver") is the same calendar; a daylight-saving rule that
# differs shows for weeks.
_STEP_HOURS = 6


@cache
def same_clock(first: str, second: str, year: int = 2026) -> bool | None:
    """Whether two IANA names keep the same time through `year` and the one after it
    (every hour compared); None when either is not a time zone Python knows."""
    if first == second:
        return True
    try:
        zones = ZoneInfo(first), ZoneInfo(second)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    start = datetime(year, 1, 1, tzinfo=UTC)
    for hour in range(0, 2 * 366 * 24, _STEP_HOURS):
        moment = start + timedelta(hours=hour)
        if moment.astimezone(zones[0]).utcoffset() != moment.astimezone(zones[1]).utcoffset():
            return False
    return True


@dataclass(frozen=True)
class SourceCalendar:
    """The time zone one source's latest snapshot that recorded one said its days are in."""

    source: str
    timezone: str
    captured_at: datetime
    origin: str
    # None when the zone is not one Python knows (then nothing can be said about it)
    same_as_reporting: bool | None

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "timezone": self.timezone,
            "captured_at": self.captured_at.isoformat(),
            "origin": self.origin,
            "same_as_reporting": self.same_as_reporting,
        }


@dataclass(frozen=True)
class Calendars:
    """Parity's reporting time zone and, per source that recorded one, its days' zone."""

    reporting: str
    sources: tuple[SourceCalendar, ...] = ()

    def of(self, source: str) -> SourceCalendar | None:
        return next((c for c in self.sources if c.source == source), None)

    @property
    def differing(self) -> tuple[SourceCalendar, ...]:
        """Sources whose days are (or may be) another calendar's than the reporting one."""
        return tuple(c for c in self.sources if c.same_as_reporting is not True)

    def to_dict(self) -> dict:
        return {"reporting": self.reporting, "sources": [c.to_dict() for c in self.sources]}


def calendars(conn: Connection, reporting: str) -> Calendars:
    """Per source, the latest snapshot that recorded a time zone."""
    s = snapshots.c
    found = []
    for source in SOURCES:
        latest = conn.execute(
            select(s.timezone, s.captured_at, s.origin)
            .where(s.source == source, s.timezone.is_not(None))
            .order_by(s.captured_at.desc(), s.id.desc())
            .limit(1)
        ).first()
        if latest is None:
            continue
        zone, captured, origin = latest
        found.append(
            SourceCalendar(
                source=source,
                timezone=zone,
                captured_at=captured.replace(tzinfo=UTC),
                origin=origin,
                same_as_reporting=same_clock(zone, reporting, captured.year),
            )
        )
    return Calendars(reporting, tuple(found))
