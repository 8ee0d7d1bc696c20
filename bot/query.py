"""What a question asks for, once understood: the input of the reconciliation core.

A Query also says how it was read (`read_as`), which words it did not use (`ignored`) and
what it did not understand (`unclear`, each with the corrected queries it can offer), so a
reply never answers a different question silently. Queries are stored (answers, offers,
conversations) as `to_dict()` and read back with `from_dict()`, never re-parsed from text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.formatting import format_span
from bot.metrics import DISPLAY_NAMES

INTENTS: tuple[str, ...] = ("reconcile", "safe_range", "digest", "status", "help", "unknown")
# What Parity can fail to understand in a question; "future" is refused rather than asked.
UNCLEAR_KINDS: tuple[str, ...] = ("journey", "date", "metric", "date_order", "future")
BREAKDOWNS: tuple[str, ...] = ("journey", "day")

Span = tuple[date, date]


@dataclass(frozen=True)
class Offer:
    """A corrected reading Parity can run instead ("Did you mean Welcome Series?")."""

    label: str
    query: Query

    def to_dict(self) -> dict:
        return {"label": self.label, "query": self.query.stored()}


@dataclass(frozen=True)
class Unclear:
    """Words of the question Parity did not understand, of one kind, with what it offers."""

    kind: str
    words: str
    offers: tuple[Offer, ...] = ()

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "words": self.words,
            "offers": [offer.to_dict() for offer in self.offers],
        }


@dataclass(frozen=True)
class Query:
    """A parsed question.

    Empty ``metrics`` means all metrics, empty ``journeys`` all journeys. ``journeys`` holds
    stored display names (the question's wording is resolved before it gets here).
    ``compare`` is a second range answered beside the first ("this week vs last week").
    """

    intent: str
    start: date
    end: date
    metrics: tuple[str, ...] = ()
    journeys: tuple[str, ...] = ()
    compare: Span | None = None
    breakdown: str | None = None  # "journey" | "day"
    chart: bool = False
    # True when the question named no dates and the default range was used.
    default_dates: bool = False
    ignored: tuple[str, ...] = ()
    # How words were read that a reader might not expect ("open rate" read as Opens).
    notes: tuple[str, ...] = ()
    unclear: tuple[Unclear, ...] = ()
    # Which product the question took to be higher ("why is CJA lower?"): "ajo_higher",
    # "cja_higher" or None (bot.language.premise).
    premise: str | None = None

    @property
    def answerable(self) -> bool:
        return not self.unclear

    @property
    def read_as(self) -> str:
        """The reading in one short line: metrics · journeys · dates (· extras)."""
        if self.intent in ("help", "unknown"):
            return "help" if self.intent == "help" else "not understood"
        if self.intent == "status":
            return "status of the stored data"
        unclear = {problem.kind: problem.words for problem in self.unclear}
        metrics = ", ".join(DISPLAY_NAMES.get(m, m) for m in self.metrics) or "all metrics"
        journeys = ", ".join(self.journeys) or "all journeys"
        dates = format_span(self.start, self.end)
        if self.default_dates:
            dates += " (no dates asked: the last 30 days)"
        if "metric" in unclear:
            metrics = ", ".join([*self.metrics, f"“{unclear['metric']}”?"])
        if "journey" in unclear:
            journeys = ", ".join([*self.journeys, f"“{unclear['journey']}”?"])
        for kind in ("date", "date_order", "future"):
            if kind in unclear:
                dates = f"“{unclear[kind]}”?"
        if self.compare:
            dates += " vs " + format_span(*self.compare)
        parts = [metrics, journeys, dates]
        if self.intent == "safe_range":
            parts.insert(0, "safe range")
        elif self.intent == "digest":
            parts = ["weekly digest", journeys, format_span(self.start, self.end)]
        if self.breakdown:
            parts.append(f"by {self.breakdown}")
        if self.chart:
            parts.append("chart")
        return " · ".join(parts + list(self.notes))

    def to_dict(self) -> dict:
        return {
            "metrics": list(self.metrics),
            "journeys": list(self.journeys),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "read_as": self.read_as,
            "ignored": list(self.ignored),
            "compare": (
                {"start": self.compare[0].isoformat(), "end": self.compare[1].isoformat()}
                if self.compare
                else None
            ),
            "breakdown": self.breakdown,
            "chart": self.chart,
            "unclear": [problem.to_dict() for problem in self.unclear],
        } | ({"premise": self.premise} if self.premise else {})

    def stored(self) -> dict:
        """Everything needed to rebuild the query (to_dict plus what JSON readers skip)."""
        return {
            **self.to_dict(),
            "intent": self.intent,
            "default_dates": self.default_dates,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Query:
        """The query `stored()` (or an older stored row, with fewer keys) describes."""
        compare = data.get("compare")
        return cls(
            intent=data["intent"],
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            metrics=tuple(data.get("metrics", ())),
            journeys=tuple(data.get("journeys", ())),
            compare=(
                (date.fromisoformat(compare["start"]), date.fromisoformat(compare["end"]))
                if compare
                else None
            ),
            breakdown=data.get("breakdown"),
            chart=bool(data.get("chart", False)),
            default_dates=bool(data.get("default_dates", False)),
            ignored=tuple(data.get("ignored", ())),
            notes=tuple(data.get("notes", ())),
            premise=data.get("premise"),
            unclear=tuple(
                Unclear(
                    problem["kind"],
                    problem["words"],
                    tuple(
                        Offer(offer["label"], cls.from_dict(offer["query"]))
                        for offer in problem.get("offers", ())
                    ),
                )
                for problem in data.get("unclear", ())
            ),
        )
