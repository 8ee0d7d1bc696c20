"""Learned lag: from successive snapshots, the age at which each source's values stop moving.

Adobe documents that the latest day is not final; how long a day keeps moving depends on
the team's datasets and exports. Every stored snapshot is history: a number captured when
its day was k days old, and captured again later, either moved or did not. The history
frame (bot.store.reader.settling_history) sums, per source, metric, channel and age k, the
values seen at that age, their net change up to the latest capture, and the size of those
changes. A metric's settling is judged over all its channels; a channel's own history can
be read apart too (SMS never waits for email's retries). The channel is the stored series'
own: AJO's exports name it, CJA's seldom do, so CJA's values are mostly under '' (none
named), which counts as a channel only when every journey has that one channel.

A source's values are still moving at age k when the days captured at that age changed, in
total, by at least the settling threshold (PARITY_SETTLE_CHANGE_PCT, 0.5 % by default: one
threshold for every window, bot.reconcile.settled) and in one direction more than counting
jitter would (the net change beats three times the square root of the absolute
changes). The learned lag is one day past the oldest age still moving. With too few values
seen twice, nothing is learned and the documented rules apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bot.metrics import SOURCE_NAMES
from bot.reconcile.channels import channel_name

# Values seen again later, for one age to be judged at all.
MIN_SERIES_PER_AGE = 5
# Values seen again later, over all ages, for a source and metric to be learned.
MIN_SERIES = 30
# How far, in standard deviations of symmetric jitter, a net change must go to be drift.
JITTER_Z = 3.0


@dataclass(frozen=True)
class SourceSettling:
    """What one source's snapshot history says about one metric."""

    source: str
    # Numbers seen in a later snapshot too (the evidence the lag is learned from).
    series: int
    # The oldest age, in days, at which values were still moving; None when none moved.
    moving_until: int | None
    # The oldest age up to which every age was judged (enough values seen there); -1: none.
    judged_until: int = -1

    @property
    def enough(self) -> bool:
        return self.series >= MIN_SERIES

    def covers(self, days: int) -> bool:
        """Enough history, and every age younger than `days` judged: nothing still moving
        at an age the history could not see."""
        return self.enough and self.judged_until >= days - 1

    @property
    def settle_days(self) -> int:
        """Days after which a day's value has stopped moving (0: never seen moving)."""
        return 0 if self.moving_until is None else self.moving_until + 1

    @property
    def name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source.upper())


@dataclass(frozen=True)
class Settling:
    """How long one metric takes to settle in each source, as far as history shows."""

    metric: str
    sources: tuple[SourceSettling, ...] = ()
    # False when no history was consulted at all (a caller without a store).
    consulted: bool = False
    # The channel whose journeys' history this is; None: every channel's.
    channel: str | None = None

    @property
    def learned(self) -> tuple[SourceSettling, ...]:
        return tuple(s for s in self.sources if s.enough)

    @property
    def enough(self) -> bool:
        """Some source has enough history to learn from."""
        return bool(self.learned)

    @property
    def slowest(self) -> SourceSettling | None:
        """The learned source whose values keep moving longest."""
        learned = sorted(self.learned, key=lambda s: (-s.settle_days, s.source))
        return learned[0] if learned else None

    @property
    def days(self) -> int:
        """The learned lag in days (0 when nothing was learned)."""
        slowest = self.slowest
        return slowest.settle_days if slowest else 0

    @property
    def series(self) -> int:
        return sum(s.series for s in self.sources)


