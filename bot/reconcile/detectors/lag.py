"""Processing lag: the rest of a day that is not final yet (Adobe: the latest day never is).

A day is still being processed when it is inside the documented lag window (today, by
default), when snapshot history shows the metric's values still moving at that age
(bot.reconcile.settling), or when the witnesses show CJA short on a young day across
journeys (bot.reconcile.reach). Whatever earlier causes left on such a day, outside the
holes missing data took, is lag.

A settled day is final, not complete: its last few late records (a few tenths of a percent
of it, fewer than the settling threshold) still arrive for days. On it, lag is the records
snapshot history shows still to arrive at its age (bot.reconcile.arrival, the share the
safe range judges late records by), taken before the data sources' difference is judged:
otherwise every settled day's tail reads as the data sources' wobble and, carried to the
young days as the journey's usual difference, is taken from lag there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

import numpy as np

from bot.formatting import format_days
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile.arrival import still_to_come
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
    # Settled days given the records history shows still to arrive at their age, and the
    # largest share (percent) of a day's records still to arrive among them.
    late_days: tuple[date, ...] = ()
    late_pct: float = 0.0

    @classmethod
    def explain(cls, found: Sequence[ProcessingLag], seen: Seen) -> Explanation:
        young = [f for f in found if not f.late_days and f.amount.any()]
        late = [f for f in found if f.late_days and f.amount.any()]
        if not young:
            return _late_only(late, seen)
        lag = young[0]
        days = seen.days(np.any([f.amount != 0 for f in young], axis=0))
        verb = "is" if len(days) == 1 else "are"
        evidence = (
            f"{format_days(days)} {verb} still being processed (the latest day is never final)"
        )
        evidence += _late_sentence(late, days)
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
        taken = seen.cause_keys(cls.cause)
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
        # Days beyond Adobe's documented window carry a time-zone shift fitted on older
        # days; what the fit gets wrong on them is left here, as large as a young day's
        # remainder.
        return _beside_a_shift(evidence, check, seen, "fitted on older ones")


def _late_sentence(late: Sequence[ProcessingLag], young: Sequence[date] = ()) -> str:
    """What the settled days' late records say, inferred from snapshot history. A day may
    be young on some journeys (email waits for retries) and settled on others: `young`,
    the days already said to be still being processed, are named apart so that no day reads
    as both still being processed and settled."""
    if not late:
        return ""
    days, young = sorted({d for f in late for d in f.late_days}), set(young)
    settled = tuple(d for d in days if d not in young)
    some = tuple(d for d in days if d in young)
    pct = max(f.late_pct for f in late)
    source = (
        f": inferred from past snapshots, in which up to {pct:.2f} % of a day's records were "
        "still to arrive at that age"
    )
    if not some:
        verb, them = ("has", "it") if len(settled) == 1 else ("have", "them")
        return (
            f"; {format_days(settled)} {verb} settled, but CJA may still get late records "
            f"of {them}{source}"
        )
    where = "it has" if len(some) == 1 else "they have"
    on_some = f"{format_days(some)} on the journeys where {where} settled"
    if not settled:
        return f"; CJA may still get late records of {on_some}{source}"
    return f"; CJA may still get late records of {format_days(settled)}, and of {on_some}{source}"


def _late_only(late: Sequence[ProcessingLag], seen: Seen) -> Explanation:
    """Lag on settled days alone: the late records history says are still to come."""
    check = "nothing to fix: the last late records of settled days are still arriving"
    evidence = _late_sentence(late).removeprefix("; ")
    return _beside_a_shift(evidence, check, seen, "fitted")


def _beside_a_shift(evidence: str, check: str, seen: Seen, fitted: str) -> Explanation:
    """Inferred lag is medium; beside a time-zone shift it is low, since part of what is
    left on its days may be what the fit of the shift got wrong."""
    if not seen.shifted():
        return Explanation("medium", evidence, check)
    evidence += (
        f"; a time-zone shift was found in {seen.label} too, and what it moved on these days "
        f"is {fitted}: part of this may be the shift, not lag"
    )
    return Explanation("low", evidence, check)


def late_records(
    view: CellView, days: np.ndarray, rules, pooled: ProcessingLag | None = None
) -> ProcessingLag:
    """On settled `days`, the records snapshot history shows still to arrive at each day's
    age (rounded): the tail of CJA's ingestion, which a settled day still gets. Taken
    whatever else moved the day (a time-zone shift followed imperfectly, the data sources'
    repeats can leave CJA ahead): the records still to come are there all the same.
    `pooled`: its facts over every journey (bot.reconcile.pool), when these cells are some
    journeys'."""
    expected, share = still_to_come(
        view.journey, view.age, view.cja, rules.arrivals, rules.channels
    )
    # Only over the ages the shares must have been seen at (bot.reconcile.arrival, the retry
    # window): older, a rise between captures is values restated (a data source's wobble,
    # up as often as down), not late records, and no answer should call a month of settled
    # days still arriving for it.
    horizon = max(rules.retry_window_days, rules.lag_days)
    expected = np.where(days & (view.age < horizon), np.rint(expected), 0)
    amount = expected.astype(np.int64)
    if pooled is not None:
        return replace(pooled, amount=amount)
    taken = amount != 0
    return ProcessingLag(
        amount=amount,
        learned_days=(),
        witnessed_days=(),
        witnessed_short_pct=0.0,
        late_days=view.dates(taken),
        late_pct=round(100 * float(share[taken].max()), 2) if taken.any() else 0.0,
    )


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
