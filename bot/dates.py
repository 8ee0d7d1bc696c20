"""Date phrases in a question -> the calendar days it asks about.

Days are reporting-time-zone calendar days and `today` is always handed in, so the same
question gives the same range in a test, on a server, and in next week's digest. Each rule is
one pattern plus a small function; `find_dates` tries them from the most specific ("Nov 1 to
Nov 15") to the least ("november"), and blanks what it used, so "nov 1" is never read again as
"november" and the rest of the question can be searched for metrics and journeys.

Choices where people's words are ambiguous:
- "last N days" ends today, today included: "last 7 days" is today-6 .. today.
- "last N weeks" is the N*7 days ending today; "past week" is the 7 days ending today, while
  "last week" / "previous week" is the previous full Monday-Sunday week.
- "last N months" starts the day after the same day N months ago and ends today ("last 13
  months" on 2026-11-29 is 2025-10-30 .. 2026-11-29); "past month" is "last 1 months", while
  "last month" / "previous month" is the previous full calendar month.
- A month-day without a year is the most recent such day not after today. In a range without
  years the start is resolved so and the end is the first such day after it ("Dec 20 to Jan 3"
  crosses New Year); a range that reads backwards ("Nov 20 to Nov 3") is swapped when that
  gives the shorter range.
- A month without a year ("october", "in october") is the latest such month not after today's;
  the current month ends today.
- Counts are capped at about ten years; several date phrases give the span covering them all;
  a range written end-first is swapped.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

Span = tuple[date, date]

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

NUMBER_WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "thirty": 30,
    "ninety": 90,
}

# Longest accepted "last N <unit>", in units: about ten years.
MAX_COUNT: dict[str, int] = {"day": 3660, "week": 520, "month": 120}


def _this_week(today: date) -> Span:
    return today - timedelta(days=today.weekday()), today


def _last_week(today: date) -> Span:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _last_month(today: date) -> Span:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


FIXED_PHRASES: dict[str, Callable[[date], Span]] = {
    "this week": _this_week,
    "week to date": _this_week,
    "last week": _last_week,
    "previous week": _last_week,
    "prior week": _last_week,
    "this month": lambda today: (today.replace(day=1), today),
    "month to date": lambda today: (today.replace(day=1), today),
    "last month": _last_month,
    "previous month": _last_month,
    "prior month": _last_month,
    "this year": lambda today: (date(today.year, 1, 1), today),
    "year to date": lambda today: (date(today.year, 1, 1), today),
    "ytd": lambda today: (date(today.year, 1, 1), today),
    "last year": lambda today: (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
}


class _Day(NamedTuple):
    """A day as written: the year may be missing."""

    year: int | None
    month: int
    day: int


_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_ISO = r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}"
_DAY = (
    rf"(?:{_ISO}|{_MONTH}\s+[0-9]{{1,2}}{_ORD}(?:,?\s+[0-9]{{4}})?"
    rf"|[0-9]{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}(?:,?\s+[0-9]{{4}})?|today|yesterday)"
)
_TO = r"(?:\s*-\s*|\s+(?:to|until|till|til|through|thru|and)\s+)"
_UNITS = "|".join([r"[0-9]+", *NUMBER_WORDS])


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_day(text: str, today: date) -> _Day | None:
    if text in ("today", "yesterday"):
        real = today if text == "today" else today - timedelta(days=1)
        return _Day(real.year, real.month, real.day)
    if iso := re.fullmatch(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", text):
        return _Day(*map(int, iso.groups()))
    year = re.search(r"[0-9]{4}$", text)
    day = re.search(rf"(?<![0-9])([0-9]{{1,2}}){_ORD}(?![0-9])", text)
    month = re.search(r"[a-z]{3,}", text)
    if not (day and month and month[0] in MONTHS):
        return None
    return _Day(int(year[0]) if year else None, MONTHS[month[0]], int(day[1]))


def _not_after(day: _Day, limit: date) -> date | None:
    """The day itself if it has a year, else the latest such day on or before `limit`."""
    if day.year is not None:
        return _valid(*day)
    for year in range(limit.year, limit.year - 9, -1):
        found = _valid(year, day.month, day.day)
        if found and found <= limit:
            return found
    return None


def _on_or_after(day: _Day, limit: date) -> date | None:
    if day.year is not None:
        return _valid(*day)
    for year in range(limit.year, limit.year + 9):
        found = _valid(year, day.month, day.day)
        if found and found >= limit:
            return found
    return None


def _range(first: _Day | None, last: _Day | None, today: date) -> Span | None:
    if first is None or last is None:
        return None
    if first.year is None and last.year is not None:
        end = _valid(*last)
        readings = [(_not_after(first, end) if end else None, end)]
    else:
        start = _not_after(first, today)
        readings = [(start, _on_or_after(last, start) if start else None)]
        if first.year is None and last.year is None:  # maybe written backwards
            readings.append((_not_after(last, today), _not_after(first, today)))
    spans = [_ordered(start, end) for start, end in readings if start and end]
    return min(spans, key=lambda span: span[1] - span[0], default=None)


def _ordered(start: date, end: date) -> Span:
    return (start, end) if start <= end else (end, start)


def _whole_month(month: int, year: int | None, today: date) -> Span | None:
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    if not 1 <= year <= 9999:
        return None
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    return (start, min(end, today)) if start <= today else (start, end)


def _months_back(today: date, count: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=1)


def _last_n(match: re.Match[str], today: date) -> Span:
    unit = match[2]
    written = NUMBER_WORDS.get(match[1]) or int(match[1] or 1)
    count = min(max(written, 1), MAX_COUNT[unit])
    if unit == "month":
        return _months_back(today, count), today
    days = count * 7 if unit == "week" else count
    return today - timedelta(days=days - 1), today


def _month(match: re.Match[str], today: date) -> Span | None:
    if match[2].rstrip(".") == "may" and not (match[1] or match[3] or match[4]):
        return None  # "may I see..." is not May
    year = int(match[3]) if match[3] else None
    if match[4]:
        year = today.year - 1 if "last" in match[4] else today.year
    return _whole_month(MONTHS[match[2].rstrip(".")], year, today)


def _since(match: re.Match[str], today: date) -> Span | None:
    start = _parse_day(match[1], today)
    start = _not_after(start, today) if start else None
    return _ordered(start, today) if start else None


def _since_month(match: re.Match[str], today: date) -> Span | None:
    month = _whole_month(MONTHS[match[1].rstrip(".")], int(match[2]) if match[2] else None, today)
    return _ordered(month[0], today) if month else None


def _month_days(month: str, first: str, last: str, year: str | None, today: date) -> Span | None:
    number = MONTHS[month.rstrip(".")]
    known = int(year) if year else None
    return _range(_Day(known, number, int(first)), _Day(known, number, int(last)), today)


def _single(match: re.Match[str], today: date) -> Span | None:
    day = _parse_day(match[1], today)
    found = _not_after(day, today) if day else None
    return (found, found) if found else None


def _fixed(match: re.Match[str], today: date) -> Span:
    return FIXED_PHRASES[" ".join(match[0].split())](today)


_Rule = tuple[str, Callable[[re.Match[str], date], Span | None]]
_YEAR = r"(?:,?\s+([0-9]{4}))?"
_FIXED = "|".join(phrase.replace(" ", r"\s+") for phrase in FIXED_PHRASES)

# Most specific first: each rule only sees what the earlier ones left.
RULES: tuple[_Rule, ...] = (
    (
        rf"(?:from\s+|between\s+)?({_DAY}){_TO}({_DAY})",
        lambda m, today: _range(_parse_day(m[1], today), _parse_day(m[2], today), today),
    ),
    (
        rf"({_MONTH})\s+([0-9]{{1,2}}){_ORD}{_TO}([0-9]{{1,2}}){_ORD}{_YEAR}",
        lambda m, today: _month_days(m[1], m[2], m[3], m[4], today),
    ),
    (
        rf"([0-9]{{1,2}}){_ORD}{_TO}([0-9]{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH}){_YEAR}",
        lambda m, today: _month_days(m[3], m[1], m[2], m[4], today),
    ),
    (rf"(?:since|from|after)\s+({_DAY})", _since),
    (rf"(?:since|from|after)\s+({_MONTH}){_YEAR}", _since_month),
    (rf"(?:on\s+)?({_DAY})", _single),
    (rf"(in\s+|during\s+|for\s+)?({_MONTH}){_YEAR}(\s+(?:of\s+)?(?:last|this)\s+year)?", _month),
    (rf"(?:the\s+)?(?:last|past|previous|prior)\s+({_UNITS})\s+(day|week|month)s?", _last_n),
    (_FIXED, _fixed),
    (r"(?:the\s+)?past\s+()(day|week|month)", _last_n),
)
_COMPILED = tuple(
    (re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"), handle) for pattern, handle in RULES
)


def blank(text: str, start: int, end: int) -> str:
    """The text with [start, end) replaced by a break mark, offsets unchanged."""
    return text[:start] + "|" + " " * (end - start - 1) + text[end:]


def find_dates(text: str, today: date) -> tuple[Span | None, str]:
    """The days a lower-cased question asks about (None: it names none), and the question
    with every date phrase blanked out so nothing else reads "nov" or "last week" again."""
    spans: list[Span] = []
    for pattern, handle in _COMPILED:
        for match in pattern.finditer(text):
            span = handle(match, today)
            if span is not None:
                spans.append(span)
                text = blank(text, *match.span())
    if not spans:
        return None, text
    return (min(start for start, _ in spans), max(end for _, end in spans)), text
