"""Instants as float hours since EPOCH (UTC), and the calendar days of IANA time zones.

Each product cuts days in its own zone; daylight saving moves the cut by an hour on the
transition days, so a zone's offset is looked up per hour rather than assumed fixed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
EPOCH_DAY = EPOCH.date()
HOURS = 2 * 366 * 24  # the hours whose offsets are tabled: 2026 and 2027


@cache
def offsets(zone: str) -> np.ndarray:
    """The zone's UTC offset in hours at each whole hour since EPOCH."""
    tz = ZoneInfo(zone)
    table = np.empty(HOURS)
    hour = 0
    while hour < HOURS:
        # Offsets change a few times a year: step a day at a time, refine on a change.
        moment = EPOCH + timedelta(hours=hour)
        offset = moment.astimezone(tz).utcoffset().total_seconds() / 3600
        table[hour : hour + 24] = offset
        later = moment + timedelta(hours=24)
        if later.astimezone(tz).utcoffset().total_seconds() / 3600 != offset:
            for step in range(24):
                at = moment + timedelta(hours=step)
                table[hour + step] = at.astimezone(tz).utcoffset().total_seconds() / 3600
        hour += 24
    return table


def local_day(instants: np.ndarray, zone: str) -> np.ndarray:
    """Days since EPOCH_DAY of the calendar date each instant falls on in `zone`."""
    index = np.clip(np.floor(instants).astype(np.int64), 0, HOURS - 1)
    return np.floor((instants + offsets(zone)[index]) / 24).astype(np.int64)


def midnight(days: np.ndarray, zone: str) -> np.ndarray:
    """The instant each local date (days since EPOCH_DAY) begins in `zone`, to the hour."""
    guess = days * 24.0
    index = np.clip(guess.astype(np.int64), 0, HOURS - 1)
    return guess - offsets(zone)[index]


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def transitions(zone: str, first: date, last: date) -> tuple[date, ...]:
    """The dates, in UTC, on which the zone's offset changes between `first` and `last`."""
    table = offsets(zone)
    start, end = day_number(first) * 24, (day_number(last) + 1) * 24
    changed = np.flatnonzero(np.diff(table[start:end]) != 0) + start + 1
    return tuple(EPOCH_DAY + timedelta(days=int(h) // 24) for h in changed)
