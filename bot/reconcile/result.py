"""The reconciliation's results: frozen, JSON-ready, and rendered by templates as they are.

`to_dict()` is the public answer contract (DESIGN.md): keys are only ever added, never
renamed or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# In the order the contract lists them (the registry's); unexplained is always last.
from bot.reconcile.registry import CAUSES

__all__ = ["CAUSES", "Breakdown", "CauseDetail", "MetricResult", "RankedCause", "SafeRange"]


def _nonzero(causes: Mapping[str, int]) -> dict[str, int]:
    return {cause: amount for cause, amount in causes.items() if amount}


@dataclass(frozen=True)
class SafeRange:
    """The dates a metric can be compared on with confidence; None when no day qualifies."""

    start: date | None
    end: date | None
    reason: str
    # False when the documented rules stood in for a window history could not teach yet:
    # the answer says it is not sure rather than state the range with confidence.
    sure: bool = True

    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "reason": self.reason,
            "sure": self.sure,
        }


@dataclass(frozen=True)
class Breakdown:
    """One row of a breakdown (a day or a journey): both sides and the causes of the gap."""

    label: str
    ajo: int
    cja: int
    causes: Mapping[str, int]
    # A journey's row: the days safe to compare for it, by its own channel (None on days).
    safe_range: SafeRange | None = None

    @property
    def delta(self) -> int:
        return self.ajo - self.cja

    def to_dict(self, key: str) -> dict:
        row = {
            key: self.label,
            "ajo": self.ajo,
            "cja": self.cja,
            "delta": self.delta,
            "causes": _nonzero(self.causes),
        }
        if self.safe_range is not None:
            row["safe_range"] = self.safe_range.to_dict()
        return row


@dataclass(frozen=True)
class CauseDetail:
    """Why one cause was found: what was seen, how sure, and what to check.

    `evidence` and `check` are finished sentences (they go into the JSON as they are);
    `days` and `journeys` are the data they were written from, for anyone who wants more.
    """

    cause: str
    amount: int
    confidence: str  # high | medium | low
    evidence: str
    check: str = ""
    days: tuple[date, ...] = ()
    journeys: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "cause": self.cause,
            "amount": self.amount,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "check": self.check,
        }


@dataclass(frozen=True)
class RankedCause:
    cause: str
    amount: int
    # Share of the absolute gap, 0-100; shares of all causes add up to 100.
    share: float
    days: tuple[date, ...] = ()
    confidence: str = ""
    evidence: str = ""
    check: str = ""


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
    # One per cause with a non-zero amount, unexplained included.
    details: tuple[CauseDetail, ...] = ()

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

    def detail(self, cause: str) -> CauseDetail | None:
        return next((d for d in self.details if d.cause == cause), None)

    @property
    def ranked_causes(self) -> tuple[RankedCause, ...]:
        """Non-zero causes, largest share of the gap first, unexplained left out."""
        return tuple(c for c in self._ranked() if c.cause != "unexplained")

    @property
    def unexplained_detail(self) -> RankedCause | None:
        return next((c for c in self._ranked() if c.cause == "unexplained"), None)

    def _ranked(self) -> list[RankedCause]:
        total = sum(abs(amount) for amount in self.causes.values())
        ranked = []
        for cause, amount in self.causes.items():
            if not amount:
                continue
            detail = self.detail(cause)
            ranked.append(
                RankedCause(
                    cause,
                    amount,
                    round(100 * abs(amount) / total, 1) if total else 0.0,
                    self.cause_days.get(cause, ()),
                    detail.confidence if detail else "",
                    detail.evidence if detail else "",
                    detail.check if detail else "",
                )
            )
        # Largest share first; unexplained always last: it is what is left.
        ranked.sort(key=lambda c: (c.cause == "unexplained", -abs(c.amount)))
        return ranked

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
            "causes_detail": [self._detail_dict(c) for c in self._ranked()],
        }

    def _detail_dict(self, ranked: RankedCause) -> dict:
        detail = self.detail(ranked.cause)
        if detail is None:
            return CauseDetail(ranked.cause, ranked.amount, "", "").to_dict()
        return detail.to_dict()
