"""Two ranges side by side ("this week vs last week"): each metric's numbers and the change.

Both ranges are reconciled the same way (Parity.reconcile); this only lines them up, so the
comparison can never disagree with asking about each range on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.reconcile import MetricResult


@dataclass(frozen=True)
class ComparisonRow:
    metric: str
    ajo: int
    cja: int
    delta: int
    before_ajo: int
    before_cja: int
    before_delta: int

    @property
    def ajo_change(self) -> int:
        return self.ajo - self.before_ajo

    @property
    def cja_change(self) -> int:
        return self.cja - self.before_cja

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "ajo": self.ajo,
            "cja": self.cja,
            "delta": self.delta,
            "before": {"ajo": self.before_ajo, "cja": self.before_cja, "delta": self.before_delta},
            "change": {"ajo": self.ajo_change, "cja": self.cja_change},
        }


@dataclass(frozen=True)
class Comparison:
    """The second range of a question and its results, lined up with the first's."""

    start: date
    end: date
    metrics: tuple[MetricResult, ...]
    rows: tuple[ComparisonRow, ...]

    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "metrics": [metric.to_dict() for metric in self.metrics],
            "rows": [row.to_dict() for row in self.rows],
        }


def compare(
    start: date, end: date, now: tuple[MetricResult, ...], before: tuple[MetricResult, ...]
) -> Comparison:
    earlier = {result.metric: result for result in before}
    rows = tuple(
        ComparisonRow(
            result.metric,
            result.ajo,
            result.cja,
            result.delta,
            earlier[result.metric].ajo if result.metric in earlier else 0,
            earlier[result.metric].cja if result.metric in earlier else 0,
            earlier[result.metric].delta if result.metric in earlier else 0,
        )
        for result in now
    )
    return Comparison(start, end, before, rows)
