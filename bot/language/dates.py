"""Date phrases in a question -> the calendar days it asks about, or what was not understood.

Days are reporting-time-zone calendar days and `today` is always handed in, so the same
question gives the same range in a test, on a server, and in next week's digest. Each rule is
one pattern plus a small function (in bot.language.phrases; periods in bot.language.calendar);
`find_dates` tries
them from the most specific ("Nov 1 to Nov 15") to the least ("november") and blanks what it
used, so "nov 1" is never read again as "november" and the rest of the question can be
searched for metrics and journeys.

A rule gives a span, or says why it cannot: a date that does not exist (Feb 30), a numeric
date that reads two ways (03/04/2026, unless PARITY_DATE_ORDER says which), or a phrase it
knows it does not understand ("mid november", "the last few days"). Nothing is clipped or
replaced by a default here: a range ending after today is reported as the future.

Choices where people's words are ambiguous (docs/evaluation.md lists them all):
- "last N days" ends today, today included; "last week" is the previous Monday-Sunday week,
  "past week" the 7 days ending today; "last N months" starts the day after the same day
  N months ago; "last month"/"last quarter"/"last year" are the previous full periods.
- A month, quarter or year without a year is the latest that has begun; one that has begun
  and not ended ("this quarter", "November" in November) ends today.
- "last friday" is the latest Friday before today, "since monday"/"on monday" the latest
  Monday on or before today; "the 15th" is the latest 15th on or before today.
- "the week of Nov 9" is the Monday-Sunday week holding Nov 9; "the first week of November"
  is Nov 1-7 (then 8-14, 15-21, 22-28; "the last week of" is the month's last 7 days).
- "until Nov 25" alone is the 30 days ending Nov 25.
- Two ranges joined by "vs", "versus", "compared to/with", "against" (or "and" after
  "compare") are a comparison; "the day/week/month/year before" is relative to the range
  before it. Other date phrases together give the span covering them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.language.calendar import Ambiguous, Impossible, month_span, shift_months, year_span
from bot.language.phrases import (
    _DAY,
    _MONTH,
    _ORD,
    _TO,
    _UNITS,
    _WEEKDAY,
    _YEAR,
    FIXED_PHRASES,
    NUMBER_WORDS,
    Future,
    Reading,
    Relative,
    _day_range,
    _days_ago,
    _fixed,
    _last_n,
    _month,
    _month_days,
    _not_understood,
    _on_ordinal,
    _ordinal_days,
    _quarter,
    _relative,
    _since,
    _since_ordinal,
    _since_period,
    _single,
    _until,
    _week_of,
    _week_of_month,
    _weekday,
    _year,
)
from bot.query import Span


@dataclass(frozen=True)
class Found:
    """One date phrase: where it was, its words, and what it reads as."""

    start: int
    end: int
    words: str
    reading: Reading


@dataclass(frozen=True)
class DateReading:
    """Everything the question says about dates."""

    span: Span | None = None
    compare: Span | None = None
    # (kind, words, detail): kind is date | date_order | future; detail an Ambiguous or span.
    problems: tuple[tuple[str, str, object], ...] = ()
    # The only range came after "vs"/"compared with": a comparison with the previous query.
    versus_only: bool = False
    relative_only: Relative | None = None
    found: tuple[Found, ...] = field(default=(), repr=False)


_Rule = tuple[str, Callable[[re.Match[str], date, str | None], Reading]]
_FIXED = "|".join(
    phrase.replace(" ", r"\s+") + ("s?" if phrase.endswith(("week", "month", "year")) else "")
    for phrase in sorted(FIXED_PHRASES, key=len, reverse=True)
)
_PERIOD_WORDS = r"(?:day|week|month|year|quarter|period|one)"
_VAGUE = (
    r"(?:mid|early|late|end\s+of|the\s+end\s+of|(?:the\s+)?(?:first|second|last)\s+half\s+of"
    r"|(?:the\s+)?(?:beginning|start)\s+of)[\s-]+(?:the\s+)?(?:last\s+|this\s+|next\s+)?"
    rf"(?:{_MONTH}|week|month|year|quarter|q[1-4])"
)

# Most specific first: each rule only sees what the earlier ones left.
RULES: tuple[_Rule, ...] = (
    (r"(?:the\s+)?day\s+before\s+yesterday", lambda m, today, _order: _fixed(m, today, _order)),
    (
        rf"(?:since|from)\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?"
        rf"(?P<period>week|month|quarter|year|{_MONTH}){_YEAR}",
        _since_period,
    ),
    (_VAGUE, _not_understood),
    (
        r"(?:the\s+)?(?:last|past|previous|next)\s+(?:few|couple(?:\s+of)?|several|some|many)\s+"
        r"(?:days|weeks|months|quarters|years)|recently|lately|the\s+other\s+day|a\s+while(?:\s+ago)?"
        r"|forever|h[12]|q[05-9]|(?:[0-9]+|a|one|two|few)\s+(?:weeks?|months?|years?)\s+ago",
        _not_understood,
    ),
    (
        r"(?:(?:over|during|around|before|after|since)\s+(?:the\s+|our\s+)?"
        r"(?:last\s+|this\s+|next\s+|previous\s+)?(?:holidays?|christmas|xmas|thanksgiving|easter"
        r"|new\s+year|launch|migration|sprint|release|outage|summer|winter|spring\s+break|autumn"
        r"|fall)|(?:last|this|next|previous)\s+(?:sprint|release|launch)|holidays|christmas|xmas"
        r"|thanksgiving|easter)(?:\s+(?:week|weekend|break|period|season))?",
        _not_understood,
    ),
    (rf"(?:from\s+|between\s+)?(?P<first>{_DAY}){_TO}(?P<last>{_DAY})", _day_range),
    (
        rf"(?P<month>{_MONTH})\s+(?P<d1>[0-9]{{1,2}}){_ORD}{_TO}(?P<d2>[0-9]{{1,2}}){_ORD}"
        rf"{_YEAR}",
        _month_days,
    ),
    (
        rf"(?P<d1>[0-9]{{1,2}}){_ORD}{_TO}(?P<d2>[0-9]{{1,2}}){_ORD}\s+(?:of\s+)?"
        rf"(?P<month>{_MONTH}){_YEAR}",
        _month_days,
    ),
    (
        rf"(?:from\s+|between\s+)?the\s+(?P<d1>[0-9]{{1,2}})(?:st|nd|rd|th){_TO}(?:the\s+)?"
        rf"(?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)",
        _ordinal_days,
    ),
    (rf"(?:the\s+)?week\s+of\s+(?:the\s+)?(?P<day>{_DAY})", _week_of),
    (
        rf"(?:the\s+)?(?P<nth>first|second|third|fourth|last)\s+week\s+of\s+(?P<month>{_MONTH})"
        rf"{_YEAR}",
        _week_of_month,
    ),
    (rf"(?:since|from|after)\s+(?P<day>{_DAY})", _since),
    (rf"(?:until|till|til|through|thru|up\s+to)\s+(?P<day>{_DAY})", _until),
    (
        rf"(?:since|from|after)\s+(?:the\s+start\s+of\s+)?(?P<period>{_MONTH})"
        rf"{_YEAR}",
        _since_period,
    ),
    (r"(?:since|from|after)\s+the\s+(?P<d>[0-9]{1,2})(?:st|nd|rd|th)", _since_ordinal),
    (rf"(?:on\s+)?(?P<day>{_DAY})", _single),
    (r"(?:on\s+)?the\s+(?P<d>[0-9]{1,2})(?:st|nd|rd|th)", _on_ordinal),
    (
        rf"(?P<prefix>in\s+|during\s+|for\s+|(?:for\s+)?the\s+month\s+of\s+)?(?P<month>{_MONTH})"
        rf"{_YEAR}(?P<which>\s+(?:of\s+)?(?:last|this)\s+year)?",
        _month,
    ),
    (
        r"(?:in\s+|during\s+|for\s+)?(?:(?P<year_before>[0-9]{4})\s+)?(?:q(?P<q>[1-4])|the\s+"
        r"(?P<qword>first|second|third|fourth)\s+quarter)(?:\s+(?:of\s+)?(?P<year>[0-9]{4}))?"
        r"(?P<to_date>\s+to\s+date)?",
        _quarter,
    ),
    (
        r"(?P<since>since\s+|from\s+)?(?P<on>on\s+|for\s+)?(?P<which>last\s+|previous\s+|this\s+|next\s+)?"
        rf"(?P<weekday>{_WEEKDAY})",
        _weekday,
    ),
    (
        rf"(?:the\s+)?(?P<dir>last|past|previous|prior|next)\s+(?P<n>{_UNITS})\s+"
        r"(?P<unit>day|week|month|quarter|year|fortnight)s?",
        _last_n,
    ),
    (r"(?P<n>[0-9]+|" + "|".join(NUMBER_WORDS) + r")\s+days?\s+ago", _days_ago),
    (
        r"(?:the\s+)?(?P<unit>day|week|month|year|period)\s+before(?!\s+(?:yesterday|last))",
        _relative,
    ),
    (r"the\s+previous\s+(?P<unit>day|week|month|year|period)", _relative),
    (_FIXED, _fixed),
    (
        r"(?:the\s+)?(?P<dir>past|last|previous)\s+(?P<n>)(?P<unit>day|week|month|quarter|year"
        r"|fortnight)",
        _last_n,
    ),
    (r"(?:in\s+|for\s+|during\s+)?(?:the\s+year\s+)?(?<![0-9,.])(?P<year>20[0-9]{2})", _year),
)
_COMPILED = tuple(
    (re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9%]|[.,][0-9])"), handle)
    for pattern, handle in RULES
)
_COMPARE = re.compile(r"\b(?:vs|v|versus|compared?\s+(?:to|with)|against|over)\b")
_COMPARE_AND = re.compile(r"^(?:and|with|to|against)$")


def blank(text: str, start: int, end: int) -> str:
    """The text with [start, end) replaced by a break mark, offsets unchanged."""
    return text[:start] + "|" + " " * (end - start - 1) + text[end:]


def find_dates(
    text: str,
    today: date,
    order: str | None = None,
    *,
    comparing: bool = False,
) -> tuple[DateReading, str]:
    """What a lower-cased question says about dates, and the question with every date
    phrase blanked out so nothing else reads "nov" or "last week" again.

    `order` is PARITY_DATE_ORDER ("dmy" | "mdy" | None: ask when both fit); `comparing`
    says the question asked to compare, so "A and B" is a comparison.
    """
    found: list[Found] = []
    for pattern, handle in _COMPILED:
        for match in pattern.finditer(text):
            try:
                reading = handle(match, today, order)
            except (OverflowError, ValueError):  # a day before year 1 or after 9999
                reading = Impossible(match[0])
            if reading is None:
                continue
            words = " ".join(match[0].split())
            found.append(Found(match.start(), match.end(), words, reading))
            text = blank(text, *match.span())
    found.sort(key=lambda f: f.start)
    return _combine(found, text, today, comparing), text


def _combine(found: list[Found], text: str, today: date, comparing: bool) -> DateReading:
    problems: list[tuple[str, str, object]] = []
    spans: list[tuple[Found, Span]] = []
    relatives: list[Found] = []
    for item in found:
        reading = item.reading
        if isinstance(reading, Impossible):
            problems.append(("date", item.words, None))
        elif isinstance(reading, Ambiguous):
            problems.append(("date_order", item.words, reading))
        elif isinstance(reading, Future):
            problems.append(("future", item.words, reading.span))
        elif isinstance(reading, Relative):
            relatives.append(item)
        else:
            if reading[1] > today:
                problems.append(("future", item.words, reading))
            spans.append((item, reading))
    compare = None
    versus_only = False
    if relatives and spans:
        first = spans[0][1]
        compare = before(first, relatives[0].reading.unit)
        spans = spans[:1]
    elif relatives:
        return DateReading(problems=tuple(problems), relative_only=relatives[0].reading)
    elif len(spans) == 2 and _joined_to_compare(text, spans, comparing):
        compare = spans[1][1]
        spans = spans[:1]
    elif len(spans) == 1:
        versus_only = bool(_COMPARE.search(text[: spans[0][0].start]))
    span = None
    if spans:
        span = (min(s[0] for _, s in spans), max(s[1] for _, s in spans))
    return DateReading(
        span, compare, tuple(problems), versus_only and compare is None, None, tuple(found)
    )


def _joined_to_compare(text: str, spans: list[tuple[Found, Span]], comparing: bool) -> bool:
    between = text[spans[0][0].end : spans[1][0].start].replace("|", " ").strip()
    if _COMPARE.search(between):
        return True
    return comparing and bool(_COMPARE_AND.match(between))


def before(span: Span, unit: str) -> Span:
    """The range just before `span`: the previous day, week, month or year of it, or a
    stretch as long as it ("period"); the span itself when the calendar ends first."""
    try:
        return _before(span, unit)
    except (OverflowError, ValueError, TypeError):
        return span


def _before(span: Span, unit: str) -> Span:
    start, end = span
    if unit == "month":
        first = shift_months(start.replace(day=1), -1)
        return month_span(first.year, first.month)
    if unit == "year":
        return (
            year_span(start.year - 1)
            if (start.month, start.day) == (1, 1)
            else (
                shift_months(start, -12),
                shift_months(end, -12),
            )
        )
    length = {"day": 1, "week": 7}.get(unit, (end - start).days + 1)
    if unit == "week" and (end - start).days + 1 != 7:
        length = (end - start).days + 1
    return start - timedelta(days=length), end - timedelta(days=length)
