"""Missing data: one side has nothing where the other has volume.

A dataset left out of the CJA connection, a journey or a metric missing from an export, or
days an export does not cover all look the same in the numbers: zeros (or no stored rows at
all, which the comparison frame's `*_rows` tell apart) on one side, volume on the other.
Counting noise never turns a handful of events into none, so a zero is missing data when:

- the side is zero for the metric on every day of every journey (the metric or its dataset
  is missing), or on every day of one journey (the journey is), with at least MIN_TOTAL
  events on the other side; these take the days still being processed too, since the same
  hole explains them;
- or, on a settled day, the other side has at least MIN_DAY events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

import numpy as np

from bot.formatting import format_days
from bot.metrics import DISPLAY_NAMES, SOURCE_NAMES, metric_facts
from bot.reconcile.detectors import SIDES, CellView, Explanation, Finding, Seen
from bot.reconcile.wording import format_names

# Events on the other side, over the range, for an all-zero metric or journey to count.
MIN_TOTAL = 10
# Events on the other side of one day for that day's zero to count.
MIN_DAY = 5


@dataclass(frozen=True, eq=False, kw_only=True)
class MissingData(Finding):
    cause: ClassVar[str] = "missing_data"
    side: str  # the side with nothing
    # What is missing (metric, journey or days), and whether it has no rows ("absent") or
    # reports zeros ("zero"): "metric_absent", "journey_zero", "days_absent"...
    kind: str
    journeys: tuple
    days: tuple[date, ...]
    volume: int  # the other side's events where this side has none

    @classmethod
    def explain(cls, found: Sequence[MissingData], seen: Seen) -> Explanation:
        sentences = [finding.sentence(seen) for finding in found[:2]]
        evidence = "; ".join(s for s, _ in sentences)
        if len(found) > 2:
            evidence += f"; and {len(found) - 2} more"
        return Explanation(found[0].confidence, evidence, sentences[0][1])

    def sentence(self, seen: Seen) -> tuple[str, str]:
        """(what was seen, what to check) for this one hole."""
        side, kind, label = self.side, self.kind, seen.label
        other = SOURCE_NAMES["cja" if side == "ajo" else "ajo"]
        journeys = seen.journeys(self.journeys)
        who = format_names(journeys)
        volume = f"{other} has {self.volume:,}"
        days = format_days(self.days)
        metric = metric_facts(seen.metric)
        dataset = metric.dataset.described
        if side == "ajo":
            scope = {"metric": "", "journey": f" for {who}", "days": f" for {who} on {days}"}
            verb = "has no" if kind.endswith("absent") else "reports 0"
            what = "stored rows of" if kind.endswith("absent") else ""
            text = f"AJO {verb} {what} {label}{scope[kind.split('_')[0]]} where {volume}"
            check = "re-export from AJO with these journeys, metrics and days"
            return " ".join(text.split()), check
        if kind == "metric_absent":
            return (
                f"CJA has no {label} stored at all where {volume}: the metric is not in "
                f"the data view or the export",
                f"add {metric.component} to the CJA data view and the export",
            )
        if kind == "metric_zero":
            return (
                f"CJA reports 0 {label} for every journey and day where {volume}",
                f"check that the {dataset} is in the CJA connection",
            )
        if kind == "journey_absent":
            return (
                f"{who} {'has' if len(journeys) == 1 else 'have'} no {label} rows in the "
                f"CJA export where {volume}",
                "check the export's journey filter, and that the AJO Entity Dataset (journey "
                "names come from it) is in the CJA connection",
            )
        if kind == "journey_zero":
            zero = [seen.metric]
            for key in self.journeys:
                zero += [m for m in seen.zero_metrics.get((key, side), ()) if m not in zero]
            listed = ", ".join(DISPLAY_NAMES[m] for m in zero)
            return (
                f"CJA reports 0 {listed} for {who} on every day where {volume} {label}",
                f"check that the {dataset} is in the CJA connection and covers {who}",
            )
        absent = kind == "days_absent"
        return (
            f"CJA {'has no rows' if absent else 'reports 0'} for {who} on {days} where {volume}",
            f"check that the CJA connection ingested the {dataset} for those days, "
            "or re-export them",
        )


def _confidence(kind: str, volume: int) -> str:
    if kind.endswith("absent") and volume >= MIN_TOTAL * 2:
        return "high"
    if volume >= 100:
        return "high"
    return "medium" if volume >= 2 * MIN_TOTAL else "low"


def _finding(
    view: CellView, rest: np.ndarray, mask: np.ndarray, side: str, scope: str
) -> MissingData:
    other = "cja" if side == "ajo" else "ajo"
    absent = not view.rows(side)[mask].any()
    kind = f"{scope}_{'absent' if absent else 'zero'}"
    volume = int(view.side(other)[mask].sum())
    return MissingData(
        amount=np.where(mask, rest, 0),
        confidence=_confidence(kind, volume),
        side=side,
        kind=kind,
        journeys=view.keys(mask),
        days=view.dates(mask),
        volume=volume,
    )


def narrowed(
    view: CellView, rest: np.ndarray, finding: MissingData, dropped: np.ndarray, pooled: bool
) -> MissingData:
    """`finding` without the cells `dropped` (another cause explains them): its facts
    written again from what is left, or kept where they are every journey's (`pooled`)."""
    mask = finding.mask & ~dropped
    if pooled or not dropped.any():
        return replace(finding, amount=np.where(mask, finding.amount, 0))
    return _finding(view, rest, mask, finding.side, finding.kind.split("_")[0])


def detect(
    view: CellView,
    rest: np.ndarray,
    settled: np.ndarray,
    pooled: Sequence[MissingData] | None = None,
) -> list[MissingData]:
    """Findings for each side and scope (metric, journey, days), largest scope first.

    `pooled`: the findings over every journey (bot.reconcile.pool), when `view` holds only
    some journeys' cells: whether the metric is missing on every journey is theirs to say,
    and the metric-wide and days-wide findings keep their facts (every journey's days and
    volume), each with these cells' amounts."""
    findings: list[MissingData] = []
    taken = np.zeros(len(view), dtype=bool)
    # With one journey asked about, "the whole metric" and "the whole journey" are one hole;
    # the narrower claim is the one the numbers support.
    several = len(np.unique(view.journey)) > 1

    def wide(side: str, scope: str, mask: np.ndarray) -> MissingData:
        if pooled is None:
            return _finding(view, rest, mask, side, scope)
        facts = next(f for f in pooled if f.side == side and f.kind.startswith(scope + "_"))
        return replace(facts, amount=np.where(mask, rest, 0))

    for side in SIDES:
        other = view.side("cja" if side == "ajo" else "ajo")
        zero = view.side(side) == 0
        if pooled is not None:
            whole = any(f.side == side and f.kind.startswith("metric_") for f in pooled)
        else:
            whole = several and zero.all() and other.sum() >= MIN_TOTAL
        if whole:
            mask = (other > 0) & ~taken
            findings.append(wide(side, "metric", mask))
            taken |= mask
            continue
        groups = view.groups
        empty = groups.all(zero) & (groups.sum(other) >= MIN_TOTAL)
        for group in np.flatnonzero(empty):
            cells = groups.cells(group)
            mask = np.zeros(len(view), dtype=bool)
            mask[cells] = (other[cells] > 0) & ~taken[cells]
            findings.append(_finding(view, rest, mask, side, "journey"))
            taken |= mask
        days = settled & zero & (other >= MIN_DAY) & ~taken
        if days.any():
            findings.append(wide(side, "days", days))
            taken |= days
    return [f for f in findings if f.mask.any()]
