"""The safe date range: the days of a question whose numbers have stopped moving.

The documented rules are the floor: never today (nor the lag window). Retries only hold
back the channels AJO retries (email; bot.reconcile.channels): on those, Sent (AJO counts a
message at its first attempt, CJA once it leaves the retry queue) and the metrics retries
end in (Delivered, Bounces) wait for the retry window, and SMS and push journeys are safe
as soon as their lag allows. A journey whose channel is unknown is counted as email, and
the reason says so.

Snapshot history of a channel's own series, when there is enough of it in both products,
decides that channel's window for a metric: how long its values kept moving by more than
SAFE_CHANGE_PCT (retries and CJA's ingestion delay together), never less than the lag
window. CJA's exports seldom name the channel; its unnamed series count as a channel's
only when every journey has that one channel. Without enough of it the documented rules
apply, lengthened (never shortened) by what every channel's history together shows, and
the reason says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.formatting import format_span
from bot.metrics import metric_facts
from bot.reconcile.channels import UNKNOWN, channels_of, retries
from bot.reconcile.result import SafeRange
from bot.reconcile.rules import Rules
from bot.reconcile.settling import Settling, SourceSettling

TOO_LITTLE_HISTORY = "documented rules: too little snapshot history yet to learn when values settle"
# The product whose values arrive late: a channel's history must include its values.
MOVING_SOURCE = "cja"
UNKNOWN_CHANNEL = "no export names {whose} channel, so it is counted as email, which AJO retries"


@dataclass(frozen=True)
class Window:
    """How many days old a day must be to have settled, and the reason to give."""

    days: int
    why: str
    # Said after the reason when the documented rules apply because history was too little.
    note: str = ""


def _days_back(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days back"


def _days_old(days: int) -> str:
    return "1 day old" if days == 1 else f"{days} days old"


def _waits_for_retries(metric: str) -> bool:
    facts = metric_facts(metric)
    return facts.retry_affected or facts.resolves_retries


def _documented(days: int, why: str, rules: Rules, channel: str | None = None) -> Window:
    """The documented window, made longer when every channel's history together shows
    values moving longer; noting when history was too little to learn from."""
    settling = rules.settling
    note = ""
    if settling is not None and settling.consulted:
        if not settling.enough:
            note = TOO_LITTLE_HISTORY
        elif channel is not None and rules.by_channel:
            whose = f"{channel} journeys" if channel else "journeys of unknown channel"
            note = TOO_LITTLE_HISTORY.replace("history", f"history of {whose}")
    slowest = settling.slowest if settling else None
    if slowest is None or slowest.settle_days <= days:
        return Window(days, why, note)
    days = slowest.settle_days
    return Window(
        days,
        f"ends {_days_back(days)}: in past snapshots {slowest.name}'s values kept moving "
        f"until {_days_old(slowest.moving_until or 0)}",
        note,
    )


def _legacy(metric: str, rules: Rules) -> Window:
    """The metric's windows when the caller did not look up channels: Sent waits for the
    retry window on every journey."""
    if metric_facts(metric).retry_affected:
        days = max(rules.retry_window_days, rules.lag_days)
        return _documented(days, f"ends {_days_back(days)}, after retries converge", rules)
    days = rules.lag_days
    why = f"ends {_days_back(days)}: the latest days are still being processed"
    return _documented(days, why, rules)


def _covering(settling: Settling | None, rules: Rules) -> SourceSettling | None:
    """The slowest source of `settling` when CJA's values (and any other source's seen) were
    seen at every age up to the retry window (else a value still moving there could not
    have shown); None when they were not. CJA's exports seldom name the channel, and AJO's
    values alone (which do not move) would call any channel settled at once."""
    seen = [s for s in settling.sources if s.series] if settling is not None else []
    horizon = max(rules.retry_window_days, rules.lag_days)
    if MOVING_SOURCE not in {s.source for s in seen} or not all(s.covers(horizon) for s in seen):
        return None
    return max(seen, key=lambda s: (s.settle_days, s.source == "cja"))


def _learned(metric: str, channel: str, rules: Rules) -> Window | None:
    """The window history decides for a channel: its own series' history, else every
    channel's together; None when neither saw enough."""
    slowest = _covering(rules.by_channel.get(channel), rules)
    if slowest is not None:
        whose = (
            f"for {channel} journeys" if channel != UNKNOWN else "for journeys of unknown channel"
        )
    else:
        slowest = _covering(rules.safe_settling, rules)
        whose = "of every channel together"
    if slowest is None:
        return None
    if slowest.settle_days > rules.lag_days:
        days = slowest.settle_days
        return Window(
            days,
            f"ends {_days_back(days)}: in past snapshots {slowest.name}'s values {whose} "
            f"kept moving until {_days_old(slowest.moving_until or 0)}",
        )
    days = rules.lag_days
    settled = "before that" if not _waits_for_retries(metric) else "sooner than retries could"
    return Window(
        days,
        f"ends {_days_back(days)}: the latest days are still being processed; in past "
        f"snapshots the values {whose} settled {settled}",
    )


def _channel_window(metric: str, channel: str, rules: Rules, whose: str) -> Window:
    """One channel's window for `metric`; `whose` names who has an unknown channel."""
    learned = _learned(metric, channel, rules)
    if learned is not None:
        return learned
    waits = _waits_for_retries(metric) and retries(channel)
    if waits:
        days = max(rules.retry_window_days, rules.lag_days)
        why = f"ends {_days_back(days)}, after retries converge"
        if channel == UNKNOWN:
            why += f" ({UNKNOWN_CHANNEL.format(whose=whose)})"
        return _documented(days, why, rules, channel)
    days = rules.lag_days
    why = f"ends {_days_back(days)}: the latest days are still being processed"
    if _waits_for_retries(metric) and not retries(channel):
        why += f" ({channel} is not retried, so it does not wait for retries)"
    return _documented(days, why, rules, channel)


def window(metric: str, rules: Rules, journeys: Iterable[int] | None = None) -> Window:
    """The window of `metric` for these journeys (every journey the rules know when None):
    the slowest of their channels'."""
    if rules.channels is None:
        return _legacy(metric, rules)
    keys = None if journeys is None else list(journeys)
    channels = channels_of(rules.channels, keys) or (UNKNOWN,)
    whose = "its" if keys is not None and len(keys) == 1 else "a journey's"
    windows = [_channel_window(metric, channel, rules, whose) for channel in channels]
    # The slowest; on a tie, the reason that names an unknown channel.
    return max(windows, key=lambda w: (w.days, "counted as email" in w.why))


def settle_days(metric: str, rules: Rules) -> int:
    """The age, in days, from which a day of `metric` has settled for every journey (alerts
    judge only those: a day younger than this, in either product's capture, may move)."""
    return window(metric, rules).days


def safe_range(
    metric: str, start: date, end: date, rules: Rules, journeys: Iterable[int] | None = None
) -> SafeRange:
    """The longest range from `start` whose days have all settled, for these journeys
    (every journey the rules know when None), by the rules and history."""
    chosen = window(metric, rules, journeys)
    note = f"; {chosen.note}" if chosen.note else ""
    last_settled = rules.today - timedelta(days=chosen.days)

    if start > last_settled:
        return SafeRange(
            None,
            None,
            f"every day asked about is still settling; compare days up to "
            f"{format_span(last_settled, last_settled)} instead{note}",
        )
    if end <= last_settled:
        return SafeRange(start, end, f"every day asked about has settled{note}")
    return SafeRange(start, last_settled, chosen.why + note)
