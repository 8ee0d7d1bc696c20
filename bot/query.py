"""What a question asks for, once understood: the input of the reconciliation core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

INTENTS: tuple[str, ...] = ("reconcile", "safe_range", "digest", "status", "help", "unknown")


@dataclass(frozen=True)
class Query:
    """A parsed question.

    Empty ``metrics`` means all metrics, empty ``journeys`` all journeys. ``journeys`` holds
    stored display names (the question's wording is resolved before it gets here).
    """

    intent: str
    start: date
    end: date
    metrics: tuple[str, ...] = ()
    journeys: tuple[str, ...] = ()
    # Words of the question that looked like a journey but matched none (for the reply).
    unmatched: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "metrics": list(self.metrics),
            "journeys": list(self.journeys),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
