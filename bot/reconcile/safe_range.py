"""The safe date range: the days of a question whose numbers have settled.

When a day has settled is bot.reconcile.settled's to say (the same definition the lag step
and the retries' evidence read): per metric and channel, learned from snapshot history, or
the documented rules (never today, nor the lag window; on email, Sent, Delivered and
Bounces wait for the retry window) when history is too little, in which case the range is
not sure and the reason says so. Where AJO's export carries Retries, Sent's and
Delivered's documented wait ends with the queue instead (bot.reconcile.queue). Within the
window, a day is in the range only if it is final with enough confidence given how many of
its records may still arrive (bot.reconcile.arrival): one late record moves a day of 80
Bounces by more than 0.5 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from bot.formatting import format_day, format_span
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile.arrival import CONFIDENCE, Volumes, finals_until, from_capture
from bot.reconcile.channels import UNKNOWN, retries
from bot.reconcile.result import SafeRange
from bot.reconcile.rules import Rules
from bot.reconcile.settled import (
    TOO_LITTLE_HISTORY,
    LagDays,
    Window,
    _days_old,
    channels_window,
    lag_days_of,
    settle_days,
    window,
    window_of_whom,
)
from bot.reconcile.wording import plural

__all__ = ["TOO_LITTLE_HISTORY", "AnswerRanges", "Window", "safe_range", "settle_days", "window"]


def safe_range(
    metric: str,
    start: date,
    end: date,
    rules: Rules,
    journeys: Iterable[int] | None = None,
    processing: Iterable[date] = (),
    volumes: Volumes | None = None,
) -> SafeRange:
    """The longest range from `start` whose days have all settled, for these journeys
    (every journey the rules know when None), by the rules and history. `processing`: the
    days the same answer calls still being processed (for these journeys); where history
    did not teach the window, the witnesses behind them say which days are not settled yet
    (a learned window already ends before every one of them). `volumes`: AJO's count per
    journey and day for these journeys, to judge how many records may still arrive."""
    return safe_ranges(metric, start, end, rules, [(journeys, processing, volumes)])[0]


def safe_ranges(
    metric: str,
    start: date,
    end: date,
    rules: Rules,
    asked: Sequence[tuple[Iterable[int] | None, Iterable[date], Volumes | None]],
) -> list[SafeRange]:
    """`safe_range` for each of `asked` (journeys, processing, volumes): every journey row
    of an answer at once, the late records' chances of all of them computed together
    (bot.reconcile.arrival.finals_until) rather than a pass per row."""
    windows = _Windows(metric, rules)
    early = [_window_bound(metric, start, rules, journeys, windows) for journeys, _, _ in asked]
    held = _queues_hold(metric, start, rules, [(j, v) for j, _, v in asked], early)
    bounds = [
        _bound(rules, chosen, last_settled, processing)
        for (chosen, last_settled), (_, processing, _) in zip(held, asked, strict=True)
    ]
    judged = [
        i
        for i, ((_, _, volumes), (_, last_settled, _)) in enumerate(zip(asked, bounds, strict=True))
        if volumes is not None and rules.arrivals and start <= last_settled
    ]
    lates = finals_until(
        rules.today,
        start,
        [min(end, bounds[i][1]) for i in judged],
        rules.change_pct,
        rules.arrivals,
        rules.channels,
        [asked[i][2] for i in judged],
        capture_offset(rules),
    )
    for i, late in zip(judged, lates, strict=True):
        if late is not None:
            chosen, _, note = bounds[i]
            seen = "in this capture" if _captured(rules) else "in past snapshots"
            chosen = replace(
                chosen,
                why=f"ends {format_day(late.last)}: {format_day(late.first_unsure)} may still "
                f"get late records ({late.volume:,} {DISPLAY_NAMES[metric]} that day; {seen} "
                f"{late.share:.2%} of records were still to arrive "
                f"{_days_old(late.age)}), so it is not final with "
                f"{CONFIDENCE:.0%} confidence",
            )
            bounds[i] = (chosen, late.last, note)
    return [_ranged(start, end, *bound) for bound in bounds]


class _Windows:
    """`window` of one metric for any journeys, each once per set of channels (and who has
    an unknown one): an answer's journey rows share a few, and finding one per row was a
    quarter of the 13-month question's safe ranges at 1,000 journeys."""

    def __init__(self, metric: str, rules: Rules):
        self.metric, self.rules = metric, rules
        self.found: dict[tuple, Window] = {}

    def __call__(self, journeys: Iterable[int] | None, retried: bool = False) -> Window:
        if self.rules.channels is None:
            return window(self.metric, self.rules, journeys, retried)
        whom = window_of_whom(self.rules, None if journeys is None else list(journeys))
        if (whom, retried) not in self.found:
            self.found[whom, retried] = channels_window(self.metric, self.rules, *whom, retried)
        return self.found[whom, retried]


