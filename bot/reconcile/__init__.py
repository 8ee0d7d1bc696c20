"""The reconciliation core: a comparison frame and a query in, one result per metric out.

Pure: no Slack, no templates, no I/O. The caller hands it the aggregated frame the store
produced for the query (see bot.store.reader.comparison_frame), ideally a day wider on each
side so the first and last days have neighbours for the time-zone fit, and the snapshot
history (bot.store.reader.settling_history) to learn how long values take to settle.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import TypeVar

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.metrics import METRIC_TABLE, METRICS, metric_facts
from bot.ops.memory import give_back
from bot.query import Query
from bot.reconcile import witnesses
from bot.reconcile.arrival import learn_by_dataset
from bot.reconcile.causes import (
    Attribution,
    Prepared,
    Rules,
    attribute,
    pooled_time_shifts,
    prepare,
    time_shifts_from_pool,
    wide_gaps,
)
from bot.reconcile.detectors import (
    SIDES,
    UNKNOWN_JOURNEY,
    day_codes,
    summed_by_code,
    with_neighbours,
)
from bot.reconcile.evidence import describe
from bot.reconcile.learned import Learned, learned_from
from bot.reconcile.pool import Pool
from bot.reconcile.queue import QUEUE_METRIC, RetryQueue
from bot.reconcile.result import CAUSES, Breakdown, CauseDetail, MetricResult, SafeRange
from bot.reconcile.safe_range import AnswerRanges
from bot.reconcile.settling import learn, learn_channels
from bot.store.calendars import Calendars
from bot.store.hourly import AjoHours

__all__ = [
    "CAUSES",
    "SETTLE_HORIZON_DAYS",
    "Breakdown",
    "CauseDetail",
    "MetricResult",
    "Pool",
    "SafeRange",
    "attributions",
    "metrics_needed",
    "pooled_figures",
    "reconcile",
    "reconcile_pooled",
]


T = TypeVar("T")

# The oldest age, in days, at which snapshot history is read for values still moving.
SETTLE_HORIZON_DAYS = 30

# A frame of at most this many rows (a journey's question, a month of one metric) keeps
# every metric's prepared cells from the time-zone fit to the split, instead of preparing
# them again: a few MB, against a tenth of such an answer's time spent preparing twice.
SMALL_FRAME_ROWS = 100_000


def metrics_needed(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The metrics to read from the store for these: retry-affected ones need AJO's count of
    their retries (and their witnesses, to infer retries when AJO's count is not stored)."""
    if not metrics:
        return ()
    extra = [
        (facts.retry_queue, *facts.witnesses)
        for facts in map(metric_facts, metrics)
        if facts.retry_queue is not None
    ]
    # The metrics retries end in wait for the queue too: its count says when it is empty.
    if any(metric_facts(m).resolves_retries for m in metrics):
        extra.append((QUEUE_METRIC,))
    return tuple(dict.fromkeys((*metrics, *(name for names in extra for name in names))))


def rules_for(
    metric: str,
    settings: Settings,
    today: date,
    history: pd.DataFrame | None = None,
    calendars: Calendars | None = None,
    channels: Mapping[int, tuple[str, ...]] | None = None,
    arrivals: Mapping | None = None,
    queue: RetryQueue | None = None,
    hours: AjoHours | None = None,
    captured_at: datetime | None = None,
    learned: Learned | None = None,
) -> Rules:
    """`arrivals`: the shares still to arrive per dataset (bot.reconcile.arrival), when
    already learned for another metric of the same answer; `metric` takes its dataset's.
    `queue`: AJO's retry queue per journey and day, when its export carried it.
    `hours`: AJO's hourly counts, when a Query Service pull kept them.
    `captured_at`: when CJA's latest numbers were captured, when known.
    `learned`: what was learned before from this `history` (bot.reconcile.learned)."""
    # One threshold for every window (bot.reconcile.settled): the lag step's days and the
    # safe range's are the same days.
    change_pct = settings.settle_change_pct
    once = learned.get if learned is not None else _now
    settling = (
        once(("settling", metric, change_pct), lambda: learn(history, metric, change_pct))
        if history is not None
        else None
    )
    only = _only(channels)
    return Rules(
        calendars=calendars,
        reporting=settings.timezone,
        today=today,
        lag_days=settings.lag_days,
        retry_window_days=settings.retry_window_days,
        tolerance_pct=settings.tolerance_for(metric),
        settling=settling,
        channels=channels,
        by_channel=once(
            ("channels", metric, change_pct, only),
            lambda: learn_channels(history, metric, change_pct, only),
        )
        if channels is not None
        else {},
        safe_settling=settling if channels is not None else None,
        arrivals=(arrivals if arrivals is not None else _arrivals(settings, history, channels)).get(
            metric_facts(metric).dataset.name, {}
        ),
        change_pct=change_pct,
        queue=queue,
        hours=hours,
        captured_at=captured_at,
    )


