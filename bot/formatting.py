"""Numbers and dates as replies write them; plain Python, so the core can use them too.

The templates reach these through bot.answers.render's filters; the reconciliation's evidence
sentences call them directly (it must not import Jinja2).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def as_date(value: date | str) -> date:
    """A date, or its ISO text (SQLite may return a date column with a time after it)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# Slack's mrkdwn has no escape for its formatting marks, so replies show a mark that could
# format as its look-alike (bot.answers.render); a name pasted back from a reply is read
# with the marks restored (bot.language.tokens).
LOOKALIKES = {"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"}


def format_number(value: int | float) -> str:
    return f"{value:,.0f}"


def format_signed(value: int) -> str:
    return f"+{value:,}" if value > 0 else f"−{abs(value):,}" if value < 0 else "0"


def format_pct(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f} %"


def format_day(value: date | str) -> str:
    day = as_date(value)
    return f"{day:%b} {day.day}"


def format_span(start: date | str, end: date | str) -> str:
    """ "Oct 31 – Nov 29, 2026", or one day when start is end."""
    first, last = as_date(start), as_date(end)
    if first == last:
        return f"{format_day(first)}, {first.year}"
    year = f", {first.year}" if first.year != last.year else ""
    return f"{format_day(first)}{year} – {format_day(last)}, {last.year}"


def format_scope(start: date, end: date, journeys: Iterable[str]) -> str:
    """ "Oct 31 – Nov 29, 2026 · all journeys", for titles outside the templates."""
    names = ", ".join(journeys) or "all journeys"
    return f"{format_span(start, end)} · {names}"


def format_days(days: Iterable[date | str]) -> str:
    """Days as short runs: "Nov 23 – Nov 28, Dec 1"."""
    ordered = sorted({as_date(d) for d in days})
    runs: list[tuple[date, date]] = []
    for day in ordered:
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return ", ".join(
        format_day(a) if a == b else f"{format_day(a)} – {format_day(b)}" for a, b in runs
    )