def _window_bound(
    metric: str,
    start: date,
    rules: Rules,
    journeys: Iterable[int] | None,
    windows: _Windows,
) -> tuple[Window, date]:
    """The window of these journeys and the last day it calls settled, the retry queue's
    emptied days read where the window is the documented one."""
    chosen = windows(journeys)
    last_settled = rules.today - timedelta(days=chosen.days)
    if not chosen.learned:
        chosen, last_settled = _queue_emptied(
            metric, start, rules, journeys, chosen, last_settled, windows
        )
    return chosen, last_settled


def _bound(
    rules: Rules, chosen: Window, last_settled: date, processing: Iterable[date]
) -> tuple[Window, date, str]:
    """The window, the last day it calls settled and the note to say after the reason,
    before the late records are judged (the queue's held days already read)."""
    if not chosen.learned and last_settled > rules.today - timedelta(days=BACKFILL_DAYS):
        last_settled = rules.today - timedelta(days=BACKFILL_DAYS)
        _, _, because = chosen.why.partition(": ")  # the window's own reason, kept
        why = f"ends {format_day(last_settled)}: " + (f"{because}, and " if because else "")
        chosen = replace(chosen, why=why + BACKFILL)
    note = f"; {chosen.note}" if chosen.note else ""
    arriving = [day for day in processing if day <= last_settled]
    if arriving and not chosen.learned:
        first = min(arriving)
        last_settled = first - timedelta(days=WITNESSED_DAYS)
        chosen = replace(
            chosen,
            why=f"ends {format_day(last_settled)}: {format_day(first)} is still being "
            f"processed (CJA still short on it across journeys), and {WITNESSED}",
        )
    return chosen, last_settled, note


def capture_offset(rules: Rules) -> float | None:
    """Hours from today's midnight to the latest capture, counted as the store counts
    history's ages (UTC clock time from the day's date); None when not known."""
    if rules.captured_at is None or rules.captured_at.tzinfo is None:
        return None
    taken = rules.captured_at.astimezone(UTC).replace(tzinfo=None)
    return (taken - datetime.combine(rules.today, time())).total_seconds() / 3600


def _captured(rules: Rules) -> bool:
    """The shares still to arrive were read from the latest capture, not from history."""
    shares = rules.arrivals.get(None)
    return shares is not None and shares.captured


def _ranged(start: date, end: date, chosen: Window, last_settled: date, note: str) -> SafeRange:
    if start > last_settled:
        return SafeRange(
            None,
            None,
            f"every day asked about is still settling; compare days up to "
            f"{format_span(last_settled, last_settled)} instead{note}",
            chosen.sure,
        )
    if end <= last_settled:
        return SafeRange(start, end, f"every day asked about has settled{note}", chosen.sure)
    return SafeRange(start, last_settled, chosen.why + note, chosen.sure)


# Where history taught no window, the documented lag window (today) is not all that may
# still move: CJA ingests an event that reaches it after the end of its day as backfill, at
# lower priority (reference/adobe-data.md §1.2), so yesterday may still get records too.
BACKFILL_DAYS = 2
BACKFILL = (
    "yesterday may still get records too (CJA ingests events that reach it after the end "
    "of their day as backfill, at lower priority)"
)


# Where the witnesses (CJA still short across journeys) say the first day still being
# processed, the day before it is not final either: what a day still owes CJA shrinks day by
# day, and the witnesses see it only once it is large enough to stand out of the data
# source's noise across journeys (a day or more before it is still getting CJA's late
# records, as yesterday is beside the lag window). On the event tuning seeds 1-5, ending the
# day before the witnessed day made 26 of 74 journey rows late and 5 of 15 whole answers
# (docs/evaluation.md).
WITNESSED_DAYS = 2
WITNESSED = "the day before it may still get records too"


# The metrics whose days AJO's retry queue holds back where history taught no window: Sent
# (AJO counts a queued message, CJA writes its record when it leaves the queue) and
# Delivered (what most of the queue ends in). Bounces, a small metric whose day one late
# record of CJA's moves, keep the documented window until history teaches how many may still
# arrive (bot.reconcile.arrival): the queue says nothing of CJA's ingestion.
QUEUE_DECIDES = ("sent", "delivered")


