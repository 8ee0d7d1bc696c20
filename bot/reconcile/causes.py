"""Splitting each (journey, day) difference into causes whose amounts add up exactly.

Causes are taken in order of how certain their evidence is, each from what the previous
ones left:

1. duplicate data: one side about double the other over a run of settled days;
2. time zone: days swing with the day-to-day change in volume; fitted on settled days and
   applied to every day of the journey, the days still being processed included;
3. retries, measured: AJO's Sent counts messages its own Retries metric says are still in
   the retry queue; CJA's never will, however long it processes, so this comes before lag
   and before missing data (Adobe);
4. missing data: one side has nothing where the other has volume (a zero is not noise);
   found before everything else, as its zeros would mislead the other tests;
5. retries, inferred (AJO's Retries metric not stored): on days younger than the retry
   queue lasts, Sent short of how far its witnesses got (Delivered, Bounces, Errors and
   Excluded: same dataset and lag, no retries; pooled across journeys, fitted to one retry
   period), or without them a settled day's shortfall beyond the journey's usual
   difference;
6. data source: a journey's remaining residual on settled days, within the tolerance; on
   days still being processed, the journey's usual rate of it (of unexplained, for a
   journey beyond the tolerance);
7. processing lag: the rest of a day that is not final, by Adobe's rule (today), because
   snapshot history shows the source's values still moving at that age, or because Sent's
   witnesses show CJA still short on a young day across journeys; on a settled day, the
   late records history shows still to arrive at its age (taken before step 6);
8. unexplained: what is left.

Every amount is an integer and each step subtracts what it takes, so sums per day, journey
and in total are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from bot.metrics import metric_facts
from bot.reconcile import datasource, hourly, retries, zeros
from bot.reconcile.detectors import (
    CellView,
    Finding,
    duplicate,
    lag,
    missing,
    neighbour,
    timezone,
    unexplained,
    with_columns,
)
from bot.reconcile.pool import MetricPool, ZonePool, facts_of
from bot.reconcile.reach import arriving_days, behind_elsewhere, pooled, still_processing
from bot.reconcile.recorded import recorded
from bot.reconcile.registry import CAUSES
from bot.reconcile.rules import Rules
from bot.reconcile.settled import learned_days, processing_days, retried, settling_days

__all__ = [
    "Attribution",
    "Prepared",
    "Rules",
    "attribute",
    "pooled_time_shifts",
    "prepare",
    "time_shifts",
    "time_shifts_from_pool",
]


@dataclass(frozen=True, eq=False)
class Attribution:
    """One metric's cells with a column per cause, and the findings behind them."""

    cells: pd.DataFrame
    findings: tuple[Finding, ...] = ()
    # The figures pooled over every journey this split read or found (bot.reconcile.pool).
    pool: MetricPool | None = None

    def only(self, journeys) -> Attribution:
        """The same split, for these journeys' cells only: what was found with every
        journey in view (pooled retry readings, shared rates) stays as it was, so a journey
        asked about alone gets exactly its row of the all-journeys answer."""
        keep = self.cells["journey_key"].isin(list(journeys)).to_numpy()
        cells = self.cells.loc[keep].reset_index(drop=True)
        findings = []
        for finding in self.findings:
            sliced = {
                f.name: getattr(finding, f.name)[keep]
                for f in fields(finding)
                if isinstance(getattr(finding, f.name), np.ndarray)
                and len(getattr(finding, f.name)) == len(keep)
            }
            narrowed = replace(finding, **sliced)
            if narrowed.amount.any():
                findings.append(narrowed)
        return Attribution(cells, tuple(findings))


class _Ledger:
    """The running split: what each cause took and what is left. Every amount comes with
    the finding that says why."""

    def __init__(self, delta: np.ndarray) -> None:
        self.rest = delta.astype(np.int64)
        self.amounts = {cause: np.zeros(len(delta), dtype=np.int64) for cause in CAUSES}
        self.findings: list[Finding] = []

    def record(self, finding: Finding) -> None:
        amount = finding.amount.astype(np.int64)
        self.amounts[finding.cause] += amount
        self.rest = self.rest - amount
        self.findings.append(finding)