def _moving(rows: list[tuple], change_pct: float) -> list[int]:
    """The ages whose values still moved; `rows`: (age, series, volume, change, abs_change).

    Material at that age, and beyond jitter at that age or, pooled, at every age from it
    on: what is still to arrive only shrinks as a day ages, so drift seen in the older
    ages together is drift at this one too. A small metric (Bounces, Clicks) whose last
    records arrive one or two at a time moves by more than the threshold at each age with
    too few records for any one age to beat the jitter test."""
    ordered = sorted(rows, key=lambda row: row[0])
    tails = []
    tail_change = tail_abs = 0
    for _, _, _, change, abs_change in reversed(ordered):
        tail_change += change
        tail_abs += abs_change
        tails.append((tail_change, tail_abs))
    moving = []
    for (age, series, volume, change, abs_change), (later, later_abs) in zip(
        ordered, reversed(tails), strict=True
    ):
        net = abs(change)
        judged = series >= MIN_SERIES_PER_AGE
        material = net >= volume * change_pct / 100
        beyond_jitter = net > JITTER_Z * math.sqrt(abs_change)
        same_way = later if change > 0 else -later
        pooled = max(same_way, 0) > JITTER_Z * math.sqrt(later_abs)
        if judged and material and (beyond_jitter or pooled) and net > 0:
            moving.append(age)
    return moving


def _named(channel, unnamed: str) -> str:
    """A stored channel as Parity names it, a series naming none counted as `unnamed`."""
    return channel_name(channel) or unnamed


def _rows(
    history: pd.DataFrame, metric: str, channel: str | None, unnamed: str = ""
) -> list[tuple]:
    """(source, age_days, series, volume, change, abs_change) for `metric` (of `channel`'s
    series when given), one per source and age when the history names channels.

    Plain tuples: the history is a few hundred rows, and every question learns from it
    several times per metric; pandas' fixed cost per operation made that a second for an
    all-metrics question, whatever its size."""
    columns = ["source", "age_days", *_SUMMED]
    named = "channel" in history.columns
    if channel is not None and not named:
        return []
    picked = history["metric"].to_numpy() == metric
    values = zip(*(history[c].to_numpy()[picked].tolist() for c in columns), strict=True)
    if not named:
        return list(values)
    channels = history["channel"].to_numpy()[picked].tolist()
    summed: dict[tuple, list] = {}
    for stored, (source, age, *numbers) in zip(channels, values, strict=True):
        if channel is not None and _named(stored, unnamed) != channel:
            continue
        total = summed.setdefault((source, age), [0, 0, 0, 0])
        for i, number in enumerate(numbers):
            total[i] += number
    return [(*key, *total) for key, total in summed.items()]


_SUMMED = ["series", "volume", "change", "abs_change"]


def learn(
    history: pd.DataFrame | None,
    metric: str,
    change_pct: float,
    channel: str | None = None,
    unnamed: str = "",
) -> Settling:
    """Learn, per source, when `metric` stops moving; `history` as the store returns it.
    `channel`: from that channel's series alone ('' for series naming none, or `unnamed`
    when they are known to be that channel's); None pools every channel."""
    if history is None:
        return Settling(metric, channel=channel)
    rows = _rows(history, metric, channel, unnamed)
    sources = []
    for source in sorted(SOURCE_NAMES):
        mine = [row[1:] for row in rows if row[0] == source]
        if not mine:
            sources.append(SourceSettling(source, 0, None))
            continue
        moving = _moving(mine, change_pct)
        until = int(max(moving)) if moving else None
        judged = {int(age) for age, series, *_ in mine if series >= MIN_SERIES_PER_AGE}
        covered = next(age for age in range(len(judged) + 1) if age not in judged) - 1
        total = int(sum(series for _, series, *_ in mine))
        sources.append(SourceSettling(source, total, until, covered))
    return Settling(metric, tuple(sources), consulted=True, channel=channel)


def learn_channels(
    history: pd.DataFrame | None, metric: str, change_pct: float, unnamed: str = ""
) -> dict[str, Settling]:
    """`learn` for each channel the history names (none without a channel column).
    `unnamed`: the channel of series that name none, when known (every journey has it)."""
    if history is None or "channel" not in history.columns:
        return {}
    stored = history["channel"].to_numpy()[history["metric"].to_numpy() == metric]
    names = sorted({_named(channel, unnamed) for channel in stored.tolist()})
    return {name: learn(history, metric, change_pct, name, unnamed) for name in names}