def _queue_emptied(
    metric: str,
    start: date,
    rules: Rules,
    journeys: Iterable[int] | None,
    chosen: Window,
    last_settled: date,
    windows: _Windows,
) -> tuple[Window, date]:
    """Where the documented retry window held these journeys' days back: the days before
    the oldest one AJO's retry queue still holds messages of (its Retries metric) have had
    their retries end. What left the queue just before the capture is as new to CJA as
    today's records, so the range ends the lag window before that oldest day (or the
    window without retries, if that ends sooner). Unchanged when a retried journey's
    export carried no Retries (its queue is not known)."""
    if rules.queue is None or rules.channels is None or metric not in QUEUE_DECIDES:
        return chosen, last_settled
    keys = list(rules.channels) if journeys is None else [int(k) for k in journeys]
    retried = [k for k in keys if any(retries(c) for c in rules.channels.get(k, (UNKNOWN,)))]
    if not retried:
        return chosen, last_settled
    emptied = rules.queue.emptied_until(retried, start)
    if emptied is None:
        return chosen, last_settled
    cleared = windows(journeys, retried=True)
    without = rules.today - timedelta(days=cleared.days)
    end = without if emptied == date.max else min(without, emptied - timedelta(rules.lag_days))
    if end <= last_settled:
        return chosen, last_settled
    if end < without:
        why = (
            f"ends {format_day(end)}: AJO's retry queue still holds messages of "
            f"{format_day(emptied + timedelta(days=1))} (its Retries); the last retries of "
            f"{format_day(emptied)} may have left it just now, still to be processed in CJA"
        )
    else:
        why = f"{cleared.why}; AJO's retry queue holds none of these days' messages"
    return replace(cleared, why=why, note=chosen.note), end


def _queues_hold(
    metric: str,
    start: date,
    rules: Rules,
    rows: Sequence[tuple[Iterable[int] | None, Volumes | None]],
    early: list[tuple[Window, date]],
) -> list[tuple[Window, date]]:
    """`_queue_holds` for each of `rows` (journeys, volumes), from its window and last
    settled day in `early`: the rows of one journey each (an answer's journey rows) all at
    once, each held day of the queue matched with its journey's volume that day in one
    pass; the others (the whole answer's) one by one."""
    if rules.queue is None or rules.channels is None or not metric_facts(metric).retry_affected:
        return early
    held = list(early)
    single: dict[int, int] = {}  # row -> its journey, for rows of one journey
    for i, (journeys, volumes) in enumerate(rows):
        if volumes is None:
            continue
        keys = None if journeys is None else [int(k) for k in journeys]
        if keys is not None and len(keys) == 1 and set(volumes.by_journey) <= set(keys):
            single[i] = keys[0]
        else:
            held[i] = _queue_holds(metric, start, rules, journeys, volumes, *early[i])
    if len(set(single.values())) < len(single):  # a journey in two rows: one by one
        for i in single:
            held[i] = _queue_holds(metric, start, rules, *rows[i], *early[i])
        return held
    for i, (ordinal, count) in _first_held(start, rules, rows, early, single).items():
        held[i] = _held_until(early[i][0], ordinal, count)
    return held


# Packs a row and a day (ordinal) into one integer: date.max is 3,652,059 < 1 << 22.
_DAY_SPAN = 1 << 22


