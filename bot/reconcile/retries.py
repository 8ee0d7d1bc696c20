"""Retries: AJO's Sent counts messages still in the retry queue; CJA's does not (Adobe).

Both compare a young day with the journey's settled days outside the retry window, which
say what "normal" is for it (its usual difference, and its day-to-day scatter).

Measured: AJO's own Retries count for a journey and day bounds the amount; it is taken up
to the larger of the day's gap and its surplus beyond the journey's usual difference.

Inferred, when AJO's Retries metric is not in the stored exports, only on days younger than
the retry queue lasts (QUEUE_DAYS). With a witness stored (from_witnesses): Delivered,
Bounces, Errors and Excluded come from Sent's dataset, lag and shift like Sent but hold no
retries, so Sent short of how far they got that day (pooled across journeys,
bot.reconcile.reach, as uncertain as the journeys' own shares spread around the day's, or,
on days where that is clearly more precise, the journey's own: what thins a journey's day
in CJA, its data source's wobble or the hours it sent at, thins its Sent and its Delivered
alike) is retries, days still being processed included; each day's reading is then
replaced by one curve per journey draining over one retry period, journeys that agree
sharing their rate and one whose days plainly drain otherwise keeping its own period
(bot.reconcile.decay), since a single day's reading is as noisy as the retries. A journey
the witnesses could read keeps what they said, none included. Otherwise the retry window
alone says where to look: the part of a settled young day's shortfall beyond the journey's
usual difference. Either way at most MAX_SHARE of AJO's Sent (soft bounces are a few
percent of sends), and only when the journey's share stands out from its noise (NOISE_Z
standard deviations). A steady shortfall (a filter, say) is the same on old and young
days, so it never passes for retries; nor does a journey whose older days are all far off:
nothing says what is usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import ClassVar

import numpy as np

from bot.formatting import format_day, format_days
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile import decay, settled
from bot.reconcile.detectors import CellView, Explanation, Finding, Seen
from bot.reconcile.reach import Reach
from bot.reconcile.wording import join_and, plural

MAX_SHARE = 0.10
# Adobe: an email stays in the retry queue for at most 84 hours, so only days younger than
# this can still hold queued retries (the retry window adds margin for convergence).
QUEUE_DAYS = 4
# Older settled days needed to know a journey's usual difference.
MIN_BASELINE_DAYS = 3
# Older days needed to measure the journey's day-to-day scatter (else counting noise).
MIN_SCATTER_DAYS = 7
NOISE_Z = 2.0
# AJO's witnesses of a journey's day, for CJA's share of them to say anything on their own.
MIN_SIBLING_OWN = 50


@dataclass(frozen=True, eq=False, kw_only=True)
class Retries(Finding):
    cause: ClassVar[str] = "retries"
    measured: bool  # bounded by AJO's own Retries count; else inferred without it
    # Inferred only: every journey had older days to compare with; the witnesses were read
    # (Delivered and its siblings); the retry period they were fitted to, in days, and the
    # share of the queue fitted to wait it out.
    compared: bool = False
    from_delivered: bool = False
    period: float = 0.0
    staying: float = 0.0
    confirmed: bool = False  # AJO's own witnesses agreed with CJA's reading

    @classmethod
    def explain(cls, found: Sequence[Retries], seen: Seen) -> Explanation:
        days = format_days(seen.cause_days(cls.cause))
        evidence = (
            f"AJO's {seen.label} counts messages still being retried ({days}); CJA's does not"
        )
        window = seen.rules.retry_window_days
        check = _settled_check(seen, cls.cause)
        inferred = [f for f in found if not f.measured]
        if any(f.measured for f in found) or not inferred:
            return Explanation("high", evidence + ", as AJO's own Retries count shows", check)
        facts = inferred[0]
        if facts.from_delivered:
            main, *others = (DISPLAY_NAMES[m] for m in metric_facts(seen.metric).witnesses)
            how = (
                f"read against {main} pooled across journeys (with {join_and(others)} where "
                f"stored: they share {seen.label}'s dataset and lag but not its retries), or "
                f"on days where it is clearly more precise against the journey's own {main} "
                f"(what thins a journey's day in CJA thins both), "
                f"and each journey's usual difference on older days, together with AJO's "
                f"{seen.label} beyond AJO's own {main} where the two agree, then fitted to one "
                f"queue draining over {facts.period:g} days{_staying(facts.staying)}, journeys "
                "that agree sharing their rate (a journey whose own days plainly drain "
                "otherwise keeps its own period)"
            )
            if not facts.confirmed:
                how += (
                    f"; AJO's own {main} did not confirm it (it may count a retried message "
                    "on the day it gets through), so it rests on CJA's side alone"
                )
        elif facts.compared:
            how = "beyond each journey's usual difference on older days"
        else:
            how = "with no older days to compare"
        evidence += (
            f". The figure is inferred: AJO's Retries metric is not stored, so it is CJA's "
            f"shortfall inside the {window}-day retry window, {how}"
        )
        check = "add AJO's Retries metric to the export to measure it; " + check
        return Explanation(facts.confidence, evidence, check)


def _settled_check(seen: Seen, cause: str) -> str:
    """Which days to compare: those the safe range of the journeys retries were found on
    calls settled (the window, AJO's retry queue, days still processed, late records), so
    the check and the answer's range name the same last day; the window alone where none
    of the days asked about has settled."""
    keys = seen.cause_keys(cause)
    last = seen.settled_until(keys) if seen.settled_until is not None else None
    if last is None:
        days = settled.window(seen.metric, seen.rules, keys).days
        last = seen.rules.today - timedelta(days=days)
    days = (seen.rules.today - last).days
    return (
        f"compare days up to {format_day(last)} ({plural(days, 'day')} back, once values have "
        "settled): retries converge into delivered or bounces by then"
    ) + _still_queued_inside(seen, cause, last)


def _still_queued_inside(seen: Seen, cause: str, last: date) -> str:
    """The retries found on days the check still calls comparable: the safe range keeps a
    day whose queue is small beside its values, and a reader who sees that day among the
    days "still being retried" is told why, and how much, rather than left with two answers."""
    inside = seen.day <= np.datetime64(last, "D")
    queued = int(seen.amounts(cause)[inside].sum())
    if not queued:
        return ""
    on = inside & (seen.amounts(cause) != 0)
    held = seen.days(on)
    there = np.isin(seen.day, seen.day[on])  # every journey's cells of those days
    share = 100 * queued / max(int(seen.cells["ajo"].to_numpy()[there].sum()), 1)
    if share <= seen.rules.change_pct:
        return (
            f"; the {queued:,} still queued of {format_days(held)} are {share:.2f} % of "
            f"AJO's {seen.label} there, within the {seen.rules.change_pct:g} % a settled "
            "day may still move by"
        )
    verb = "holds" if len(held) == 1 else "hold"
    return (
        f"; {format_days(held)} still {verb} {queued:,} of them ({share:.2f} % of AJO's "
        f"{seen.label} there): leave those days out too where exact figures matter"
    )


def _staying(share: float) -> str:
    if not share:
        return ""
    return f" ({share:.0%} of it waiting out the whole period, as bounces that never clear do)"


@dataclass(frozen=True, eq=False)
class Baseline:
    """Per cell, its journey's usual difference (a share of volume) on older settled days."""

    rate: np.ndarray
    spread: np.ndarray  # the journey's day-to-day scatter around it; NaN when unmeasured
    compared: np.ndarray  # the journey had older days to compare with
    # The journey had older days, but nearly all far off the tolerance: a steady difference
    # (a filter, say) whose young days say nothing about retries.
    steady: np.ndarray


def _mad(values: np.ndarray) -> float:
    """The spread of `values` as a standard deviation, from their median absolute
    deviation (a few outlying days do not move it)."""
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def baseline(
    view: CellView, rest: np.ndarray, older: np.ndarray, typical: np.ndarray, volume: np.ndarray
) -> Baseline:
    """What is usual for each journey, from its `typical` older days: a day far off (an
    outage, an undetected doubling) says nothing about what is usual and is left out."""
    groups = view.groups
    days = groups.count(typical)
    known = days >= MIN_BASELINE_DAYS
    steady = ~known & (groups.count(older) >= MIN_BASELINE_DAYS)
    usual = groups.sum(rest, typical) / np.maximum(groups.sum(volume, typical), 1)
    rate = np.where(known, usual, 0)
    # Both products count the same events: their day-to-day scatter, not counting noise of
    # the volume, is what a retry shortfall must stand out from.
    scatter = rest - rate[groups.ids] * volume
    spread = np.maximum(1.4826 * groups.mad(scatter, typical), 1.0)
    spread = np.where(days >= MIN_SCATTER_DAYS, spread, np.nan)
    ids = groups.ids
    return Baseline(rate[ids], spread[ids], known[ids], steady[ids])


def room(rest: np.ndarray, usual: np.ndarray, scatter: np.ndarray | None = None) -> np.ndarray:
    """How many retries a day can hold: the larger of its gap and its surplus beyond the
    journey's usual difference, give or take the journey's day-to-day `scatter` (NOISE_Z
    of it; none where unmeasured). Where CJA usually counts more, retries can exceed the
    gap; a day that drifted below usual still holds them."""
    surplus = rest - np.rint(usual).astype(np.int64)
    space = np.maximum(surplus, rest).astype(float)
    if scatter is not None:
        space += NOISE_Z * np.nan_to_num(scatter)
    return np.floor(space).astype(np.int64)


def measured(
    rest: np.ndarray,
    queued: np.ndarray,
    window: np.ndarray,
    usual: np.ndarray,
    scatter: np.ndarray | None = None,
) -> Retries:
    """No more than AJO says it is retrying, nor than the day can hold (`room`)."""
    found = np.minimum(room(rest, usual, scatter), queued)
    amount = np.where(window, np.clip(found, 0, None), 0).astype(np.int64)
    return Retries(amount=amount, confidence="high", measured=True)


def _beyond(
    view: CellView, days: np.ndarray, shift: np.ndarray, reach: Reach | None, normal: float
) -> np.ndarray:
    """AJO's Sent beyond what CJA's Sent implies, once `reach` says how far CJA got (None:
    all of it), after the journey's usual ratio `normal` and its time-zone `shift`."""
    share = reach.share[days] if reach is not None else 1.0
    return view.ajo[days] - shift[days] - view.cja[days] / max(normal, 1e-9) / share


def _thinning(kept: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Relative variance of the share `kept / total` of the same events (binomial)."""
    share = np.clip(kept / np.maximum(total, 1), 0.01, 0.999)
    return (1 - share) / (share * np.maximum(total, 1))


@dataclass(frozen=True, eq=False)
class Witnessed:
    """Retries read from the witnesses: the amount per cell, the fitted drain (retry period
    and plateau), and the journeys that could be read (whatever their reading said, it
    stands)."""

    amount: np.ndarray
    drain: decay.Drain
    read: np.ndarray
    # Per cell: its journey was read both against CJA and against AJO's own witnesses, and
    # the two agreed (two independent readings of one queue).
    confirmed: np.ndarray | None = None
    # The journeys' shared rate the amounts were drawn towards (bot.reconcile.decay.Shared).
    shared: object = None
    # AJO's own readings stood, judged over every journey (`own_agrees`).
    own_agrees: bool = True


def _against_cja(
    view: CellView, days: np.ndarray, old: np.ndarray, shift: np.ndarray, reach: Reach
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]] | None:
    """Per day of `days`: Sent short of how far CJA's witnesses got, and its variance.

    Today CJA has each journey's events up to a couple of hours before the capture, so how
    far it got with one journey depends on when in the day the journey sent (a batch at 9
    against sends spread over the day), not only on the pooled share: a journey's reading
    today is uncertain by as much as the whole of its shortfall. Older days short in CJA
    are short by the tail of the ingestion delay, which does not care about the hour."""
    days = days & reach.known & (view.cja > 0)
    old = old & reach.known
    if not days.any() or old.sum() < MIN_BASELINE_DAYS:
        return None
    normal = view.cja[old].sum() / max((view.ajo[old] - shift[old]).sum(), 1)
    queued = _beyond(view, days, shift, reach, normal)
    spread = _mad(_beyond(view, old, shift, None, normal))
    counting = view.ajo[days] * np.sqrt(_thinning(view.cja[days], view.ajo[days]))
    relvar = reach.relvar[days] + (0.0 if reach.between is None else reach.between[days])
    reading = (view.ajo[days] - queued) ** 2 * relvar
    hours = np.where(view.age[days] < 1, ((1 - reach.share[days]) * view.ajo[days]) ** 2, 0.0)
    return days, (queued, np.maximum(counting**2 + spread**2 + reading + hours, 1.0))


def _against_its_own(
    view: CellView, days: np.ndarray, old: np.ndarray, shift: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]] | None:
    """Per day of `days`: Sent short of how far CJA got with the journey's own witnesses,
    and its variance. What thins a journey's day in CJA thins its Sent and its Delivered
    alike (the day's processing, a data-view filter, the hours it sent at today, a share
    of the day moved by a time zone the fit followed imperfectly, and, where the two come
    from one dataset, its data source's wobble): their ratio leaves the queue. One
    journey's Delivered carries its own counting noise, which the pooled share does not."""
    readable = (view.sibling_ajo >= MIN_SIBLING_OWN) & (view.sibling_cja > 0) & (view.cja > 0)
    days = days & readable
    old = old & readable
    if not days.any() or old.sum() < MIN_BASELINE_DAYS:
        return None
    share = view.sibling_ajo[old].sum() / max(view.ajo[old].sum(), 1)
    expected_w = view.sibling_ajo - share * shift
    base = expected_w[old].sum()
    if base <= 0:
        return None
    ratio = view.sibling_cja[old].sum() / base
    reach = np.clip(view.sibling_cja / np.maximum(ratio * expected_w, 1e-9), 1e-3, None)
    normal = view.cja[old].sum() / max((view.ajo[old] - shift[old]).sum(), 1)
    beyond = view.ajo - shift - view.cja / max(normal, 1e-9) / reach
    spread = _mad(beyond[old])
    queued = beyond[days]
    counting = view.ajo[days] * np.sqrt(_thinning(view.cja[days], view.ajo[days]))
    thinned = _thinning(view.sibling_cja[days], np.maximum(ratio * expected_w[days], 1))
    reading = (view.ajo[days] - queued) ** 2 * thinned
    return days, (queued, np.maximum(counting**2 + spread**2 + reading, 1.0))


# The journey's own witnesses replace the pooled share on a day only where their reading's
# variance is under this share of the pooled one's: each variance is estimated from a few
# weeks of older days, and where the two data sources wobble apart (not together) the two
# readings are about as precise, the pooled one a little more.
SHARPER = 0.5


def _sharper(pooled, own):
    """The pooled reading, replaced on each day by the journey's `own` where that is
    clearly more precise (SHARPER); None when neither read any day."""
    if pooled is None or own is None:
        return pooled if own is None else own
    n = len(pooled[0])
    queued, variance = np.zeros(n), np.full(n, np.inf)
    for (days, (q, v)), factor in ((pooled, 1.0), (own, SHARPER)):
        better = np.zeros(n, dtype=bool)
        better[days] = v < factor * variance[days]
        queued[better] = q[better[days]]
        variance[better] = v[better[days]]
    days = np.isfinite(variance)
    return days, (queued[days], variance[days])


def _ajos_own(
    view: CellView, days: np.ndarray, old: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]] | None:
    """Per day of `days`: AJO's Sent beyond what AJO's own witnesses imply at the journey's
    usual ratio of them, and its variance (the ratio's day-to-day scatter on older days).
    Neither CJA's lag nor the two data sources' wobble is in it."""
    days = days & (view.own_witness > 0)
    old = old & (view.own_witness > 0) & (view.ajo > 0)
    if not days.any() or old.sum() < MIN_BASELINE_DAYS:
        return None
    ratio = view.own_witness[old].sum() / max(view.ajo[old].sum(), 1)
    beyond = view.ajo - view.own_witness / ratio
    scatter = _mad(beyond[old] / view.ajo[old])
    return days, (beyond[days], np.maximum((scatter * view.ajo[days]) ** 2, 1.0))


# AJO's own reading is set aside when, over the days both read, it falls short of CJA's by
# more than this many standard deviations of the difference (one-sided, 1 %).
AGREEMENT_Z = 2.326


def _gap(against, own, volume: np.ndarray) -> tuple[float, float]:
    """Over the days both read: AJO's own reading minus CJA's, and the variance of that sum,
    each day weighed by its precision (a day either reads poorly counts little) and by its
    `volume` (AJO's Sent, per cell of the readings' view). Where AJO counts a retried
    message on the day it gets through, its own reading falls short by a share of the
    queue, so of the day's volume: a small journey's days, precise in counts, would
    otherwise outweigh the large ones that show the shortfall."""
    if against is None or own is None:
        return 0.0, 0.0
    (cja_days, (cja_q, cja_v)), (own_days, (own_q, own_v)) = against, own
    both = cja_days & own_days
    if not both.any():
        return 0.0, 0.0
    weight = volume[both] / (own_v[both[own_days]] + cja_v[both[cja_days]])
    gap = (weight * (own_q[both[own_days]] - cja_q[both[cja_days]])).sum()
    return float(gap), float((weight * volume[both]).sum())


def _short(gap: float, variance: float) -> bool:
    """AJO's own reading falls short of CJA's beyond the noise of their difference."""
    return variance > 0 and gap < -AGREEMENT_Z * np.sqrt(variance)


def _agreeing(against, own, volume: np.ndarray) -> tuple:
    """The readings to combine: both when they agree within their noise, else CJA's alone.

    AJO's own reading assumes AJO's witnesses count a retried message on its send day. Where
    they count it on the day it is finally delivered or bounces (the feedback event's own
    time), a young day's Delivered also holds earlier days' retries leaving the queue, and
    Sent beyond it reads the queue's net change: summed over the young days, near zero
    however long the queue, below CJA's reading beyond their noise. CJA's reading has no
    such term (its Sent of a day counts that day's sends once they leave the queue), so it
    is the one kept."""
    return (against, None) if _short(*_gap(against, own, volume)) else (against, own)


def own_agrees(pairs) -> bool:
    """Whether AJO's own readings stand, judged over every journey's (CJA's reading, AJO's
    own, AJO's Sent per day) `pairs` together: which day AJO's Delivered counts a retried
    message on is one setting of the product, not of a journey, and one journey's readings
    are often too noisy to tell (retries of 0.5 % of a day against a data source wobbling
    by as much).
    Summed over the journeys, AJO's reading short of CJA's beyond their noise says AJO
    counts a retried message on the day it gets through: its own readings are then set
    aside on every journey, even where CJA reads nothing to compare them with."""
    gaps = [_gap(against, own, volume) for against, own, volume in pairs]
    return not _short(sum(g for g, _ in gaps), sum(v for _, v in gaps))


def _combined(n: int, *readings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readings of the same days weighed by their variances: (days, queued, variance)."""
    weighted, precision = np.zeros(n), np.zeros(n)
    for found in readings:
        if found is None:
            continue
        days, (queued, variance) = found
        weighted[days] += queued / variance
        precision[days] += 1 / variance
    days = precision > 0
    return days, weighted[days] / precision[days], 1 / precision[days]


def from_witnesses(
    view: CellView,
    rest: np.ndarray,
    young: np.ndarray,
    older: np.ndarray,
    typical: np.ndarray,
    usual: np.ndarray,
    shift: np.ndarray,
    reach: Reach,
    scatter: np.ndarray | None = None,
    pooled: tuple | None = None,
    elapsed: float = 1.0,
) -> Witnessed:
    """Queued retries on young days, days still being processed included, read from Sent's
    witnesses (bot.reconcile.witnesses; Delivered below stands for them).

    Delivered comes from the same dataset as Sent and has no retries in it, so on any day
    CJA's Delivered over AJO's, pooled across journeys (bot.reconcile.reach), is how far CJA
    got; Sent short of that same share, beyond the journey's usual ratio and its time-zone
    `shift`, is short of retries. AJO's own Sent beyond its own Delivered says the same
    without CJA in it; the two readings are combined. The cap is what the day can hold
    (`room`, from its gap, its surplus beyond the journey's `usual` difference in counts and
    the journey's day-to-day `scatter`), as with measured retries.

    `pooled` ((drain, shared rate, whether AJO's own readings stand) over every journey,
    bot.reconcile.pool) when `view` holds only some journeys' cells. `elapsed`: the share of
    today gone at the capture (Rules.today_elapsed), which says how old each day's sends
    are (bot.reconcile.decay.queue_age).
    """
    amount = np.zeros(len(view), dtype=np.int64)
    read = np.zeros(len(view), dtype=bool)
    confirmed = np.zeros(len(view), dtype=bool)
    readings = []
    journeys = []
    for _, cells in view.journeys():
        # One journey's cells as their own view: each journey costs its own cells only.
        mine = view.take(cells)
        days = young[cells] & (mine.ajo > 0)
        against = _against_cja(mine, days, typical[cells], shift[cells], reach.take(cells))
        against = _sharper(against, _against_its_own(mine, days, older[cells], shift[cells]))
        own = _ajos_own(mine, days, older[cells])
        journeys.append((cells, mine, against, own))
    pairs = [(against, own, mine.ajo) for _, mine, against, own in journeys]
    agrees = own_agrees(pairs) if pooled is None else pooled[2]
    for cells, mine, against, own in journeys:
        kept = _agreeing(against, own, mine.ajo) if agrees else (against, None)
        days, queued, variance = _combined(len(mine), *kept)
        if not days.any():
            continue
        confirmed[cells] = all(reading is not None for reading in kept)
        index = cells[days]
        age = decay.queue_age(mine.age[days], elapsed)
        readings.append(decay.Reading(index, queued, variance, mine.ajo[days], age))
        read[cells] = True
    if pooled is None:
        drain = decay.fit(readings)
        rate = decay.shared(readings, drain)
    else:
        drain, rate, _ = pooled
    fits = decay.amounts(readings, drain, NOISE_Z, rate)
    for reading, fitted in zip(readings, fits, strict=True):
        if fitted is None:
            continue
        days = reading.index
        space = room(rest[days], usual[days], None if scatter is None else scatter[days])
        cap = np.minimum(np.floor(MAX_SHARE * view.ajo[days]), space.clip(0))
        amount[days] = np.clip(np.rint(fitted), 0, cap).astype(np.int64)
    return Witnessed(amount, drain, read, confirmed, rate, agrees)


def inferred(
    view: CellView,
    rest: np.ndarray,
    window: np.ndarray,
    usual: Baseline,
    volume: np.ndarray,
    witnessed: Witnessed,
    pooled: Retries | None = None,
    pool_given: bool = False,
) -> Retries | None:
    """Retries inferred from the window alone, for journeys the witnesses could not read,
    after those they could (`witnessed`). With `pool_given`, `view` holds only some
    journeys' cells and `pooled` is the finding's facts over every journey
    (bot.reconcile.pool): the amounts are these cells' own, the facts every journey's."""
    amount = witnessed.amount.copy()
    for _, cells in view.journeys():
        days = cells[window[cells]]
        if not len(days) or witnessed.read[days].any() or usual.steady[days].any():
            continue
        spread = usual.spread[days][0]
        if np.isnan(spread):
            spread = np.sqrt(max(volume[days].mean(), 1.0))
        excess = np.rint(rest[days] - usual.rate[days] * volume[days]).astype(np.int64)
        if excess.sum() <= NOISE_Z * spread * np.sqrt(len(days)):
            continue
        cap = np.floor(MAX_SHARE * view.ajo[days]).astype(np.int64)
        amount[days] = np.clip(excess, 0, cap)
    if not amount.any():
        return None
    if pool_given:
        return replace(pooled, amount=amount)
    mask = amount != 0
    compared = bool(usual.compared[mask].all())
    from_delivered = bool(witnessed.amount.any())
    # Read from the witnesses, a figure is as sure as two agreeing readings make it; CJA's
    # reading alone carries CJA's lag and its data source's wobble in it.
    witnessed_cells = witnessed.amount != 0
    confirmed = witnessed.confirmed is not None and bool(witnessed.confirmed[witnessed_cells].all())
    sure = confirmed if from_delivered else compared
    return Retries(
        amount=amount,
        confidence="medium" if sure else "low",
        confirmed=confirmed,
        measured=False,
        compared=compared,
        from_delivered=from_delivered,
        period=witnessed.drain.period,
        staying=witnessed.drain.staying,
    )
