"""What Parity did not understand, and the corrected queries it offers instead.

Each problem becomes an `Unclear` with offers: full queries, the question's reading with
that one thing corrected, so a button re-runs a stored query and never re-parses text.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.formatting import format_span
from bot.language.calendar import MONTHS, Ambiguous, latest_month, previous_quarter
from bot.metrics import DISPLAY_NAMES, METRICS
from bot.query import Offer, Query, Span, Unclear

# The date forms a reply lists when a date phrase was not understood.
DATE_FORMS = (
    "yesterday, today, last 7 days, past 2 weeks, last fortnight",
    "this/last week, the week of Nov 9, the first week of November",
    "this/last month, November, Nov 2025, since Nov 1, Nov 1 to Nov 15, the 3rd to the 10th",
    "Q3, Q3 2025, this/last quarter, Q4 to date, 2025, this year, year to date",
    "since monday, last friday, last weekend, 3 days ago",
    "2026-11-01, 2026-11-01..2026-11-15, 11/20/2026, 20.11.2026",
    "comparisons: this week vs last week, Nov vs Oct, yesterday vs the day before",
)


def journey_problem(query: Query, words: str, names: tuple[str, ...]) -> Unclear:
    offers = tuple(
        Offer(name, replace(query, journeys=_added(query.journeys, name), unclear=()))
        for name in names
    )
    everything = Offer("All journeys", replace(query, journeys=(), unclear=()))
    return Unclear("journey", words, (*offers, everything))


def metric_problem(query: Query, words: str) -> Unclear:
    offers = tuple(
        Offer(DISPLAY_NAMES[metric], replace(query, metrics=(metric,), unclear=()))
        for metric in query.metrics or ("sent", "delivered", "opens", "clicks")
        if metric in METRICS
    )
    return Unclear("metric", words, offers)


def date_problem(query: Query, words: str, today: date) -> Unclear:
    spans: list[Span] = [
        (today - timedelta(days=6), today),
        (today - timedelta(days=29), today),
        (today.replace(day=1), today),
        previous_quarter(today),
    ]
    spans = [latest_month(month, today) for month in _month_words(words)] + spans
    return Unclear("date", words, _span_offers(query, spans))


def date_order_problem(query: Query, words: str, readings: Ambiguous) -> Unclear:
    day_first, month_first = readings
    offers = (
        Offer(f"{format_span(*day_first)} (day first)", _dated(query, day_first)),
        Offer(f"{format_span(*month_first)} (month first)", _dated(query, month_first)),
    )
    return Unclear("date_order", words, offers)


def future_problem(query: Query, words: str, span: Span | None, today: date) -> Unclear:
    offers: tuple[Offer, ...] = ()
    if span and span[0] <= today:
        offers = _span_offers(query, [(span[0], today)])
    return Unclear("future", words, offers)


def _span_offers(query: Query, spans: list[Span]) -> tuple[Offer, ...]:
    unique = list(dict.fromkeys(span for span in spans if span))
    return tuple(Offer(f"Use {format_span(*span)}", _dated(query, span)) for span in unique[:4])


def _dated(query: Query, span: Span) -> Query:
    return replace(query, start=span[0], end=span[1], default_dates=False, unclear=())


def _added(journeys: tuple[str, ...], name: str) -> tuple[str, ...]:
    return journeys if name in journeys else (*journeys, name)


def _month_words(words: str) -> list[int]:
    return [MONTHS[word] for word in words.replace(".", " ").split() if word in MONTHS][:1]