def _first_held(
    start: date,
    rules: Rules,
    rows: Sequence[tuple[Iterable[int] | None, Volumes | None]],
    early: list[tuple[Window, date]],
    single: dict[int, int],
) -> dict[int, tuple[int, int]]:
    """Per row of `single` (row -> its one journey) whose queue holds a day from `start`
    to the row's last settled day beyond the settling threshold of that day's values: the
    oldest such day (ordinal) and the messages held of it. As `_queue_holds` finds it row
    by row: the same sums of the same cells."""
    queue = rules.queue
    picked, keys, lasts, tables = [], [], [], []
    for i, key in single.items():
        retried = any(retries(c) for c in rules.channels.get(key, (UNKNOWN,)))
        table = rows[i][1].by_journey.get(key)
        if retried and table is not None and queue.knows(key):
            picked.append(i)
            keys.append(key)
            lasts.append(early[i][1].toordinal())
            tables.append(table)
    if not picked or not len(queue.key):
        return {}
    # Each held day of the picked journeys, with its row (a journey is in one row).
    keys = np.array(keys, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys[order], queue.key), len(keys) - 1)
    mine = keys[order][at] == queue.key
    row = order[at[mine]]
    day, count = queue.day[mine], queue.count[mine]
    inside = (day >= start.toordinal()) & (day <= np.array(lasts, dtype=np.int64)[row])
    held = (row[inside] * _DAY_SPAN + day[inside], count[inside])
    sort = np.argsort(held[0], kind="stable")  # by row, then day
    code, count = held[0][sort], held[1][sort]
    if not len(code):
        return {}
    # Every held day's values at once (whole records: the float sums are exact), each
    # journey's cells in their order, as row by row.
    cells = np.concatenate(tables, axis=1)
    cell_row = np.repeat(np.arange(len(tables)), [t.shape[1] for t in tables])
    cell_code = cell_row * _DAY_SPAN + cells[0]
    place = np.minimum(np.searchsorted(code, cell_code), len(code) - 1)
    on = code[place] == cell_code
    values = np.bincount(place[on], weights=cells[2][on], minlength=len(code))
    beyond = np.flatnonzero(count > values * rules.change_pct / 100)
    rows_beyond, first = np.unique(code[beyond] // _DAY_SPAN, return_index=True)
    return {
        picked[r]: (int(code[j] % _DAY_SPAN), int(count[j]))
        for r, j in zip(rows_beyond.tolist(), beyond[first].tolist(), strict=True)
    }


def _queue_holds(
    metric: str,
    start: date,
    rules: Rules,
    journeys: Iterable[int] | None,
    volumes: Volumes,
    chosen: Window,
    last_settled: date,
) -> tuple[Window, date]:
    """Sent (AJO counts a queued message, CJA writes its record when it leaves the queue):
    a day whose messages AJO's retry queue still holds more of than the settling threshold
    of its values (0.5 % of both products' together) is not final, whatever the window.
    A window, learned or documented, says how long days kept moving in past snapshots on
    average; the queue is this capture's count of what these days still owe CJA. The range
    ends the day before the oldest such day; unchanged when there is none or the queue of
    some retried journey is not known. (Delivered gets only part of the queue, and cutting
    it too made ranges early on the tuning seeds without making fewer late.)"""
    if rules.queue is None or rules.channels is None or not metric_facts(metric).retry_affected:
        return chosen, last_settled
    keys = list(rules.channels) if journeys is None else [int(k) for k in journeys]
    retried = [k for k in keys if any(retries(c) for c in rules.channels.get(k, (UNKNOWN,)))]
    held = rules.queue.held(retried) if retried else None
    if not held or not volumes.by_journey:
        return chosen, last_settled
    day, _, both = np.concatenate(list(volumes.by_journey.values()), axis=1)
    first, last = start.toordinal(), last_settled.toordinal()
    ordinals = np.fromiter(held, dtype=np.int64, count=len(held))
    counts = np.fromiter(held.values(), dtype=np.int64, count=len(held))
    inside = (ordinals >= first) & (ordinals <= last)
    order = np.argsort(ordinals[inside], kind="stable")
    ordinals, counts = ordinals[inside][order], counts[inside][order]
    if not len(ordinals):
        return chosen, last_settled
    # Every held day's values at once (whole records: the float sums are exact).
    place = np.minimum(np.searchsorted(ordinals, day), len(ordinals) - 1)
    on = ordinals[place] == day
    values = np.bincount(place[on], weights=both[on], minlength=len(ordinals))
    beyond = np.flatnonzero(counts > values * rules.change_pct / 100)
    if not len(beyond):
        return chosen, last_settled
    ordinal = int(ordinals[beyond[0]])
    return _held_until(chosen, ordinal, held[ordinal])


def _held_until(chosen: Window, ordinal: int, count: int) -> tuple[Window, date]:
    """The window ending the day before `ordinal`, whose `count` messages the retry queue
    still holds, and that day before."""
    end = date.fromordinal(ordinal - 1)
    why = (
        f"ends {format_day(end)}: AJO's retry queue still holds "
        f"{plural(count, 'message')} of {format_day(date.fromordinal(ordinal))} "
        "(its Retries), which reach CJA when they leave it"
    )
    return replace(chosen, why=why), end


@dataclass(frozen=True)
class AnswerRanges:
    """One metric's answer's safe ranges for any of its journeys: the days it calls still
    being processed and each journey's volumes, read from its cells once (every journey row,
    the whole answer, the retries' check and the evaluation ask the same question)."""

    metric: str
    rules: Rules
    processing: LagDays
    volumes: Volumes

    @classmethod
    def of_cells(cls, metric: str, rules: Rules, cells: pd.DataFrame) -> AnswerRanges:
        settled = rules.today - timedelta(days=rules.retry_window_days)
        if not any(rules.arrivals.values()):
            # History taught no shares still to arrive: the capture's own (every journey
            # of the answer together) judge its days' late records instead of nothing.
            horizon = max(rules.retry_window_days, rules.lag_days)
            captured = from_capture(cells, rules.today, horizon)
            if captured is not None:
                rules = replace(rules, arrivals={None: captured})
        return cls(metric, rules, lag_days_of(cells), Volumes.of_cells(cells, settled))

    def __call__(self, start: date, end: date, keys: Iterable[int] | None = None) -> SafeRange:
        """The safe range from `start` to `end` of these journeys (every one when None)."""
        keys = None if keys is None else list(keys)
        return self.each(start, end, [keys])[0]

    def each(self, start: date, end: date, rows: Sequence[Iterable[int] | None]) -> list[SafeRange]:
        """`self(start, end, keys)` for each of `rows` (journey keys), all at once."""
        keys = [None if row is None else list(row) for row in rows]
        asked = [(k, self.processing.of(k), self.volumes.of(k)) for k in keys]
        return safe_ranges(self.metric, start, end, self.rules, asked)
