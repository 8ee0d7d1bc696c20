"""Follow-ups: "and for clicks?", "what about last week?", "only Welcome Series".

A follow-up keeps what it does not change. It is recognized by how it starts ("and",
"what about", "same for", "only") or by naming no intent of its own; what it names replaces
the previous query's field ("also"/"plus" adds instead), and "the day before" is read
against the previous range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot.query import Query, Span

MARKERS = re.compile(
    r"^\W*(?:and|&|but|also|plus|now|then|ok(?:ay)?\s+(?:and|now)|so|what\s+about|how\s+about"
    r"|what\s+if|same(?:\s+(?:for|but|with))?|only|just|instead|compare\s+(?:with|to)"
    r"|vs|versus)\b"
)
ADDING = re.compile(r"\b(?:also|plus|too|as\s+well|in\s+addition)\b")
ALL_JOURNEYS = re.compile(
    r"\b(?:all|every|any|each\s+and\s+every)\s+(?:the\s+|of\s+the\s+)?journeys?\b"
)
ALL_METRICS = re.compile(r"\b(?:all|every)\s+(?:the\s+|of\s+the\s+)?metrics?\b|\beverything\b")


@dataclass
class Said:
    """What one question names by itself; None or empty = not said."""

    intent: str | None = None
    metrics: tuple[str, ...] = ()
    journeys: tuple[str, ...] = ()
    all_metrics: bool = False
    all_journeys: bool = False
    adding: bool = False
    span: Span | None = None
    compare: Span | None = None
    versus_only: bool = False
    relative: str | None = None  # "day" | "week" | ...: "the day before"
    breakdown: str | None = None
    chart: bool = False
    notes: tuple[str, ...] = ()
    kinds_said: set[str] = field(default_factory=set)


def is_followup(text: str, said: Said) -> bool:
    """A follow-up starts like one, or asks nothing on its own (no intent keyword)."""
    return bool(MARKERS.search(text)) or said.versus_only or said.intent is None


def merge(previous: Query, said: Said, before) -> Query:
    """The previous query with what the follow-up says put in. `before(span, unit)` is the
    range just before a span (bot.language.dates.before)."""
    intent = said.intent
    if intent is None or (said.versus_only and intent == "reconcile"):
        intent = previous.intent if previous.intent in ("reconcile", "safe_range") else "reconcile"
    metrics = _field(previous.metrics, said.metrics, said.adding, said.all_metrics)
    journeys = _field(previous.journeys, said.journeys, said.adding, said.all_journeys)
    start, end, compare = previous.start, previous.end, previous.compare
    default_dates = previous.default_dates
    if said.versus_only and said.span:
        compare = said.span
    elif said.relative:
        start, end = before((previous.start, previous.end), said.relative)
        compare, default_dates = None, False
    elif said.span:
        (start, end), compare, default_dates = said.span, said.compare, False
    kept = tuple(
        problem for problem in previous.unclear if _area(problem.kind) not in said.kinds_said
    )
    return replace(
        previous,
        intent=intent,
        start=start,
        end=end,
        metrics=metrics,
        journeys=journeys,
        compare=compare,
        default_dates=default_dates,
        breakdown=said.breakdown or previous.breakdown,
        chart=said.chart or previous.chart,
        notes=said.notes,
        ignored=(),
        unclear=kept,
    )


def _field(old: tuple[str, ...], new: tuple[str, ...], adding: bool, reset: bool):
    if reset:
        return new
    if not new:
        return old
    return tuple(dict.fromkeys((*old, *new))) if adding else new


def _area(kind: str) -> str:
    return "date" if kind in ("date", "date_order", "future") else kind
