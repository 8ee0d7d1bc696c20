"""Calendar periods as reporting-calendar days: weeks, months, quarters, years, numeric dates.

Pure arithmetic on `datetime.date`, with `today` always handed in. Weeks run Monday to
Sunday. A period that has begun but not ended ("this quarter", "November" in November) ends
today: the days so far. `Impossible` stands for a date as written that no calendar has
(Feb 30), so the reader can say so instead of guessing.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import NamedTuple

from bot.query import Span

MONTHS: dict[str, int] = {
    **dict.fromkeys(("jan", "january"), 1),
    **dict.fromkeys(("feb", "february"), 2),
    **dict.fromkeys(("mar", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    "may": 5,
    **dict.fromkeys(("jun", "june"), 6),
    **dict.fromkeys(("jul", "july"), 7),
    **dict.fromkeys(("aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("oct", "october"), 10),
    **dict.fromkeys(("nov", "november"), 11),
    **dict.fromkeys(("dec", "december"), 12),
}
WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("monday", "mon"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("wednesday", "wed"), 2),
    **dict.fromkeys(("thursday", "thu", "thurs"), 3),
    **dict.fromkeys(("friday", "fri"), 4),
    "saturday": 5,
    "sunday": 6,
}
ORDINAL_WORDS: dict[str, int] = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 5}


class Impossible(NamedTuple):
    """A date as written that does not exist, or a reading that cannot be made."""

    why: str


class Ambiguous(NamedTuple):
    """A numeric date that reads as two days (day-first and month-first)."""

    day_first: Span
    month_first: Span


def is_span(value: object) -> bool:
    """A (first day, last day) pair, not one of the markers (which are tuples too)."""
    return (
        isinstance(value, tuple) and len(value) == 2 and all(type(part) is date for part in value)
    )


def valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_span(year: int, month: int) -> Span | None:
    if not 1 <= year <= 9999:
        return None
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def so_far(span: Span | None, today: date) -> Span | None:
    """A period that has begun ends today; one wholly in the future is left as it is."""
    if span is None:
        return None
    start, end = span
    return (start, min(end, today)) if start <= today else span


def latest_month(month: int, today: date) -> Span | None:
    """The latest such month that has begun (the current one ends today)."""
    year = today.year if month <= today.month else today.year - 1
    return so_far(month_span(year, month), today)


def shift_months(day: date, count: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + count, 12)
    if not 1 <= year <= 9999:
        return day
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def week_of(day: date) -> Span:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def quarter_span(year: int, quarter: int) -> Span | None:
    if not (1 <= year <= 9999 and 1 <= quarter <= 4):
        return None
    start = date(year, 3 * quarter - 2, 1)
    return start, month_span(year, 3 * quarter)[1]


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def latest_quarter(quarter: int, today: date) -> Span | None:
    """The latest such quarter that has begun (the current one ends today)."""
    year = today.year if quarter <= quarter_of(today) else today.year - 1
    return so_far(quarter_span(year, quarter), today)


def previous_quarter(today: date) -> Span:
    start = quarter_span(today.year, quarter_of(today))[0]
    return quarter_span(*_quarter_before(start))


def _quarter_before(start: date) -> tuple[int, int]:
    quarter = quarter_of(start)
    return (start.year, quarter - 1) if quarter > 1 else (start.year - 1, 4)


def year_span(year: int) -> Span | None:
    return (date(year, 1, 1), date(year, 12, 31)) if 1 <= year <= 9999 else None


def latest_weekday(weekday: int, today: date, *, before_today: bool = False) -> date:
    """The most recent such weekday on or before today (strictly before, if asked)."""
    back = (today.weekday() - weekday) % 7
    if back == 0 and before_today:
        back = 7
    return today - timedelta(days=back)


def last_weekend(today: date) -> Span:
    """The latest Saturday-Sunday wholly before today."""
    sunday = today - timedelta(days=(today.weekday() + 1) % 7 or 7)
    return sunday - timedelta(days=1), sunday


def this_weekend(today: date) -> Span:
    saturday = today + timedelta(days=5 - today.weekday())
    return saturday, saturday + timedelta(days=1)


def week_of_month(ordinal: int, month: int, year: int) -> Span | None:
    """Days 1-7, 8-14, 15-21, 22-28 of a month, or its last seven days (ordinal 5)."""
    span = month_span(year, month)
    if span is None:
        return None
    if ordinal == 5:
        return span[1] - timedelta(days=6), span[1]
    first = date(year, month, 7 * ordinal - 6)
    return first, first + timedelta(days=6)


def latest_day_of_month(day: int, today: date) -> date | None:
    """The most recent date with this day of the month, on or before today."""
    for back in range(13):
        first = shift_months(today.replace(day=1), -back)
        found = valid(first.year, first.month, day)
        if found and found <= today:
            return found
    return None


def numeric(first: int, second: int, year: int | None, order: str | None) -> tuple | None:
    """The (month, day) readings of "first/second": one, or two when both fit.

    `order` ("dmy" or "mdy") settles the case where both fit; without it both come back so
    the reader can ask.
    """
    readings = []
    if 1 <= second <= 12 and 1 <= first <= 31:
        readings.append(("dmy", second, first))
    if 1 <= first <= 12 and 1 <= second <= 31:
        readings.append(("mdy", first, second))
    if len(readings) == 2 and (first == second or order):
        readings = [r for r in readings if r[0] == (order or "dmy")]
    checked = [(kind, month, day) for kind, month, day in readings if _fits(month, day, year)]
    return tuple(checked) or None


def _fits(month: int, day: int, year: int | None) -> bool:
    return valid(year or 2000, month, day) is not None  # 2000: a leap year allows Feb 29