@dataclass(frozen=True, eq=False)
class Prepared:
    """One metric's cells up to the time-zone step: duplicates taken, missing data found,
    and what the data view's time-zone fit needs from it (bot.reconcile.detectors.timezone
    fits every metric of the data view together)."""

    cells: pd.DataFrame
    view: CellView
    ledger: _Ledger
    gaps: list
    holes: np.ndarray
    doubled: np.ndarray
    whole: np.ndarray
    zone: timezone.Part


def prepare(
    cells: pd.DataFrame, metric: str, rules: Rules, missing_pool: tuple | None = None
) -> Prepared:
    """`cells` (one row per journey and day of one metric) sorted, with missing data found
    and duplicates taken: the part of the split that comes before the time zone.
    `missing_pool`: the missing-data findings over every journey (bot.reconcile.pool), when
    `cells` are only some journeys'."""
    cells = cells.sort_values(["journey_key", "day"], kind="stable").reset_index(drop=True)
    view = CellView.of(cells, rules.today)
    ledger = _Ledger(view.ajo - view.cja)
    settled = view.age >= processing_days(metric, rules, view.journey)

    # Missing data is found first (its zeros would confuse every other test) but takes its
    # amount after duplicates and measured retries: AJO's queued retries are in its Sent
    # whether or not CJA has the day.
    gaps = missing.detect(view, ledger.rest, settled, missing_pool)
    holes = np.zeros(len(view), dtype=bool)
    for finding in gaps:
        holes |= finding.mask
    for finding in duplicate.detect(view, ledger.rest, settled & ~holes):
        ledger.record(finding)
    doubled = ledger.amounts["duplicate_data"] != 0

    # AJO is the reference of the time-zone fit: its own duplicate copies come off first;
    # a day whose AJO value or AJO neighbours are missing cannot show a swing, nor can a
    # day with a side missing.
    ajo_missing = np.zeros(len(view), dtype=bool)
    for finding in gaps:
        if finding.side == "ajo":
            ajo_missing |= finding.mask
    ajo_copies = np.maximum(ledger.amounts["duplicate_data"], 0)
    reference = replace(
        view,
        ajo=view.ajo - ajo_copies,
        ajo_prev=view.ajo_prev - neighbour(view, ajo_copies, -1),
        ajo_next=view.ajo_next - neighbour(view, ajo_copies, 1),
    )
    whole = ~holes & ~_spread(view, ajo_missing)
    quiet = settled & whole & (view.age >= rules.retry_window_days)
    # The shift is also applied to a day one side reports nothing for, whose zero it may
    # explain (bot.reconcile.zeros: judged in `attribute`), but never fitted there; never
    # to a settled day both report nothing for: nothing left it, nothing reached it.
    empty = settled & (view.ajo == 0) & (view.cja == 0)
    part = timezone.Part(
        metric,
        _fitted(reference),
        ledger.rest.copy(),
        settled & whole,
        zeros.reach(view, gaps, whole) & ~empty,
        quiet,
        tolerance=rules.tolerance_pct / 100,
        empty=empty,
        unfinished=rules.today_unfinished(),
    )
    return Prepared(cells, view, ledger, gaps, holes, doubled, whole, part)


def _fitted(view: CellView) -> CellView:
    """`view` with only what the time-zone fit reads: the journey, the day, its age and
    AJO's three values. A metric's Part outlives its cells (every metric's are fitted
    together, each metric split after), and a column of the cells frame kept its whole
    block of columns alive; the columns the fit never reads are left empty, so that any
    use of them fails rather than reads zeros."""
    unread = np.empty(0, dtype=np.int64)
    return replace(
        view,
        journey=view.journey.copy(),
        cja=unread,
        ajo_rows=unread,
        cja_rows=unread,
        sibling_ajo=unread,
        sibling_cja=unread,
        own_witness=unread,
    )


def time_shifts(parts: Mapping[str, timezone.Part], rules: Rules) -> dict[str, timezone.TimeShift]:
    """The data view's time-zone shift, fitted on every metric's Part at once, per metric."""
    return pooled_time_shifts(parts, rules)[0]


