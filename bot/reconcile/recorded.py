"""What a pull recorded about CJA's calendar: its zone's offset from the reporting zone.

A data view counts days in its own IANA zone (Data view > Settings > Calendar); when a pull
read it, the direction and the size of a time-zone shift are known rather than inferred,
and so are the days daylight saving changes them. A zone keeping the reporting zone's
clock rules a shift out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.formatting import format_day
from bot.store.calendars import Calendars


@dataclass(frozen=True)
class Recorded:
    """CJA's recorded zone against the reporting one over some days."""

    zone: str
    reporting: str
    captured: date
    # (first day, hours CJA's clock is ahead of the reporting one; negative: behind)
    offsets: tuple[tuple[date, float], ...]

    @property
    def direction(self) -> str | None:
        """Which way CJA's days are shifted, or None when the clocks agree all along."""
        signs = {(hours > 0) - (hours < 0) for _, hours in self.offsets}
        if signs == {0}:
            return None
        return "ahead" if signs <= {0, 1} else "behind" if signs <= {0, -1} else "mixed"

    def describe(self) -> str:
        """ "CJA's data view counts days in America/Los_Angeles (recorded Nov 12), 8 hours
        behind UTC, 7 from Nov 1" """
        parts = []
        for index, (first, hours) in enumerate(self.offsets):
            size = abs(hours)
            text = f"{size:g} hour{'s' if size != 1 else ''}"
            where = "ahead of" if hours > 0 else "behind"
            if index == 0:
                parts.append(f"{text} {where} {self.reporting}")
            else:
                parts.append(f"{text} from {format_day(first)}")
        return (
            f"CJA's data view counts days in {self.zone} (recorded by a pull on "
            f"{format_day(self.captured)}), " + ", ".join(parts)
        )


def _offset(zone: ZoneInfo, day: date) -> float:
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return noon.astimezone(zone).utcoffset().total_seconds() / 3600


def recorded(calendars: Calendars | None, first: date, last: date) -> Recorded | None:
    """CJA's recorded zone over `first`..`last`; None when no pull recorded one or the
    zone is not one Python knows."""
    if calendars is None or calendars.of("cja") is None:
        return None
    found = calendars.of("cja")
    try:
        view, reporting = ZoneInfo(found.timezone), ZoneInfo(calendars.reporting)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    offsets: list[tuple[date, float]] = []
    day = first
    while day <= last:
        hours = _offset(view, day) - _offset(reporting, day)
        if not offsets or offsets[-1][1] != hours:
            offsets.append((day, hours))
        day += timedelta(days=1)
    captured = found.captured_at.date()
    return Recorded(found.timezone, calendars.reporting, captured, tuple(offsets))
