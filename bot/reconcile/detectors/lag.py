"""Processing lag: the rest of a day that is not final yet (Adobe: the latest day never is).

A day is still being processed when it is inside the documented lag window (today, by
default), when snapshot history shows the metric's values still moving at that age
(bot.reconcile.settling), or when the witnesses show CJA short on a young day across
journeys (bot.reconcile.reach). Whatever earlier causes left on such a day, outside the
holes missing data took, is lag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np

from bot.formatting import format_days
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile.detectors import CellView, Explanation, Finding, Seen
from bot.reconcile.reach import Reach
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
        if lag.witnessed_days:
            witnesses = ", ".join(DISPLAY_NAMES[m] for m in metric_facts(seen.metric).witnesses)
            evidence += (
                f"; on {format_days(lag.witnessed_days)} CJA's retry-free metrics from "
                f"{seen.label}'s dataset ({witnesses}, as stored) were still up to "
                f"{lag.witnessed_short_pct:.1f} % short across journeys"
            )
        settling = seen.rules.settling
        if not lag.learned_days or settling is None or settling.slowest is None:
            return Explanation("medium" if lag.witnessed_days else "high", evidence, check)
        slowest = settling.slowest
        evidence += (
            f"; in past snapshots {slowest.name}'s {seen.label} kept moving until "
            f"{plural(slowest.moving_until or 0, 'day')} old, across {slowest.series:,} values "
            "seen in more than one snapshot"
        )
        return Explanation("medium", evidence, check)


def detect(
    view: CellView,
    rest: np.ndarray,
    lagging: np.ndarray,
    documented: np.ndarray,
    arriving: np.ndarray,
    reach: Reach | None,
) -> ProcessingLag:
    """What is left on the `lagging` days (those `documented` by Adobe's rule, or
    `arriving` by the witnesses, or learned from history), as one finding."""
    amount = np.where(lagging, rest, 0).astype(np.int64)
    taken = amount != 0
    return ProcessingLag(
        amount=amount,
        learned_days=view.dates(taken & ~documented & ~arriving),
        witnessed_days=view.dates(taken & arriving),
        witnessed_short_pct=_short_pct(reach, taken & arriving),
    )


def _short_pct(reach: Reach | None, mask: np.ndarray) -> float:
    """How far short (percent) the witnesses showed CJA, on the day furthest behind."""
    if reach is None or not mask.any():
        return 0.0
    return round(100 * (1 - float(reach.share[mask].min())), 1)
