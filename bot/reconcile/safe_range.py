"""The safe date range: the days of a question whose numbers have settled.

When a day has settled is bot.reconcile.settled's to say (the same definition the lag step
and the retries' evidence read): per metric and channel, learned from snapshot history, or
the documented rules (never today, nor the lag window; on email, Sent, Delivered and
Bounces wait for the retry window) when history is too little, in which case the range is
not sure and the reason says so. Within the window, a day is in the range only if it is
final with enough confidence given how many of its records may still arrive
(bot.reconcile.arrival): one late record moves a day of 80 Bounces by more than 0.5 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from bot.formatting import format_day, format_span
from bot.metrics import DISPLAY_NAMES
from bot.reconcile.arrival import CONFIDENCE, Volumes, final_until
from bot.reconcile.result import SafeRange
from bot.reconcile.rules import Rules
from bot.reconcile.settled import TOO_LITTLE_HISTORY, Window, _days_old, settle_days, window

__all__ = ["TOO_LITTLE_HISTORY", "Window", "safe_range", "settle_days", "window"]


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
    chosen = window(metric, rules, journeys)
    note = f"; {chosen.note}" if chosen.note else ""
    last_settled = rules.today - timedelta(days=chosen.days)
    arriving = [day for day in processing if day <= last_settled]
    if arriving and not chosen.learned:
        first = min(arriving)
        last_settled = first - timedelta(days=1)
        chosen = replace(
            chosen,
            why=f"ends {format_day(last_settled)}: {format_day(first)} is still being "
            "processed (CJA still short on it across journeys)",
        )
    if volumes is not None and rules.arrivals and start <= last_settled:
        late = final_until(
            rules.today,
            start,
            min(end, last_settled),
            rules.change_pct,
            rules.arrivals,
            rules.channels,
            volumes,
        )
        if late is not None:
            last_settled = late.last
            chosen = replace(
                chosen,
                why=f"ends {format_day(late.last)}: {format_day(late.first_unsure)} may still "
                f"get late records ({late.volume:,} {DISPLAY_NAMES[metric]} that day; in past "
                f"snapshots {late.share:.2%} of records were still to arrive "
                f"{_days_old(late.age)}), so it is not final with "
                f"{CONFIDENCE:.0%} confidence",
            )

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