def pooled_time_shifts(
    parts: Mapping[str, timezone.Part], rules: Rules
) -> tuple[dict[str, timezone.TimeShift], ZonePool | None]:
    """`time_shifts`, and the zone figures pooled over every journey (None when no journey
    has a shift)."""
    parts = list(parts.values())
    days = [p.view.day for p in parts if len(p.view)]
    known = None
    if days:
        first = min(d.min() for d in days).item()
        last = max(d.max() for d in days).item()
        known = recorded(rules.calendars, first, last)
    reporting = rules.calendars.reporting if rules.calendars is not None else rules.reporting
    found, pool = timezone.pooled_detect(parts, reporting, known)
    # Where AJO's hourly counts cover a cell's days, its amount is computed, not fitted
    # (in the zone they name, when inferred: chosen over every journey, kept in the pool).
    found, named = hourly.computed(found, parts, rules.hours)
    if not found:
        # The hours refuted the shift the daily numbers suggested: no journey has one.
        return found, None
    if named is not None and pool is not None:
        pool = replace(pool, from_hours=named)
    return found, pool


def time_shifts_from_pool(
    parts: Mapping[str, timezone.Part], rules: Rules, pool: ZonePool | None
) -> dict[str, timezone.TimeShift]:
    """`time_shifts` of some journeys' cells, with `pool`: every journey's zone figures."""
    parts = list(parts.values())
    found = timezone.detect_from(parts, pool)
    named = pool.from_hours if pool is not None else None
    return hourly.computed(found, parts, rules.hours, named)[0]


