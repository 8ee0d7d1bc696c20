"""Processing lag: the rest of a day that is not final yet (Adobe: the latest day never is).

A day is still being processed when it is inside the documented lag window (today, by
default), when snapshot history shows the metric's values still moving at that age
(bot.reconcile.settling), or when the witnesses show CJA short on a young day across
journeys (bot.reconcile.reach). Whatever earlier causes left on such a day, outside the
holes missing data took, is lag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

import numpy as np

from bot.formatting import format_days
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile.detectors import CellView, Explanation, Finding, Seen
from bot.reconcile.reach import Reach
from bot.reconcile.settled import ALL_CHANNELS, window
from bot.reconcile.wording import plural


@dataclass(frozen=True, eq=False, kw_only=True)
class ProcessingLag(Finding):
    cause: ClassVar[str] = "processing_lag"
    # Lag days beyond the documented window: from snapshot history, or from the witnesses.
    learned_days: tuple[date, ...]
    witnessed_days: tuple[date, ...]
    # How far short the witnesses showed CJA (percent), on the day furthest behind.
    witnessed_short_pct: float

    @classmethod
    def explain(cls, found: Sequence[ProcessingLag], seen: Seen) -> Explanation:
        lag = found[0]
        days = seen.cause_days(cls.cause)
        verb = "is" if len(days) == 1 else "are"
        evidence = (
            f"{format_days(days)} {verb} still being processed (the latest day is never final)"
        )
        check = "leave these days out of the comparison or ask again once they settle"
        witnesses = ", ".join(DISPLAY_NAMES[m] for m in metric_facts(seen.metric).witnesses)
        if lag.witnessed_days and witnesses:
            evidence += (
                f"; on {format_days(lag.witnessed_days)} CJA's retry-free metrics from "
                f"{seen.label}'s dataset ({witnesses}, as stored) were still up to "
                f"{lag.witnessed_short_pct:.1f} % short across journeys"
            )
        elif lag.witnessed_days:
            evidence += (
                f"; on {format_days(lag.witnessed_days)} CJA's {seen.label} was still up to "
                f"{lag.witnessed_short_pct:.1f} % short across journeys"
            )
        # The window that made these days still being processed: the same one the safe
        # range ends by (bot.reconcile.settled).
        taken = seen.cells.loc[seen.cells[cls.cause] != 0, "journey_key"].unique()
        chosen = window(seen.metric, seen.rules, taken)
        learned = chosen.learned_from
        if lag.learned_days and learned is not None:
            evidence += (
                f"; in past snapshots {learned.name}'s {seen.label} {_whose(chosen.whose)}kept "
                f"moving until {plural(learned.moving_until or 0, 'day')} old, across "
                f"{learned.series:,} values seen in more than one snapshot"
            )
        elif not lag.witnessed_days:
            return Explanation("high", evidence, check)
        if not seen.shifted():
            return Explanation("medium", evidence, check)
        # Days beyond Adobe's documented window carry a time-zone shift fitted on older
        # days; what the fit gets wrong on them is left here, as large as a young day's
        # remainder.
        evidence += (
            f"; a time-zone shift was found in {seen.label} too, and what it moved on these "
            "days is fitted on older ones: part of this may be the shift, not lag"
        )
        return Explanation("low", evidence, check)


def _whose(whose: str) -> str:
    """Whose values the window was learned from, as said in the evidence ('' for every
    channel's together, as the evidence said before channels were known)."""
    return "" if not whose or whose == ALL_CHANNELS else f"{whose} "


def detect(
    view: CellView,
    rest: np.ndarray,
    lagging: np.ndarray,
    documented: np.ndarray,
    arriving: np.ndarray,
    reach: Reach | None,
    pooled: ProcessingLag | None = None,
) -> ProcessingLag:
    """What is left on the `lagging` days (those `documented` by Adobe's rule, or
    `arriving` by the witnesses, or learned from history), as one finding. `pooled`: its
    facts over every journey (bot.reconcile.pool), when these cells are some journeys'."""
    amount = np.where(lagging, rest, 0).astype(np.int64)
    if pooled is not None:
        return replace(pooled, amount=amount)
    taken = amount != 0
    return ProcessingLag(
        amount=amount,
        learned_days=view.dates(taken & ~documented & ~arriving),
        witnessed_days=view.dates(taken & arriving),
        witnessed_short_pct=_short_pct(reach, taken & arriving),
    )


# How far behind the day's other journeys a journey may be and still be lagging: their
# shortfall, and this many standard deviations of their noise and its own. (Twice their
# shortfall, for journeys that sent late in the day, left a filter as lag on the day-level
# generator.)
OTHERS_TIMES = 1.0
OTHERS_Z = 3.0


def beyond_others(
    view: CellView, rest: np.ndarray, days: np.ndarray, reach: Reach | None
) -> np.ndarray:
    """On `days` still being processed, the part of each journey's shortfall (`rest`, CJA
    short) beyond what the day's other journeys show CJA still lacks, give or take their
    noise and the journey's counting noise: CJA processes a day's events together, whichever
    journey they belong to (Adobe: both products read one data lake), so past the first
    day, when the hour each journey sent no longer matters, one journey short by far more
    than the others is short for another reason (a data-view filter from a date on, an
    identity setting), not lag. Zero where no other journey says how far CJA got."""
    if reach is None or reach.others is None:
        return np.zeros(len(view), dtype=np.int64)
    known = days & np.isfinite(reach.others) & (rest > 0)
    others = np.nan_to_num(reach.others, nan=1.0)
    noise = np.sqrt(np.nan_to_num(reach.others_relvar, nan=0.0))
    short = np.clip(1 - others, 0, 1)
    # The journey's own thinning by the same share (binomial, at least that of half a percent).
    counting = np.sqrt(view.ajo * np.maximum(short, 0.005))
    allowed = OTHERS_TIMES * short * view.ajo + OTHERS_Z * (noise * view.ajo + counting)
    excess = np.floor(rest - allowed)
    return np.where(known & (excess > 0), excess, 0).astype(np.int64)


def _short_pct(reach: Reach | None, mask: np.ndarray) -> float:
    """How far short (percent) the witnesses showed CJA, on the day furthest behind."""
    if reach is None or not mask.any():
        return 0.0
    return round(100 * (1 - float(reach.share[mask].min())), 1)
