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

import numpy as np

from bot.reconcile.detectors import SIDES, CellView, Finding

# Events on the other side, over the range, for an all-zero metric or journey to count.
MIN_TOTAL = 10
# Events on the other side of one day for that day's zero to count.
MIN_DAY = 5


def _confidence(kind: str, volume: int) -> str:
    if kind.endswith("absent") and volume >= MIN_TOTAL * 2:
        return "high"
    if volume >= 100:
        return "high"
    return "medium" if volume >= 2 * MIN_TOTAL else "low"


def _finding(view: CellView, rest: np.ndarray, mask: np.ndarray, side: str, scope: str) -> Finding:
    other = "cja" if side == "ajo" else "ajo"
    absent = not view.rows(side)[mask].any()
    kind = f"{scope}_{'absent' if absent else 'zero'}"
    volume = int(view.side(other)[mask].sum())
    return Finding(
        "missing_data",
        np.where(mask, rest, 0),
        _confidence(kind, volume),
        {
            "side": side,
            "kind": kind,
            "journeys": view.keys(mask),
            "days": view.dates(mask),
            "volume": volume,
        },
    )


def detect(view: CellView, rest: np.ndarray, settled: np.ndarray) -> list[Finding]:
    """Findings for each side and scope (metric, journey, days), largest scope first."""
    findings: list[Finding] = []
    taken = np.zeros(len(view), dtype=bool)
    # With one journey asked about, "the whole metric" and "the whole journey" are one hole;
    # the narrower claim is the one the numbers support.
    several = len(np.unique(view.journey)) > 1
    for side in SIDES:
        other = view.side("cja" if side == "ajo" else "ajo")
        zero = view.side(side) == 0
        if several and zero.all() and other.sum() >= MIN_TOTAL:
            mask = (other > 0) & ~taken
            findings.append(_finding(view, rest, mask, side, "metric"))
            taken |= mask
            continue
        for _, journey in view.journeys():
            if zero[journey].all() and other[journey].sum() >= MIN_TOTAL:
                mask = journey & (other > 0) & ~taken
                findings.append(_finding(view, rest, mask, side, "journey"))
                taken |= mask
        days = settled & zero & (other >= MIN_DAY) & ~taken
        if days.any():
            findings.append(_finding(view, rest, days, side, "days"))
            taken |= days
    return [f for f in findings if f.mask.any()]
