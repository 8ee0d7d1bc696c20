"""The date phrases people write, one small function each: what a rule's match reads as.

Each function takes the regular-expression match of one rule in bot.language.dates.RULES,
today and the configured date order, and gives a span of days, or a marker saying why it
cannot: Impossible (Feb 30), Ambiguous (03/04/2026 without PARITY_DATE_ORDER), Future
("next week"), Relative ("the week before"). Periods are computed in bot.language.calendar.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

from bot.language.calendar import (
    MONTHS,
    ORDINAL_WORDS,
    WEEKDAYS,
    Ambiguous,
    Impossible,
    is_span,
    last_weekend,
    latest_day_of_month,
    latest_month,
    latest_quarter,
    latest_weekday,
    month_span,
    numeric,
    previous_quarter,
    quarter_of,
    quarter_span,
    shift_months,
    so_far,
    this_weekend,
    valid,
    week_of,
    week_of_month,
    year_span,
)
from bot.language.words import STOP_WORDS
from bot.query import Span

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
    "a": 1,
}

# Longest accepted "last N <unit>", in units: about ten years.
MAX_COUNT: dict[str, int] = {
    "day": 3660,
    "week": 520,
    "fortnight": 260,
    "month": 120,
    "quarter": 40,
    "year": 10,
}
# The 30 days ending the day named ("until Nov 25"): the default range's length.
UNTIL_DAYS = 30


class Relative(NamedTuple):
    """ "the week before": a range as long as, and just before, the one it follows."""

    unit: str  # day | week | month | year | period


class Future(NamedTuple):
    """A phrase only about days after today ("next week", "tomorrow")."""

    span: Span | None


Reading = Span | Impossible | Ambiguous | Relative | Future | None


def _days_back(today: date, count: int) -> Span:
    return today - timedelta(days=count - 1), today


def _count(word: str | None) -> int:
    if not word:
        return 1
    return NUMBER_WORDS.get(word) or int(word)


def _last_n(m: re.Match[str], today: date, _order) -> Reading:
    unit = m["unit"]
    count = min(max(_count(m["n"]), 1), MAX_COUNT[unit])
    if m["dir"] == "next":
        return Future(None)
    if unit == "day":
        return _days_back(today, count)
    if unit == "week":
        return _days_back(today, 7 * count)
    if unit == "fortnight":
        return _days_back(today, 14 * count)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * count
    return shift_months(today, -months) + timedelta(days=1), today


def _fixed(m: re.Match[str], today: date, _order) -> Reading:
    key = " ".join(m[0].split())
    return FIXED_PHRASES[key if key in FIXED_PHRASES else key.removesuffix("s")](today)


def _this_week(today: date) -> Span:
    return week_of(today)[0], today


def _last_week(today: date) -> Span:
    return week_of(today - timedelta(days=7))


def _last_month(today: date) -> Span:
    return month_span(*_ym(shift_months(today.replace(day=1), -1)))


def _ym(day: date) -> tuple[int, int]:
    return day.year, day.month


def _this_weekend(today: date) -> Reading:
    saturday, sunday = this_weekend(today)
    if today.weekday() < 5:
        return Future((saturday, sunday))
    return saturday, today


FIXED_PHRASES: dict[str, Callable[[date], Reading]] = {
    "today": lambda today: (today, today),
    "todays": lambda today: (today, today),
    "yesterday": lambda today: (today - timedelta(days=1),) * 2,
    "yesterdays": lambda today: (today - timedelta(days=1),) * 2,
    "the day before yesterday": lambda today: (today - timedelta(days=2),) * 2,
    "day before yesterday": lambda today: (today - timedelta(days=2),) * 2,
    "tomorrow": lambda today: Future(None),
    "this week": _this_week,
    "week to date": _this_week,
    "wtd": _this_week,
    "current week": _this_week,
    "last week": _last_week,
    "previous week": _last_week,
    "prior week": _last_week,
    "week before last": lambda today: week_of(today - timedelta(days=14)),
    "the week before last": lambda today: week_of(today - timedelta(days=14)),
    "next week": lambda today: Future(None),
    "this month": lambda today: (today.replace(day=1), today),
    "month to date": lambda today: (today.replace(day=1), today),
    "mtd": lambda today: (today.replace(day=1), today),
    "current month": lambda today: (today.replace(day=1), today),
    "last month": _last_month,
    "previous month": _last_month,
    "prior month": _last_month,
    "month before last": lambda today: month_span(*_ym(shift_months(today.replace(day=1), -2))),
    "next month": lambda today: Future(None),
    "this quarter": lambda today: latest_quarter(quarter_of(today), today),
    "quarter to date": lambda today: latest_quarter(quarter_of(today), today),
    "qtd": lambda today: latest_quarter(quarter_of(today), today),
    "current quarter": lambda today: latest_quarter(quarter_of(today), today),
    "last quarter": previous_quarter,
    "previous quarter": previous_quarter,
    "prior quarter": previous_quarter,
    "next quarter": lambda today: Future(None),
    "this year": lambda today: (date(today.year, 1, 1), today),
    "year to date": lambda today: (date(today.year, 1, 1), today),
    "ytd": lambda today: (date(today.year, 1, 1), today),
    "current year": lambda today: (date(today.year, 1, 1), today),
    "last year": lambda today: year_span(today.year - 1),
    "previous year": lambda today: year_span(today.year - 1),
    "prior year": lambda today: year_span(today.year - 1),
    "next year": lambda today: Future(None),
    "last weekend": last_weekend,
    "over the weekend": lambda today: _weekend_so_far(today),
    "the weekend": lambda today: _weekend_so_far(today),
    "this weekend": _this_weekend,
    "next weekend": lambda today: Future(None),
}


def _weekend_so_far(today: date) -> Span:
    return (this_weekend(today)[0], today) if today.weekday() >= 5 else last_weekend(today)


class _Day(NamedTuple):
    """A day as written: the year may be missing."""

    year: int | None
    month: int
    day: int


_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = "(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + ")"
_ORD = r"(?:st|nd|rd|th)?"
_ISO = r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}"
_NUMERIC = (
    r"[0-9]{1,2}/[0-9]{1,2}(?:/(?:[0-9]{4}|[0-9]{2}))?"
    r"|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}"
)
_YEAR_OF = r"(?:,?\s+(?:of\s+)?[0-9]{4})?"
_DAY = (
    rf"(?:{_ISO}|{_NUMERIC}|{_MONTH}\s+[0-9]{{1,2}}{_ORD}{_YEAR_OF}"
    rf"|(?:the\s+)?[0-9]{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH}{_YEAR_OF}|today|yesterday)"
)
_TO = r"(?:\s*-\s*|\s*\.\.\s*|\s+(?:to|until|till|til|through|thru|and)\s+)"
_UNITS = "|".join([r"[0-9]+", *NUMBER_WORDS])
_YEAR = r"(?:,?\s+(?:of\s+)?(?P<year>[0-9]{4}))?"


def _parse_day(text: str, today: date, order: str | None) -> _Day | Ambiguous | Impossible:
    text = re.sub(r"\s+", " ", text.strip())
    if text in ("today", "yesterday"):
        real = today if text == "today" else today - timedelta(days=1)
        return _Day(real.year, real.month, real.day)
    if iso := re.fullmatch(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", text):
        return _Day(*map(int, iso.groups()))
    if num := re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-]([0-9]{2,4}))?", text):
        return _numeric_day(num, today, order)
    year = re.search(r"[0-9]{4}$", text)
    day = re.search(rf"(?<![0-9])([0-9]{{1,2}}){_ORD}(?![0-9])", text)
    month = re.search(r"[a-z]{3,}", text.removeprefix("the "))
    if not (day and month and month[0] in MONTHS):
        return Impossible(text)
    return _Day(int(year[0]) if year else None, MONTHS[month[0]], int(day[1]))


def _numeric_day(m: re.Match[str], today: date, order: str | None):
    year = int(m[3]) if m[3] else None
    if year is not None and year < 100:
        year += 2000
    readings = numeric(int(m[1]), int(m[2]), year, order)
    if readings is None:
        return Impossible(m[0])
    days = [_Day(year, month, day) for _, month, day in readings]
    if len(days) == 1:
        return days[0]
    spans = [_single_day(d, today) for d in days]
    if not all(is_span(s) for s in spans):
        return Impossible(m[0])
    return Ambiguous(spans[0], spans[1])


def _not_after(day: _Day, limit: date) -> date | None:
    """The day itself if it has a year, else the latest such day on or before `limit`."""
    if day.year is not None:
        return valid(*day)
    for year in range(limit.year, limit.year - 9, -1):
        found = valid(year, day.month, day.day)
        if found and found <= limit:
            return found
    return None


def _on_or_after(day: _Day, limit: date) -> date | None:
    if day.year is not None:
        return valid(*day)
    for year in range(limit.year, limit.year + 9):
        found = valid(year, day.month, day.day)
        if found and found >= limit:
            return found
    return None


def _single_day(day, today: date) -> Reading:
    if not isinstance(day, _Day):
        return day
    found = _not_after(day, today)
    return (found, found) if found else Impossible(f"{day.month}/{day.day}")


def _range_of(first, last, today: date) -> Reading:
    for side in (first, last):
        if isinstance(side, Impossible):
            return side
    if isinstance(first, Ambiguous) or isinstance(last, Ambiguous):
        return _ambiguous_range(first, last, today)
    if first.year is None and last.year is not None:
        end = valid(*last)
        readings = [(_not_after(first, end) if end else None, end)]
    else:
        start = _not_after(first, today)
        readings = [(start, _on_or_after(last, start) if start else None)]
        if first.year is None and last.year is None:  # maybe written backwards
            readings.append((_not_after(last, today), _not_after(first, today)))
    spans = [_ordered(start, end) for start, end in readings if start and end]
    if not spans:
        return Impossible("")
    return min(spans, key=lambda span: span[1] - span[0])


def _ambiguous_range(first, last, today: date) -> Reading:
    """Two numeric days of which one (or both) reads two ways: one that reads one way
    settles the other; two ambiguous ones stay ambiguous, read the same way both."""

    def ends(reading, which: int):
        if isinstance(reading, Ambiguous):
            return reading[which][0]
        return _single_day(reading, today)[0]

    known = [r for r in (first, last) if not isinstance(r, Ambiguous)]
    if known:
        fits = [which for which in (0, 1) if ends(first, which) <= ends(last, which)]
        which = fits[0] if len(fits) == 1 else 1
        return _ordered(ends(first, which), ends(last, which))
    day_first = _ordered(ends(first, 0), ends(last, 0))
    month_first = _ordered(ends(first, 1), ends(last, 1))
    return Ambiguous(day_first, month_first)


def _ordered(start: date, end: date) -> Span:
    return (start, end) if start <= end else (end, start)


def _month(m: re.Match[str], today: date, _order) -> Reading:
    name = m["month"].rstrip(".")
    if name == "may" and not (m["prefix"] or m["year"] or m["which"]):
        return None  # "may I see..." is not May
    number = MONTHS[name]
    if m["which"]:
        year = today.year - 1 if "last" in m["which"] else today.year
        return _future_or(so_far(month_span(year, number), today), today)
    if m["year"]:
        return _future_or(so_far(month_span(int(m["year"]), number), today), today)
    return latest_month(number, today)


def _future_or(span: Span | None, today: date) -> Reading:
    if span is None:
        return Impossible("")
    return Future(span) if span[0] > today else span


def _quarter(m: re.Match[str], today: date, _order) -> Reading:
    quarter = int(m["q"]) if m["q"] else ORDINAL_WORDS[m["qword"]]
    year = m["year"] or m["year_before"]
    if year:
        span = quarter_span(int(year), quarter)
        span = _future_or(so_far(span, today), today)
    else:
        span = latest_quarter(quarter, today)
    if m["to_date"] and is_span(span):
        return span[0], min(today, span[1])
    return span


def _year(m: re.Match[str], today: date, _order) -> Reading:
    return _future_or(so_far(year_span(int(m["year"])), today), today)


def _since(m: re.Match[str], today: date, order) -> Reading:
    start = _single_day(_parse_day(m["day"], today, order), today)
    if is_span(start):
        return _ordered(start[0], today)
    if isinstance(start, Ambiguous):
        return Ambiguous((start[0][0], today), (start[1][0], today))
    return start


def _until(m: re.Match[str], today: date, order) -> Reading:
    end = _single_day(_parse_day(m["day"], today, order), today)
    if is_span(end):
        return end[0] - timedelta(days=UNTIL_DAYS - 1), end[0]
    return end


def _since_period(m: re.Match[str], today: date, _order) -> Reading:
    period = m["period"]
    if period in MONTHS or period.rstrip(".") in MONTHS:
        span = latest_month(MONTHS[period.rstrip(".")], today)
        if m["year"]:
            span = month_span(int(m["year"]), MONTHS[period.rstrip(".")])
            if span is None:  # a year no calendar holds ("since may 0000")
                return Impossible(m[0])
    else:
        span = {
            "week": week_of(today),
            "month": month_span(today.year, today.month),
            "quarter": quarter_span(today.year, quarter_of(today)),
            "year": year_span(today.year),
        }[period]
    return _future_or(_ordered(span[0], today) if span[0] <= today else span, today)


def _month_days(m: re.Match[str], today: date, _order) -> Reading:
    number = MONTHS[m["month"].rstrip(".")]
    known = int(m["year"]) if m["year"] else None
    return _range_of(_Day(known, number, int(m["d1"])), _Day(known, number, int(m["d2"])), today)


def _day_range(m: re.Match[str], today: date, order) -> Reading:
    first = _parse_day(m["first"], today, order)
    last = _parse_day(m["last"], today, order)
    if isinstance(first, Ambiguous) != isinstance(last, Ambiguous):
        # "01/11/2026 to 15/11/2026": the day that reads one way says how both are written
        hint = _order_of(m["last"] if isinstance(first, Ambiguous) else m["first"])
        if hint:
            first = _parse_day(m["first"], today, hint)
            last = _parse_day(m["last"], today, hint)
    return _range_of(first, last, today)


def _order_of(text: str) -> str | None:
    numbers = re.fullmatch(r"\s*([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-][0-9]{2,4})?\s*", text)
    if numbers is None:
        return None
    readings = numeric(int(numbers[1]), int(numbers[2]), None, None) or ()
    kinds = {kind for kind, _, _ in readings}
    return kinds.pop() if len(kinds) == 1 else None


def _single(m: re.Match[str], today: date, order) -> Reading:
    return _single_day(_parse_day(m["day"], today, order), today)


def _ordinal_days(m: re.Match[str], today: date, _order) -> Reading:
    first, last = int(m["d1"]), int(m["d2"])
    end = latest_day_of_month(last, today)
    if end is None or not 1 <= first <= 31:
        return Impossible(m[0])
    start = valid(end.year, end.month, first) if first <= last else None
    if start is None:
        start_month = shift_months(end.replace(day=1), -1)
        start = valid(start_month.year, start_month.month, first)
    return (start, end) if start else Impossible(m[0])


def _since_ordinal(m: re.Match[str], today: date, _order) -> Reading:
    start = latest_day_of_month(int(m["d"]), today)
    return (start, today) if start else Impossible(m[0])


def _on_ordinal(m: re.Match[str], today: date, _order) -> Reading:
    day = latest_day_of_month(int(m["d"]), today)
    return (day, day) if day else Impossible(m[0])


def _weekday(m: re.Match[str], today: date, _order) -> Reading:
    if not (m["since"] or m["which"] or m["on"]) and _in_a_name(m):
        return None  # "Black Friday Promo", "Cyber Monday", "Tuesday tips": a name
    weekday = WEEKDAYS[m["weekday"]]
    which = (m["which"] or "").strip()
    if which == "next":
        return Future(None)
    day = latest_weekday(weekday, today, before_today=which in ("last", "previous"))
    if m["since"]:
        return day, today
    return day, day


def _in_a_name(m: re.Match[str]) -> bool:
    """A bare weekday next to another telling word is part of a name."""
    before = re.findall(r"[a-z0-9]+", m.string[: m.start()])[-1:]
    after = re.findall(r"[a-z0-9]+", m.string[m.end() :])[:1]
    return any(word not in STOP_WORDS and not word.isdigit() for word in before + after)


def _week_of(m: re.Match[str], today: date, order) -> Reading:
    day = _single_day(_parse_day(m["day"], today, order), today)
    if not is_span(day):
        return day
    return _future_or(so_far(week_of(day[0]), today), today)


def _week_of_month(m: re.Match[str], today: date, _order) -> Reading:
    number = MONTHS[m["month"].rstrip(".")]
    year = int(m["year"]) if m["year"] else latest_month(number, today)[0].year
    return _future_or(week_of_month(ORDINAL_WORDS[m["nth"]], number, year), today)


def _days_ago(m: re.Match[str], today: date, _order) -> Reading:
    count = min(_count(m["n"]), MAX_COUNT["day"])
    day = today - timedelta(days=count)
    return day, day


def _relative(m: re.Match[str], _today: date, _order) -> Reading:
    return Relative(m["unit"])


def _not_understood(m: re.Match[str], _today: date, _order) -> Reading:
    return Impossible(m[0])