def _arrivals(
    settings: Settings, history: pd.DataFrame | None, channels, learned: Learned | None = None
) -> dict:
    """What history says of the records still to arrive at each age, per dataset."""
    horizon = max(settings.retry_window_days, settings.lag_days)
    only = _only(channels)
    once = learned.get if learned is not None else _now
    return once(("arrivals", horizon, only), lambda: learn_by_dataset(history, horizon, only))


def _now(key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, with nothing learned before to look it up in."""
    return compute()


def _only(channels: Mapping[int, tuple[str, ...]] | None) -> str:
    """The one channel every journey has, if so: the channel of series naming none (a CJA
    export seldom names it); '' otherwise."""
    found = set((channels or {}).values())
    return found.pop()[0] if len(found) == 1 and len(next(iter(found))) == 1 else ""


def attributions(
    frame: pd.DataFrame,
    query: Query,
    today: date,
    settings: Settings,
    history: pd.DataFrame | None = None,
    calendars: Calendars | None = None,
    channels: Mapping[int, tuple[str, ...]] | None = None,
    hours: AjoHours | None = None,
    captured_at: datetime | None = None,
) -> dict[str, tuple[Rules, Attribution]]:
    """Per metric of the query: its rules and its cells split into causes (one per journey
    and day of the query's range). `reconcile` summarizes these; the evaluation scores them.
    `calendars` (the time zones the days are in) and `channels` (each journey's channels,
    bot.reconcile.channels.journey_channels) reach every metric's Rules, and so do `hours`
    (AJO's hourly counts from Query Service pulls: the time-zone shift is computed from
    them where they cover the days), and `captured_at` (when CJA's latest numbers were
    captured, when known).
    """
    return _attributions(
        frame,
        query,
        today,
        settings,
        history,
        calendars,
        channels,
        hours=hours,
        captured_at=captured_at,
    )[0]


def pooled_figures(
    frame: pd.DataFrame,
    query: Query,
    today: date,
    settings: Settings,
    history: pd.DataFrame | None = None,
    calendars: Calendars | None = None,
    channels: Mapping[int, tuple[str, ...]] | None = None,
    hours: AjoHours | None = None,
    captured_at: datetime | None = None,
) -> Pool:
    """The figures the diagnosis pools over every journey of `frame` (every stored one),
    for `reconcile` to split any journeys' cells with exactly as with all of them in view
    (bot.reconcile.pool). As costly as the all-journeys split: computed once per store
    version, range and metrics, and cached (bot.answers.service)."""
    return _attributions(
        frame,
        query,
        today,
        settings,
        history,
        calendars,
        channels,
        hours=hours,
        captured_at=captured_at,
    )[1]


def _attributions(
    frame: pd.DataFrame,
    query: Query,
    today: date,
    settings: Settings,
    history: pd.DataFrame | None = None,
    calendars: Calendars | None = None,
    channels: Mapping[int, tuple[str, ...]] | None = None,
    given: Pool | None = None,
    each: Callable[[str, Rules, Attribution], object] | None = None,
    hours: AjoHours | None = None,
    captured_at: datetime | None = None,
) -> tuple[dict[str, object], Pool]:
    """`attributions` and the pool they were split with: found over `frame` or, `given`,
    every journey's for a frame of some journeys' cells. `each(metric, rules, attribution)`,
    when given, is what is kept per metric instead of (rules, attribution): a caller that
    only needs a summary lets each metric's cells and findings go before the next metric's
    are split (the 13-month question's peak held every metric's at once).

    Memory: one metric's rows are copied out of `frame` at a time. The time-zone fit needs
    every metric at once, but only what it reads of each (`Part`): each metric is prepared
    for it and let go, then prepared again when it is split (the same numbers: `prepare`
    is deterministic), the last one too, but in a small frame, whose metrics' prepared cells
    are all kept (`SMALL_FRAME_ROWS`). Holding every metric's prepared cells through the fit
    was the 13-month question's peak."""
    start, end = pd.Timestamp(query.start), pd.Timestamp(query.end)
    in_range = ((frame["day"] >= start) & (frame["day"] <= end)).to_numpy()
    # Positions of each metric's rows, in frame order: a metric's rows are copied out
    # when it is prepared (a copy of every metric's at once was the frame over again).
    positions = frame.groupby("metric", sort=False).indices
    if given is None:
        present = set(frame["metric"].to_numpy()[in_range])
        reported = tuple(m.name for m in METRIC_TABLE if m.name in present and not m.evidence_only)
    else:
        reported = given.reported
    empty = frame.iloc[:0]

    def rows_of(metric: str) -> pd.DataFrame:
        where = positions.get(metric)
        cells = with_neighbours(empty if where is None else frame.iloc[where])
        day = cells["day"].to_numpy()  # compared as an array: a Series' operators cost more
        return cells.loc[(day >= start.to_datetime64()) & (day <= end.to_datetime64())]

    learned = learned_from(history)
    history = learned.plain
    arrivals = _arrivals(settings, history, channels, learned)
    retry_queue = RetryQueue.of_frame(frame)
    asked = tuple(dict.fromkeys(query.metrics or reported))
    rules = {
        m: rules_for(
            m,
            settings,
            today,
            history,
            calendars,
            channels,
            arrivals,
            retry_queue,
            hours,
            captured_at,
            learned,
        )
        for m in asked
    }
    measured = {}

    def prepared(metric: str) -> Prepared:
        cells = rows_of(metric)
        queue = metric_facts(metric).retry_queue
        if queue is not None:
            # The rows of the range this metric's retries and witnesses are read from (in
            # frame order, as a mask over every row keeps them).
            names = [metric, queue, *metric_facts(metric).witnesses]
            inside = frame.loc[in_range & frame["metric"].isin(names).to_numpy()]
            retries = inside.loc[
                inside["metric"] == queue, ["journey_key", "day", "ajo", "ajo_rows"]
            ]
            if given is None:
                measured[metric] = bool((retries["ajo_rows"] > 0).any())
            else:
                measured[metric] = given.metrics[metric].measured
            cells = cells.merge(
                retries[["journey_key", "day", "ajo"]].rename(columns={"ajo": "ajo_retries"}),
                on=["journey_key", "day"],
                how="left",
            ).fillna({"ajo_retries": 0})
            older = pd.Timestamp(today) - pd.Timedelta(days=settings.retry_window_days)
            cells = cells.merge(
                witnesses.summed(inside, metric, older), on=["journey_key", "day"], how="left"
            ).fillna({"sibling_ajo": 0, "sibling_cja": 0, "own_witness": 0})
            # Set in place on the merge's own frame: a copy of a 13-month question's Sent
            # cells to add them was its peak (1,107 MB at 1,000 journeys).
            for column, values in _neighbouring_queue(cells, frame, queue).items():
                cells[column] = values
        gaps = None if given is None else given.metrics[metric].missing
        return prepare(cells, metric, rules[metric], gaps)

    # One data view, one zone: the time-zone shift is fitted on every metric at once (the
    # other metrics in the frame too: they are in the same data view). What the fit reads
    # of the others; their missing data for the pool.
    extra, extra_gaps = {}, {}
    for metric in reported:
        if metric not in rules and metric in positions:
            other = rules_for(
                metric, settings, today, history, calendars, arrivals={}, learned=learned
            )
            gaps = None if given is None else given.extra[metric]
            ready = prepare(rows_of(metric), metric, other, gaps)
            extra[metric], extra_gaps[metric] = ready.zone, wide_gaps(ready.gaps)
            del ready
    small = len(frame) <= SMALL_FRAME_ROWS
    parts, ready_cells = {}, {}  # every metric's prepared cells, kept where the frame is small
    for metric in asked:
        ready = prepared(metric)
        parts[metric] = ready.zone
        if small:
            ready_cells[metric] = ready
        del ready
    if not small:
        # The fit's arrays are the answer's peak: the heap that preparing freed is handed
        # back first (about 160 MB of it kept at 1,000 journeys, in pieces the fit's do not
        # reuse).
        give_back()
    shifts, zone = {}, None
    if asked:
        if given is None:
            shifts, zone = pooled_time_shifts(parts | extra, rules[asked[0]])
        else:
            shifts = time_shifts_from_pool(parts | extra, rules[asked[0]], given.zone)
            zone = given.zone
    del parts, extra
    # Each metric is prepared again to be split (none's cells are held through the fit),
    # but in a small frame, where preparing again cost more than keeping them.
    result, pools = {}, {}
    for metric in asked:
        ready = ready_cells.pop(metric, None)
        ready = ready if ready is not None else prepared(metric)
        attribution = attribute(
            ready.cells,
            metric,
            rules[metric],
            measured.get(metric, True),
            prepared=ready,
            shift=shifts.pop(metric, None),
            pool=None if given is None else given.metrics[metric],
        )
        del ready
        pools[metric] = attribution.pool
        kept_result = (rules[metric], attribution)
        result[metric] = kept_result if each is None else each(metric, *kept_result)
        del attribution, kept_result
    result = {m: result[m] for m in asked}
    if given is None:
        pools = {m: pools[m] for m in asked}
        given = Pool(reported=reported, zone=zone, metrics=pools, extra=extra_gaps)
    return result, given


def reconcile(
    frame: pd.DataFrame,
    query: Query,
    journey_names: Mapping[int, str],
    today: date,
    settings: Settings,
    history: pd.DataFrame | None = None,
    calendars: Calendars | None = None,
    journeys: Collection | None = None,
    channels: Mapping[int, tuple[str, ...]] | None = None,
    pool: Pool | None = None,
    hours: AjoHours | None = None,
    captured_at: datetime | None = None,
) -> tuple[MetricResult, ...]:
    """Compare AJO and CJA for each metric of the query and explain every difference.

    `frame` may reach one day beyond the query on each side (neighbours for the time-zone
    fit; never reported). `history` is the snapshot history; None means none was consulted
    and the documented rules apply silently. `calendars` says which time zone each
    source's days are in, when known (handed to the causes through their Rules).
    `journeys` (keys), when given, are the ones to report: the frame holds every journey
    and the split is made with all of them in view, so a journey's answer is exactly its
    row of the all-journeys answer (retry readings and rates are pooled across journeys).
    `channels` (journey key -> its channels) lets each journey's safe range follow its own
    channel (SMS and push never wait for email's retries); None: every journey gets the
    metric's documented windows. `pool` (bot.reconcile.pool, `pooled_figures` over every
    journey's frame) lets `frame` hold only the `journeys` asked about: the answer is the
    same, read from their cells alone. `hours`: AJO's hourly counts (Query Service pulls),
    from which the time-zone shift is computed where they cover the days. `captured_at`:
    when CJA's latest numbers were captured, when known (a capture taken only hours after
    yesterday ended does not judge yesterday's journeys against each other).
    """
    return reconcile_pooled(
        frame, query, journey_names, today, settings, history, calendars, journeys, channels,
        pool, hours, captured_at,
    )[0]  # fmt: skip


def reconcile_pooled(
    frame: pd.DataFrame,
    query: Query,
    journey_names: Mapping[int, str],
    today: date,
    settings: Settings,
    history: pd.DataFrame | None = None,
    calendars: Calendars | None = None,
    journeys: Collection | None = None,
    channels: Mapping[int, tuple[str, ...]] | None = None,
    pool: Pool | None = None,
    hours: AjoHours | None = None,
    captured_at: datetime | None = None,
) -> tuple[tuple[MetricResult, ...], Pool]:
    """`reconcile`, and the pool it split with: with every journey's frame, the figures a
    question about any journeys can be answered with later (`pool` for `reconcile`), at no
    cost beyond this answer's."""
    start, end = pd.Timestamp(query.start), pd.Timestamp(query.end)
    inside = ((frame["day"] >= start) & (frame["day"] <= end)).to_numpy()
    if journeys is not None:
        inside = inside & frame["journey_key"].isin(list(journeys)).to_numpy()
    zero_metrics = _zero_metrics(frame, inside)

    def summarized(metric: str, rules: Rules, attribution: Attribution) -> MetricResult:
        if journeys is not None:
            attribution = attribution.only(journeys)
        details = describe(metric, attribution, rules, journey_names, zero_metrics)
        return _summarize(metric, attribution, journey_names, query, rules, details)

    results, pool = _attributions(
        frame,
        query,
        today,
        settings,
        history,
        calendars,
        channels,
        pool,
        summarized,
        hours,
        captured_at,
    )
    return tuple(results.values()), pool


def _zero_metrics(
    frame: pd.DataFrame, inside: np.ndarray
) -> dict[tuple[int, str], tuple[str, ...]]:
    """Per (journey, side): the metrics that side reports nothing for while the other does,
    over the rows `inside` (a mask over `frame`'s: a filtered copy of every row and a
    group-by over it raised the 13-month question's peak by a quarter at 1,000 journeys).
    The totals are sums of integer counts, exact in floats (far below 2**53)."""
    journey = frame["journey_key"].to_numpy()
    values = {side: frame[side].to_numpy() for side in SIDES}
    found: dict[tuple[int, str], list[str]] = {}
    for metric, where in frame.groupby("metric", sort=False).indices.items():
        where = where[inside[where]]
        keys, ids = np.unique(journey[where], return_inverse=True)
        totals = {
            side: np.bincount(ids.reshape(-1), values[side][where].astype(float), len(keys))
            for side in SIDES
        }
        for side in SIDES:
            other = "cja" if side == "ajo" else "ajo"
            zero = (totals[side] == 0) & (totals[other] > 0)
            for key in keys[zero].tolist():
                found.setdefault((key, side), []).append(metric)
    order = {m: i for i, m in enumerate(METRICS)}
    return {k: tuple(sorted(names, key=order.__getitem__)) for k, names in found.items()}


# The columns a breakdown row sums, in the order of `_summed`'s columns.
_SUMMED = ("ajo", "cja", *CAUSES)


def _summed(cells: pd.DataFrame) -> np.ndarray:
    """[cell, column] int64: each cell's AJO and CJA values and what each cause took, read
    from the frame once for the totals, the day rows and the journey rows (column by
    column: selecting several columns of a frame costs more than reading each)."""
    if not len(cells):
        return np.zeros((0, len(_SUMMED)), dtype=np.int64)
    return np.column_stack([cells[column].to_numpy(np.int64) for column in _SUMMED])


def _breakdowns(
    cells: pd.DataFrame,
    by: str,
    values: np.ndarray,
    safe=None,
    names: Mapping[int, str] | None = None,
) -> list[Breakdown]:
    """Rows per day or journey (named by `names`), in label order, summing `values`
    (`_summed`); `safe` (each row's journey keys -> their SafeRanges, all rows at once)
    gives each journey row its own safe range. Summed with numpy over the cells sorted by
    label once: pandas' grouping cost more than the diagnosis for a 13-month answer."""
    if not len(cells):
        return []
    labels, inverse = _labelled(cells, by, names)
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
    sums = np.add.reduceat(values[order], starts, axis=0).tolist()
    ends = [*starts[1:].tolist(), len(order)]
    ranges = [None] * len(labels)
    if safe is not None:
        keys = cells["journey_key"].to_numpy()[order]
        # A row of one journey (a name several journeys share holds more) reads its key.
        changed = np.r_[False, keys[1:] != keys[:-1]].astype(np.int64)
        mixed = np.add.reduceat(changed, starts) - changed[starts] > 0
        ranges = safe(
            [
                pd.unique(keys[first:last]) if several else keys[first : first + 1]
                for first, last, several in zip(starts.tolist(), ends, mixed.tolist(), strict=True)
            ]
        )
    rows = []
    for label, row, found in zip(labels, sums, ranges, strict=True):
        text = str(label.astype("datetime64[D]")) if by == "day" else str(label)
        rows.append(
            Breakdown(
                label=text,
                ajo=row[0],
                cja=row[1],
                causes=dict(zip(CAUSES, row[2:], strict=True)),
                safe_range=found,
            )
        )
    return rows


def _labelled(
    cells: pd.DataFrame, by: str, names: Mapping[int, str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The sorted labels of `cells[by]` (for "journey", the `names` of the journey keys)
    and each cell's place among them. A journey's name is the same on all its cells: the
    names of the distinct keys are sorted, not one string per cell (sorting Python strings
    was a second per 13-month answer)."""
    if by != "journey":
        labels, inverse = np.unique(cells[by].to_numpy(), return_inverse=True)
        return labels, inverse.reshape(-1)
    keys, by_key = np.unique(cells["journey_key"].to_numpy(), return_inverse=True)
    named = [(names or {}).get(key, UNKNOWN_JOURNEY) for key in keys.tolist()]
    labels, of_key = np.unique(np.array(named, dtype=object), return_inverse=True)
    return labels, of_key.reshape(-1)[by_key.reshape(-1)]


def _summarize(
    metric: str,
    attribution: Attribution,
    journey_names: Mapping[int, str],
    query: Query,
    rules: Rules,
    details: tuple[CauseDetail, ...],
) -> MetricResult:
    cells = attribution.cells
    values = _summed(cells)
    sums = dict(zip(_SUMMED, values.sum(axis=0).tolist(), strict=True))
    totals = {cause: sums[cause] for cause in CAUSES}

    ranges = AnswerRanges.of_cells(metric, rules, cells)  # once: every journey row reads it

    def safe(keys=None) -> SafeRange:
        return ranges(query.start, query.end, keys)

    def each(rows) -> list[SafeRange]:
        return ranges.each(query.start, query.end, rows)

    by_journey = _breakdowns(cells, "journey", values, each, journey_names)
    # Journeys with the most unexplained difference first: that is where to look.
    by_journey.sort(key=lambda b: (-abs(b.causes["unexplained"]), -abs(b.delta), b.label))
    day = cells["day"].to_numpy().astype("datetime64[D]")
    cause_days = {
        cause: tuple(d.item() for d in np.unique(day[values[:, column] != 0]))
        for column, cause in enumerate(_SUMMED)
        if cause in CAUSES
    }
    return MetricResult(
        metric=metric,
        ajo=sums["ajo"],
        cja=sums["cja"],
        causes=totals,
        by_day=tuple(_breakdowns(cells, "day", values)),
        by_journey=tuple(by_journey),
        # The journeys reported (a journey asked about alone: its row's range).
        safe_range=safe(cells["journey_key"].unique() if len(cells) else None),
        tolerance_pct=rules.tolerance_pct,
        cause_days=cause_days,
        details=details,
    )


def _neighbouring_queue(
    cells: pd.DataFrame, frame: pd.DataFrame, queue: str
) -> dict[str, np.ndarray]:
    """Per cell, ajo_retries_prev and ajo_retries_next: AJO's Retries of the journey's
    day before and after, beyond the range's edges too (the frame reaches a day further
    on each side), for a time-zone shift to move the queue to the data view's days. Looked
    up by binary search on one integer code per (journey, day), as `with_neighbours` does."""
    # Compared as a categorical (its codes): to_numpy() would be an object per row of
    # the whole frame, 160 MB at 13 months of 1,000 journeys.
    rows = frame.loc[(frame["metric"] == queue).to_numpy()]
    keys, _, sums = summed_by_code(day_codes(rows), rows["ajo"].fillna(0).to_numpy())
    wanted = day_codes(cells)
    added = {}
    for column, step in (("ajo_retries_prev", -1), ("ajo_retries_next", 1)):
        where = np.minimum(np.searchsorted(keys, wanted + step), max(len(keys) - 1, 0))
        found = keys[where] == wanted + step if len(keys) else np.zeros(len(wanted), dtype=bool)
        added[column] = np.where(found, sums[where] if len(keys) else 0, 0).astype(np.int64)
    return added
