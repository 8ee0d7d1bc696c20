"""The hours a data view's IANA zone keeps from the reporting zone, day by day.

A CJA data view counts days in its own zone (Data view > Settings > Calendar). Against the
reporting zone its clock is some hours ahead or behind, and the number changes whenever
one of the two zones starts or ends daylight saving (Oct 25 in Europe, Nov 1 in America in
2026), so the share of a day's events that land on the neighbouring day changes on those
days too. The time-zone fit tries a short list of common zones (and the recorded one):
zones whose clocks change on the same days against the reporting zone cannot be told apart
from daily numbers, only by how many hours they are off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from bot.formatting import format_day

# Zones data views are commonly set to; enough to cover each offset from UTC-8 to UTC+12
# with and without daylight saving.
COMMON_ZONES = (
    "America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago",
    "America/Bogota", "America/New_York", "America/Halifax", "America/Sao_Paulo", "UTC",
    "Europe/London", "Europe/Paris", "Europe/Helsinki", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Tokyo", "Australia/Brisbane", "Australia/Sydney",
    "Pacific/Auckland",
)  # fmt: skip


def _noon(view: ZoneInfo, base: ZoneInfo, day: date) -> float:
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return (
        noon.astimezone(view).utcoffset() - noon.astimezone(base).utcoffset()
    ).total_seconds() / 3600


def _hours(view: ZoneInfo, base: ZoneInfo, day: date) -> float:
    """Hours `view`'s clock is ahead of `base`'s for the events that move on `day` (a day
    of `base`): behind, the first hours of the day move, so the offset at its start counts;
    ahead, the last hours, so the offset at its end (a change at 2 am in America moves the
    day after's share, not that day's)."""

    def at(hour: int, minute: int) -> float:
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=base)
        offset = moment.utcoffset() or timedelta()
        view_offset = moment.astimezone(UTC).astimezone(view).utcoffset() or timedelta()
        return (view_offset - offset).total_seconds() / 3600

    start = at(0, 30)
    return start if start < 0 else at(23, 30)


@dataclass(frozen=True)
class Offsets:
    """One zone against the reporting one over some days: (first day, hours the zone's
    clock is ahead of the reporting one; negative: behind), a segment per change."""

    zone: str
    reporting: str
    segments: tuple[tuple[date, float], ...]
    # The same at noon: the days the clocks change, as an answer states them (the segments
    # start the first day whose moving hours feel the change, a day later behind).
    stated: tuple[tuple[date, float], ...] = ()

    @property
    def keeps_clock(self) -> bool:
        return all(hours == 0 for _, hours in self.segments)

    @property
    def structure(self) -> tuple[tuple[date, int], ...]:
        """The days the offset changes and its direction: zones with the same structure
        move the same days' events and cannot be told apart by a fit of daily numbers."""
        return tuple((first, int(np.sign(hours))) for first, hours in self.segments)

    def segment_of(self, days: np.ndarray) -> np.ndarray:
        """Per day (datetime64[D]), the index of its segment."""
        starts = np.array([np.datetime64(first, "D") for first, _ in self.segments])
        return np.searchsorted(starts, days, side="right") - 1

    def hours(self) -> np.ndarray:
        return np.array([hours for _, hours in self.segments])

    def describe(self) -> str:
        """ "7 hours behind UTC, 8 from Nov 1" """
        parts = []
        for index, (first, hours) in enumerate(self.stated or self.segments):
            size = abs(hours)
            text = f"{size:g} hour{'s' if size != 1 else ''}"
            if hours == 0:
                parts.append(f"the same clock as {self.reporting}" if index == 0 else
                             f"the same clock since {format_day(first)}")  # fmt: skip
            elif index == 0:
                parts.append(f"{text} {'ahead of' if hours > 0 else 'behind'} {self.reporting}")
            else:
                parts.append(f"{size:g} since {format_day(first)}")
        return ", ".join(parts)


@cache
def offsets(zone: str, reporting: str, first: date, last: date) -> Offsets | None:
    """`zone` against `reporting` from `first` to `last`; None when either is not a zone
    Python knows."""
    try:
        view, base = ZoneInfo(zone), ZoneInfo(reporting)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    segments: list[tuple[date, float]] = []
    stated: list[tuple[date, float]] = []
    day = first
    while day <= last:
        for found, hours in ((segments, _hours(view, base, day)), (stated, _noon(view, base, day))):
            if not found or found[-1][1] != hours:
                found.append((day, hours))
        day += timedelta(days=1)
    return Offsets(zone, reporting, tuple(segments), tuple(stated))


def candidates(reporting: str, first: date, last: date) -> list[Offsets]:
    """The common zones that keep another clock than `reporting` over these days."""
    found = (offsets(zone, reporting, first, last) for zone in COMMON_ZONES)
    return [o for o in found if o is not None and not o.keeps_clock]


@cache
def _clock_changes(first: date, last: date) -> tuple[date, ...]:
    """Days from `first` to `last` on which one of the common zones changes its clock
    against UTC (the day after, at noon, it keeps another offset)."""
    found = set()
    for name in COMMON_ZONES:
        zone = ZoneInfo(name)
        day = first
        before = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).astimezone(zone)
        while day < last:
            day += timedelta(days=1)
            now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).astimezone(zone)
            if now.utcoffset() != before.utcoffset():
                found.add(day)
            before = now
    return tuple(sorted(found))


def with_audience_changes(zone: Offsets, first: date, last: date) -> Offsets:
    """`zone` with a segment starting on each day an audience's clock may change (the
    common zones' daylight-saving days), keeping its hours: a journey sends at hours local
    to its audience (AJO schedules in the profile's or the journey's zone), so against the
    reporting zone its send hours move on the audience's daylight-saving day, and with
    them the share of a day the data view moves, even where the data view's offset stays.
    Days within a day of one of the zone's own changes or of the range's ends add nothing."""
    starts = [start for start, _ in zone.segments]
    added = [
        day
        for day in _clock_changes(first, last)
        if all(abs((day - start).days) > 1 for start in starts)
        and (day - first).days > 1
        and (last - day).days > 1
    ]
    if not added:
        return zone
    segments = list(zone.segments)
    for day in added:
        index = (
            max(i for i, (start, _) in enumerate(segments) if start <= day)
            if any(start <= day for start, _ in segments)
            else 0
        )
        segments.append((day, segments[index][1]))
        segments.sort()
    return Offsets(zone.zone, zone.reporting, tuple(segments), zone.stated)
