"""When a day of a metric has settled: the one definition the lag step, the retries'
evidence and the safe range all read, so an answer never calls a day both still moving and
safe to compare.

A day of a metric has settled, for a journey, once it is as old as its channel's window:

- learned, when there is enough snapshot history: how long the values of that metric and
  channel kept moving by more than the settling threshold (PARITY_SETTLE_CHANGE_PCT;
  bot.reconcile.settling), retries and CJA's ingestion delay together, never less than the
  documented lag window. A channel's own series decide when they were seen at every age up
  to the retry window, else every channel's together;
- documented, when there is not: the lag window (today), lengthened by whatever history
  there is, and on a channel AJO retries (email) for Sent and the metrics retries end in
  (Delivered, Bounces), the retry window. The answer then says the window is not learned.

`processing` is the part of the window in which the latest days are still being processed
(the lag step's days): the learned window, or the documented lag window; the documented
retry window only holds back a retried channel's days for its retries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from bot.metrics import metric_facts
from bot.reconcile.channels import UNKNOWN, channels_of, retries
from bot.reconcile.rules import Rules
from bot.reconcile.settling import Settling, SourceSettling

TOO_LITTLE_HISTORY = "documented rules: too little snapshot history yet to learn when values settle"
# The product whose values arrive late: a channel's history must include its values.
MOVING_SOURCE = "cja"
ALL_CHANNELS = "of every channel together"
UNKNOWN_CHANNEL = "no export names {whose} channel, so it is counted as email, which AJO retries"


@dataclass(frozen=True)
class Window:
    """How many days old a day must be to have settled, and the reason to give."""

    days: int
    why: str
    # Said after the reason when the documented rules apply because history was too little.
    note: str = ""
    # Days in which the latest days are still being processed (the lag step's window).
    processing: int = 0
    # The history that set `processing` beyond the documented lag window, and whose values
    # it was ("for email journeys", "of every channel together"); None when none did.
    learned_from: SourceSettling | None = None
    whose: str = ""
    # Learned from history that saw every age up to the retry window (else documented).
    learned: bool = False

    @property
    def sure(self) -> bool:
        """Learned from enough history, or no history was consulted at all."""
        return not self.note


def _days_back(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days back"


def _days_old(days: int) -> str:
    return "1 day old" if days == 1 else f"{days} days old"


def waits_for_retries(metric: str) -> bool:
    """Sent (AJO counts a queued retry) and the metrics retries end in."""
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
    processing, learned_from = rules.lag_days, None
    if slowest is not None and slowest.settle_days > rules.lag_days:
        processing, learned_from = slowest.settle_days, slowest
    if slowest is None or slowest.settle_days <= days:
        return Window(days, why, note, processing, learned_from, ALL_CHANNELS)
    days = slowest.settle_days
    return Window(
        days,
        f"ends {_days_back(days)}: in past snapshots {slowest.name}'s values kept moving "
        f"until {_days_old(slowest.moving_until or 0)}",
        note,
        processing,
        learned_from,
        ALL_CHANNELS,
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
        whose = ALL_CHANNELS
    if slowest is None:
        return None
    if slowest.settle_days > rules.lag_days:
        days = slowest.settle_days
        return Window(
            days,
            f"ends {_days_back(days)}: in past snapshots {slowest.name}'s values {whose} "
            f"kept moving until {_days_old(slowest.moving_until or 0)}",
            processing=days,
            learned_from=slowest,
            whose=whose,
            learned=True,
        )
    days = rules.lag_days
    settled = "before that" if not waits_for_retries(metric) else "sooner than retries could"
    return Window(
        days,
        f"ends {_days_back(days)}: the latest days are still being processed; in past "
        f"snapshots the values {whose} settled {settled}",
        processing=days,
        learned=True,
    )


def _channel_window(
    metric: str, channel: str, rules: Rules, whose: str, retried: bool = False
) -> Window:
    """One channel's window for `metric`; `whose` names who has an unknown channel.
    `retried`: its messages' retries are known to have ended (AJO's retry queue is empty),
    so the documented window does not wait for them."""
    learned = _learned(metric, channel, rules)
    if learned is not None:
        return learned
    waits = waits_for_retries(metric) and retries(channel) and not retried
    if waits:
        days = max(rules.retry_window_days, rules.lag_days)
        why = f"ends {_days_back(days)}, after retries converge"
        if channel == UNKNOWN:
            why += f" ({UNKNOWN_CHANNEL.format(whose=whose)})"
        return _documented(days, why, rules, channel)
    days = rules.lag_days
    why = f"ends {_days_back(days)}: the latest days are still being processed"
    if waits_for_retries(metric) and not retries(channel):
        why += f" ({channel} is not retried, so it does not wait for retries)"
    return _documented(days, why, rules, channel)


def window(
    metric: str, rules: Rules, journeys: Iterable[int] | None = None, retried: bool = False
) -> Window:
    """The window of `metric` for these journeys (every journey the rules know when None):
    the slowest of their channels'. `retried`: their retries have ended (the documented
    window waits for none)."""
    if rules.channels is None:
        return _legacy(metric, rules)
    keys = None if journeys is None else list(journeys)
    return channels_window(metric, rules, *window_of_whom(rules, keys), retried)


def window_of_whom(rules: Rules, keys: list[int] | None) -> tuple[tuple[str, ...], str]:
    """What `window` reads of these journeys (rules.channels given): their channels and
    who is named as having an unknown one. Journeys alike in both share a window."""
    channels = channels_of(rules.channels, keys) or (UNKNOWN,)
    return channels, "its" if keys is not None and len(keys) == 1 else "a journey's"


def channels_window(
    metric: str, rules: Rules, channels: tuple[str, ...], whose: str, retried: bool = False
) -> Window:
    """`window` of journeys of these `channels` (`window_of_whom`)."""
    windows = [_channel_window(metric, channel, rules, whose, retried) for channel in channels]
    # The slowest; on a tie, the reason that names an unknown channel.
    slowest = max(windows, key=lambda w: (w.days, "counted as email" in w.why))
    longest = max(windows, key=lambda w: w.processing)
    return replace(
        slowest,
        processing=longest.processing,
        learned_from=longest.learned_from,
        whose=longest.whose,
        learned=all(w.learned for w in windows),
    )


def settle_days(metric: str, rules: Rules) -> int:
    """The age, in days, from which a day of `metric` has settled for every journey (alerts
    judge only those: a day younger than this, in either product's capture, may move)."""
    return window(metric, rules).days


def processing_days(metric: str, rules: Rules, journeys: np.ndarray) -> np.ndarray:
    """Per cell (`journeys`: each cell's journey key), the age below which its day is still
    being processed by its journey's channel's window: the lag step's days."""
    return _per_cell(metric, rules, journeys, "processing")


def settling_days(metric: str, rules: Rules, journeys: np.ndarray) -> np.ndarray:
    """Per cell, the age below which its day has not settled by its journey's channel's
    window (the safe range's days): retries are looked for only there."""
    return _per_cell(metric, rules, journeys, "days")


def retried(rules: Rules, journeys: np.ndarray) -> np.ndarray:
    """Per cell, whether AJO may retry its journey's messages: a channel it retries (email)
    or one Parity does not know (bot.reconcile.channels); every cell when the caller did not
    look up channels. A journey on push or SMS alone holds no retries, and its readings
    (none queued) would pull the journeys' shared retry rate and period towards none."""
    if rules.channels is None or not len(journeys):
        return np.ones(len(journeys), dtype=bool)
    keys, inverse = np.unique(journeys, return_inverse=True)
    each = [any(retries(channel) for channel in channels_of(rules.channels, [key])) for key in keys]
    return np.asarray(each, dtype=bool)[inverse.reshape(-1)]


def learned_days(metric: str, rules: Rules, journeys: np.ndarray) -> np.ndarray:
    """Per cell, whether its journey's window was learned from history: only where it was
    not may the current numbers (the witnesses) say a day is still arriving."""
    return _per_cell(metric, rules, journeys, "learned")


def _per_cell(metric: str, rules: Rules, journeys: np.ndarray, part: str) -> np.ndarray:
    if rules.channels is None or not len(journeys):
        return np.full(len(journeys), getattr(window(metric, rules), part))
    keys, inverse = np.unique(journeys, return_inverse=True)
    # Journeys with the same channels have the same window: one per set of channels.
    by_channels: dict[tuple[str, ...], int | bool] = {}
    each = []
    for key in keys:
        channels = channels_of(rules.channels, [key])
        if channels not in by_channels:
            by_channels[channels] = getattr(window(metric, rules, [key]), part)
        each.append(by_channels[channels])
    return np.asarray(each)[inverse]


def lag_days_of(cells: pd.DataFrame) -> LagDays:
    """The days an attribution's `cells` put processing lag on, per journey, read once:
    what the safe range reads where its window was not learned (every journey row asks)."""
    lag = cells["processing_lag"].to_numpy() != 0  # arrays: a frame's .loc costs more
    keys = cells["journey_key"].to_numpy()[lag]
    days = cells["day"].to_numpy()[lag].astype("datetime64[D]")
    by_journey: dict[int, set[date]] = {}
    for key, day in zip(keys.tolist(), days.tolist(), strict=True):
        by_journey.setdefault(key, set()).add(day)
    return LagDays(by_journey)


@dataclass(frozen=True)
class LagDays:
    """Lag days per journey key; `of(keys)` for some journeys (every one when None)."""

    by_journey: dict[int, set[date]]

    def of(self, keys: Iterable[int] | None = None) -> tuple[date, ...]:
        chosen = (
            self.by_journey.values()
            if keys is None
            else (self.by_journey.get(k, set()) for k in keys)
        )
        return tuple(sorted(set().union(*chosen)))