def attribute(
    cells: pd.DataFrame,
    metric: str,
    rules: Rules,
    retries_measured: bool = True,
    prepared: Prepared | None = None,
    shift: timezone.TimeShift | None = None,
    pool: MetricPool | None = None,
) -> Attribution:
    """Add one column per cause to `cells` (one row per journey and day of one metric).

    `cells` has ajo, cja, day, journey_key, the `*_rows` counts and, for retry-affected
    metrics, ajo_retries: AJO's count of messages in the retry queue for that journey and
    day; `retries_measured` is False when AJO's Retries metric was not stored at all.
    Optional ajo_prev/ajo_next (AJO's value the day before and after) serve the time-zone
    fit at the edges of the range. `prepared` and `shift` come from `prepare` and
    `time_shifts` when every metric of the data view was fitted together; without them the
    time zone is fitted on this metric alone. `pool`: the figures pooled over every
    journey (bot.reconcile.pool), when `cells` are only some journeys'; without it they are
    computed from `cells` and handed back in the Attribution.
    """
    if prepared is None:
        prepared = prepare(cells, metric, rules)
        shift = time_shifts({metric: prepared.zone}, rules).get(metric)
    cells, view, ledger = prepared.cells, prepared.view, prepared.ledger
    gaps, holes, doubled, whole = prepared.gaps, prepared.holes, prepared.doubled, prepared.whole
    documented_lag = view.age < rules.lag_days
    # Days not settled by their journey's channel's window (bot.reconcile.settled): the same
    # days the safe range leaves out.
    lagging = view.age < processing_days(metric, rules, view.journey)
    settled = ~lagging
    young = view.age < rules.retry_window_days
    emptied = np.zeros(len(view), dtype=bool)
    if shift is not None:
        # A hole whose zero the shift explains is the shift's, not missing data.
        amount, gaps, emptied = zeros.judged(
            view, ledger.rest, shift.amount, gaps, pool is not None
        )
        ledger.record(replace(shift, amount=amount))

    volume = np.maximum(view.ajo, view.cja) - np.abs(ledger.amounts["duplicate_data"])
    older = settled & ~young & whole & ~doubled
    share = rules.tolerance_pct / 100
    # Older days that say what is usual: not an outage or a day far off the tolerance.
    typical = older & ~datasource.outliers(ledger.rest, volume, share)
    retry_affected = metric_facts(metric).retry_affected
    # How far CJA got on each day, pooled across journeys: for Sent from its retry-free
    # witnesses; any other metric holds no retries and is its own witness.
    own = replace(view, sibling_ajo=view.ajo, sibling_cja=view.cja)
    reach = pooled(
        view if retry_affected else own,
        typical,
        ledger.amounts["timezone"],
        None if pool is None else pool.reach,
    )
    # The witnesses say a day is still arriving only where history could not say when days
    # settle (bot.reconcile.settled): a learned window has the last word, so the lag step and
    # the safe range never disagree about a day.
    unlearned = ~learned_days(metric, rules, view.journey)
    arriving_on = arriving_days(view, reach, young) if pool is None else pool.arriving_days
    arriving = still_processing(view, reach, young, arriving_on) & ~lagging & ~holes & unlearned
    if not retry_affected:
        arriving &= behind_elsewhere(reach, young)
    lagging = lagging | arriving
    settled = ~lagging
    usual = retries.baseline(view, ledger.rest, older, typical, volume)
    # Retries only on days not settled yet (bot.reconcile.settled): a day the safe range
    # calls settled holds none; and only on journeys of a channel AJO retries (email).
    retrying = young & (view.age < settling_days(metric, rules, view.journey))
    retrying &= retried(rules, view.journey)
    if retry_affected and retries_measured:
        queued = cells["ajo_retries"].to_numpy() if "ajo_retries" in cells else 0 * view.ajo
        if shift is not None:
            # AJO counts a queued send on its own day; CJA will count it on the data view's,
            # where the zone step just moved the share of AJO's sends that leaves the day
            # (queued ones included): the queue moves with them. But a day's queue holds its
            # latest sends far more than its earliest (a send leaves it within hours to
            # days), so which of them the zone moved the day's share does not say: a day
            # keeps AJO's own count where the zone takes from it, and gets what it moves in.
            moved = shift.redated(
                view, queued, _column(cells, "ajo_retries_prev"), _column(cells, "ajo_retries_next")
            )
            queued = np.maximum(queued, moved)
        # A day AJO's own Retries still finds messages of holds them, whatever the window
        # learned from history says (a capture early in today still holds the last sends of
        # the day four days back, inside the 84 hours): the safe range ends before such a
        # day too (bot.reconcile.safe_range, "AJO's retry queue still holds").
        holding = young & retried(rules, view.journey) & (queued > 0)
        ledger.record(
            retries.measured(
                ledger.rest, queued, retrying | holding, usual.rate * volume, usual.spread
            )
        )
    for finding in gaps:
        if finding.mask.any():
            ledger.record(replace(finding, amount=np.where(finding.mask, ledger.rest, 0)))
    volume = volume - np.abs(ledger.amounts["missing_data"])
    # A day the shift emptied (or filled) holds what moved, not a day of the journey's own:
    # like a hole, it says nothing of the journey's usual difference (`holes` and `whole`
    # keep it out of the readings of older days too).
    volume = np.where(emptied, 0, volume)

    inferring = retry_affected and not retries_measured
    if inferring:
        queue_days = (view.age < retries.QUEUE_DAYS) & retrying & ~holes & ~doubled
        witnessed = retries.from_witnesses(
            view,
            ledger.rest,
            queue_days,
            older,
            typical,
            usual.rate * volume,
            ledger.amounts["timezone"],
            reach,
            usual.spread,
            None if pool is None else (pool.drain, pool.shared, pool.own_agrees),
            rules.today_elapsed(),
        )
        found = retries.inferred(
            view,
            ledger.rest,
            window=settled & queue_days,
            usual=usual,
            volume=volume,
            witnessed=witnessed,
            pooled=None if pool is None else pool.retries,
            pool_given=pool is not None,
        )
        if found:
            ledger.record(found)

    # A settled day still gets its last late records: what history shows still to arrive at
    # its age is lag, taken before the data sources' difference is judged on it.
    late = lag.late_records(
        view,
        settled & ~holes & ~doubled & ~unlearned,
        rules,
        None if pool is None else pool.late,
    )
    ledger.record(late)
    band = datasource.band(
        view.journey,
        ledger.rest,
        volume,
        settled,
        rules.tolerance_pct,
        None if pool is None else pool.largest_pct,
    )
    latest = datasource.settled_ratio(view.journey, ledger.rest, volume, settled & ~holes)
    ledger.record(band.finding(band.amount))
    # Days still being processed: the journey's usual difference first (data source when it
    # is inside the band, unexplained when beyond), then lag takes the rest. Beyond the band,
    # the usual difference is the ratio of the journey's latest settled days when that is
    # beyond the tolerance too (a filter from a date on, whose days all stand out).
    unjudged = ~band.within | ~band.judged
    steady = unjudged & (np.abs(np.nan_to_num(latest)) > share)
    rates = np.where(steady, np.nan_to_num(latest), band.rates)
    expected = np.where(lagging & ~holes, np.rint(rates * volume), 0).astype(np.int64)
    # Never more than the day's gap, nor against its sign: the rest is lag's to judge. But
    # lag only ever leaves CJA short: a journey whose CJA usually counts more (a negative
    # rate, the data source's repeats) still does so on a young day whose late records
    # shrank its gap towards zero or past it, so that usual surplus is taken whole and lag
    # gets what it hid (capped at the gap, it left lag nothing wherever the gap, lag less
    # the surplus, came out at or under zero).
    surplus = (expected < 0) & ~steady
    expected = np.where(
        surplus,
        expected,
        np.where(
            np.sign(expected) == np.sign(ledger.rest),
            np.sign(expected) * np.minimum(np.abs(expected), np.abs(ledger.rest)),
            np.where(steady, 0, expected),
        ),
    )
    ledger.record(band.finding(np.where(band.within & ~steady, expected, 0)))
    beyond = np.where(band.within & ~steady, 0, expected)
    ledger.record(unexplained.Unexplained(amount=beyond, volume=volume))
    # Past today, a journey short by far more than the day's other journeys is not lagging;
    # nor yesterday, when the capture was taken only hours after it ended (a journey that
    # sent in its last hours is then far behind the others, and still arriving).
    judged = lagging & ~documented_lag & ~holes
    if rules.yesterday_fresh():
        judged &= view.age != 1
    alone = lag.beyond_others(view, ledger.rest, judged, reach)
    ledger.record(unexplained.Unexplained(amount=alone, volume=volume))
    lagged = lag.detect(
        view,
        ledger.rest,
        lagging & ~holes,
        documented_lag,
        arriving,
        reach,
        None if pool is None else pool.lag,
    )
    ledger.record(lagged)
    ledger.record(unexplained.Unexplained(amount=ledger.rest, volume=volume))

    cells = with_columns(cells, {cause: ledger.amounts[cause] for cause in CAUSES})
    if pool is None:
        pool = MetricPool(
            measured=retries_measured,
            missing=wide_gaps(gaps),
            reach=reach.days,
            arriving_days=arriving_on,
            drain=witnessed.drain if inferring else None,
            shared=witnessed.shared if inferring else None,
            own_agrees=witnessed.own_agrees if inferring else True,
            retries=facts_of(found) if inferring else None,
            largest_pct=band.largest_pct,
            lag=facts_of(lagged),
            late=facts_of(late),
        )
    return Attribution(cells, tuple(ledger.findings), pool)


def wide_gaps(gaps) -> tuple:
    """The missing-data findings whose facts cover every journey (the whole metric, or
    days of any journey), kept for a pool (bot.reconcile.pool)."""
    return tuple(facts_of(f) for f in gaps if f.kind.split("_")[0] in ("metric", "days"))


def _spread(view: CellView, mask: np.ndarray) -> np.ndarray:
    """`mask` and the days next to its days, within the same journey."""
    return mask | neighbour(view, mask, -1) | neighbour(view, mask, 1)


def _column(cells: pd.DataFrame, name: str) -> np.ndarray:
    """A count column of `cells`, zeros where the frame has none."""
    if name not in cells:
        return np.zeros(len(cells), dtype=np.int64)
    return cells[name].to_numpy().astype(np.int64)
