"""Duplicated data: one side is about double the other over a run of days.

A dataset added twice to the CJA connection, or a backfill ingested twice, doubles every
event of the days it covers; an AJO export stored twice under two names does the same on
the AJO side. A settled day is a candidate when the larger side is between RATIO_LOW and
RATIO_HIGH times the smaller one and the excess is beyond counting noise (Z_MIN standard
deviations, so tens of sends a day never qualify by chance). A run of at least MIN_RUN
consecutive candidates on the same side is a duplicate when its overall ratio is close to
two (RUN_LOW to RUN_HIGH: room for the data-source difference and a time-zone shift), or
close to twice the ratio of its ordinary days (a doubling on top of a steady filter).

Half the other side's volume missing (a partial outage) gives the same ratio; the two are
told apart by which side moved against ordinary days (the same weekdays a week away, else
the run's edges): a doubled side jumps up while the other side stays level, where an outage
leaves the larger side level and drops the other.
AJO doubled needs more of that evidence than CJA doubled (AJO_EVIDENCE). The duplicate copy
is half the doubled side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np

from bot.formatting import format_days
from bot.metrics import SOURCE_NAMES
from bot.reconcile.detectors import CellView, Explanation, Finding, Seen, neighbour, runs
from bot.reconcile.wording import format_names

# A doubled day is up to 3 times the other side: a time-zone shift on top can bring in
# part of a much bigger neighbouring day (2.7 missed a batch journey's doubled run).
RATIO_LOW, RATIO_HIGH = 1.5, 3.0
RUN_LOW, RUN_HIGH = 1.7, 2.4
# A single day between two doubled days, still this far above the other side, is bridged
# (a time-zone shift can pull one doubled day out of the band).
BRIDGE_RATIO = 1.2
Z_MIN = 4.0
MIN_RUN = 2
EDGE_DAYS = 3
# A run day whose doubled side is under half its ordinary days (its journey at under a
# half or a quarter of its usual volume, outage or duplicate alike) is left out of the
# comparison. (Leaving out days whose other side is over twice them too lost a doubled
# run on the day-level generator whose remaining days looked like an outage.)
SWING = 2.0
# AJO doubled is rarer than CJA half missing: the store replaces a re-ingested export
# rather than adding it, so AJO doubles only when two exports label the same numbers
# differently, while a CJA ingestion outage is common. When AJO is the larger side, its
# jump must beat the other side's drop by this factor before the run is a duplicate.
AJO_EVIDENCE = 1.25


@dataclass(frozen=True, eq=False, kw_only=True)
class DuplicateData(Finding):
    cause: ClassVar[str] = "duplicate_data"
    side: str  # the doubled side
    journeys: tuple
    days: tuple[date, ...]
    ratio: float  # the doubled side over the other, over the run
    copies: int  # events counted twice

    @classmethod
    def explain(cls, found: Sequence[DuplicateData], seen: Seen) -> Explanation:
        parts = []
        for f in found[:3]:
            other = "AJO" if f.side == "cja" else "CJA"
            who = format_names(seen.journeys(f.journeys))
            parts.append(
                f"{SOURCE_NAMES[f.side]} is {f.ratio:.2f}× {other} for {who} on "
                f"{format_days(f.days)}"
            )
        evidence = "; ".join(parts) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        if found[0].side == "cja":
            check = (
                "look for a dataset added twice to the CJA connection, or a backfill ingested "
                "twice for those days"
            )
        else:
            check = "look for the same AJO export stored twice, or rows repeated in it"
        confidence = "high" if found[0].confidence == "high" else "medium"
        return Explanation(confidence, evidence, check)


def _ordinary(
    view: CellView, index: np.ndarray, doubled: np.ndarray, other: np.ndarray, usable: np.ndarray
) -> tuple[list[int], list[int]]:
    """Run days with ordinary days to compare with, and those ordinary days: the same
    weekdays a week before and after (weekly patterns cancel), else the days next to it."""
    # Only the journey's own cells: a run costs its journey's days, not every cell.
    cells = view.groups.cells(view.groups.ids[index[0]])
    ratio = doubled[cells] / np.maximum(other[cells], 1)
    same = cells[usable[cells] & (ratio < RATIO_LOW)]
    days = view.day[same]
    inside, reference = [], []
    for i in index:
        week = same[np.abs((days - view.day[i]).astype(np.int64)) == 7]
        if not len(week):
            continue
        # A day the journey itself wound down on (a pause) says nothing of which side moved:
        # both readings put its volume under half its usual.
        if doubled[i] < doubled[week].mean() / SWING:
            continue
        inside.append(int(i))
        reference.extend(int(w) for w in week)
    if not reference:
        before = (view.day[index[0]] - days).astype(np.int64)
        after = (days - view.day[index[-1]]).astype(np.int64)
        near = ((before >= 1) & (before <= EDGE_DAYS)) | ((after >= 1) & (after <= EDGE_DAYS))
        inside, reference = [int(i) for i in index], [int(r) for r in same[near]]
    if not other[reference].sum() or not doubled[reference].sum():
        return [], []
    return inside, reference


def _doubled(doubled: np.ndarray, other: np.ndarray, index: np.ndarray, ordinary) -> bool:
    """Is the run about twice the other side, outright or against its ordinary days (a
    journey CJA usually has 20 % less of is 1.6 times when doubled)?"""
    ratio = doubled[index].sum() / other[index].sum()
    if RUN_LOW <= ratio <= RUN_HIGH:
        return True
    inside, reference = ordinary
    if not reference or ratio < RATIO_LOW:
        return False
    usual = doubled[reference].sum() / other[reference].sum()
    return RUN_LOW <= doubled[inside].sum() / other[inside].sum() / usual <= RUN_HIGH


def _jumped(doubled: np.ndarray, other: np.ndarray, ordinary, evidence: float = 1.0) -> bool:
    """Did the doubled side jump, against ordinary days, more than the other side dropped
    (by the factor `evidence`)?"""
    inside, reference = ordinary
    if not reference:
        return True  # nothing to compare with: the ratio is all there is
    jump = doubled[inside].mean() / doubled[reference].mean()
    level = other[inside].mean() / other[reference].mean()
    # Duplicate: jump ~ 2v and level ~ v; outage on the other side: jump ~ v, level ~ v/2,
    # where v is the days' own swing against ordinary days.
    return jump * level >= evidence


def detect(view: CellView, rest: np.ndarray, usable: np.ndarray) -> list[DuplicateData]:
    """One finding per run of doubled days (per journey and side)."""
    big = np.maximum(view.ajo, view.cja)
    small = np.minimum(view.ajo, view.cja)
    ratio = big / np.maximum(small, 1)
    candidate = (
        usable
        & (small > 0)
        & (ratio >= RATIO_LOW)
        & (ratio <= RATIO_HIGH)
        & (big - small >= Z_MIN * np.sqrt(big))
    )
    findings = []
    for side, on_side in (("cja", view.cja > view.ajo), ("ajo", view.ajo > view.cja)):
        doubled, other = view.side(side), view.side("ajo" if side == "cja" else "cja")
        found = candidate & on_side
        leaning = usable & (doubled >= BRIDGE_RATIO * other)
        found |= leaning & neighbour(view, found, -1) & neighbour(view, found, 1)
        for index in runs(view, found):
            if len(index) < MIN_RUN:
                continue
            ordinary = _ordinary(view, index, doubled, other, usable)
            if not _doubled(doubled, other, index, ordinary):
                continue
            if not _jumped(doubled, other, ordinary, AJO_EVIDENCE if side == "ajo" else 1.0):
                continue
            run_ratio = doubled[index].sum() / other[index].sum()
            copies = doubled[index] // 2
            amount = np.zeros(len(view), dtype=np.int64)
            amount[index] = -copies if side == "cja" else copies
            close = abs(run_ratio - 2) <= 0.1 and len(index) >= 3
            findings.append(
                DuplicateData(
                    amount=amount,
                    confidence="high" if close else "medium",
                    side=side,
                    journeys=view.keys(index[copies != 0]),
                    days=view.dates(index[copies != 0]),
                    ratio=round(float(run_ratio), 2),
                    copies=int(copies.sum()),
                )
            )
    return findings
