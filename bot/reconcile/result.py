"""The reconciliation's results: frozen, JSON-ready, and rendered by templates as they are.

`to_dict()` is the public answer contract (DESIGN.md): keys are only ever added, never
renamed or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# In the order the contract lists them; unexplained is always last.
CAUSES: tuple[str, ...] = (
    "processing_lag",
    "retries",
    "datasource",
    "timezone",
    "missing_data",
    "duplicate_data",
    "unexplained",
)


def _nonzero(causes: Mapping[str, int]) -> dict[str, int]:
    return {cause: amount for cause, amount in causes.items() if amount}


@dataclass(frozen=True)
class Breakdown:
    """One row of a breakdown (a day or a journey): both sides and the causes of the gap."""

    label: str
    ajo: int
    cja: int
    causes: Mapping[str, int]

    @property
    def delta(self) -> int:
        return self.ajo - self.cja

    def to_dict(self, key: str) -> dict:
        return {
            key: self.label,
            "ajo": self.ajo,
            "cja": self.cja,
            "delta": self.delta,
            "causes": _nonzero(self.causes),
        }


@dataclass(frozen=True)
class SafeRange:
    """The dates a metric can be compared on with confidence; None when no day qualifies."""

    start: date | None
    end: date | None
    reason: str

    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RankedCause:
    cause: str
    amount: int
    # Share of the absolute gap, 0-100; shares of all causes add up to 100.
    share: float
    days: tuple[date, ...] = ()


@dataclass(frozen=True)
class MetricResult:
    metric: str
    ajo: int
    cja: int
    causes: Mapping[str, int]
    by_day: tuple[Breakdown, ...]
    by_journey: tuple[Breakdown, ...]
    safe_range: SafeRange
    tolerance_pct: float
    # Days on which each cause was found, for the text ("Nov 29 is still being processed").
    cause_days: Mapping[str, tuple[date, ...]] = field(default_factory=dict)

    @property
    def delta(self) -> int:
        return self.ajo - self.cja

    @property
    def delta_pct(self) -> float:
        """The gap as a share of AJO's number (of CJA's when AJO has none)."""
        base = self.ajo or self.cja
        return round(100 * self.delta / base, 2) if base else 0.0

    @property
    def has_data(self) -> bool:
        return bool(self.by_day)

    @property
    def verdict(self) -> str:
        """match | explained | unexplained: the headline of the answer."""
        if self.delta == 0 and not any(self.causes.values()):
            return "match"
        return "unexplained" if self.causes.get("unexplained") else "explained"

    @property
    def ranked_causes(self) -> tuple[RankedCause, ...]:
        """Non-zero causes, largest share of the gap first, unexplained last."""
        total = sum(abs(amount) for amount in self.causes.values())
        ranked = [
            RankedCause(
                cause,
                amount,
                round(100 * abs(amount) / total, 1) if total else 0.0,
                self.cause_days.get(cause, ()),
            )
            for cause, amount in self.causes.items()
            if amount and cause != "unexplained"
        ]
        ranked.sort(key=lambda c: -abs(c.amount))
        return tuple(ranked)

    @property
    def unexplained(self) -> int:
        return self.causes.get("unexplained", 0)

    @property
    def unexplained_journeys(self) -> tuple[str, ...]:
        """Journeys carrying unexplained gaps, the largest first."""
        return tuple(b.label for b in self.by_journey if b.causes.get("unexplained"))

    @property
    def unexplained_share(self) -> float:
        total = sum(abs(amount) for amount in self.causes.values())
        return round(100 * abs(self.unexplained) / total, 1) if total else 0.0

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "ajo": self.ajo,
            "cja": self.cja,
            "delta": self.delta,
            "delta_pct": self.delta_pct,
            "causes": {cause: self.causes.get(cause, 0) for cause in CAUSES},
            "by_day": [row.to_dict("day") for row in self.by_day],
            "by_journey": [row.to_dict("journey") for row in self.by_journey],
            "safe_range": self.safe_range.to_dict(),
            "tolerance_pct": self.tolerance_pct,
        }
