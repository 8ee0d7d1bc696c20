"""The time-zone shift computed from AJO's hourly counts, where a Query Service pull kept
them (bot.store.hourly), instead of fitted from daily numbers.

A data view h hours off the reporting zone counts each event on the day its own clock
says. With AJO's counts per UTC hour, the events of a journey's day in either calendar are
known: the shift of day d is AJO's count for the reporting zone's day d less its count for
the data view's day d (the hours re-cut at the data view's midnights). That needs no send
profile, no share and no fit: it holds on daylight-saving days, around quiet weekends and
for series too small to show a swing. The zone is the data view's, recorded by a pull, or
else the one the hours name: the fit (bot.reconcile.detectors.timezone) tells a shift from
daily numbers but not its hours (zones whose clocks change on the same days fit alike), so
of the common zones the one whose midnights re-cut the hours closest to the settled days'
gaps, when clearly closer than the fit's. A cell is computed only when the hours of both
of its days were counted by a pull standing in the store, and keeps the fitted amount
otherwise. A half-hour zone's midnight falls inside a UTC hour: that hour is
counted whole on the day it starts in (the pull keeps UTC hours). Query Service counts no
Delivered, but a delivery follows its send within minutes: Delivered is re-cut from Sent's
hours, scaled by its own volume (bot.metrics: `hours_of`); any other metric of which the
hours hold no event is left to the fit. An inferred shift the hours do not show (no zone's
re-cut clearly closer to the settled gaps than none) is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from bot.formatting import format_day
from bot.metrics import metric_facts
from bot.reconcile.detectors.timezone import TimeShift
from bot.reconcile.offsets import Offsets, candidates, offsets
from bot.reconcile.zonefit import Part
from bot.store.hourly import AjoHours, hour_number

_KEY = np.int64(1) << 32  # journey key * _KEY + hour: one sorted code per count
# A zone the hours name replaces the fit's when its re-cut leaves at most this share of the
# fit's zone's squared miss on the settled days; an inferred shift stands only when some
# zone's re-cut leaves at most this share of the miss of no shift at all.
CLEARLY_CLOSER = 0.8


def computed(
    shifts: Mapping[str, TimeShift],
    parts: Sequence[Part],
    hours: AjoHours | None,
    named: Offsets | None = None,
) -> tuple[dict[str, TimeShift], Offsets | None]:
    """`shifts` with each cell's amount computed from AJO's hours wherever they cover its
    days (the rest as fitted), and the evidence saying so; and the zone the hours named
    instead of the fit's, if any. `named`: that zone as chosen over every journey (a
    question about some journeys' cells reuses it); without it, an inferred zone is
    checked against the hours here. Unchanged without hours."""
    if hours is None or not shifts:
        return dict(shifts), None
    by_metric = {p.metric: p for p in parts if p.metric in shifts and len(p.view)}
    # Each metric's hours laid out once, for naming the zone and for re-cutting.
    laid = {m: h for m in by_metric if (h := _Hours.of(hours, m)) is not None}
    fitted = next(iter(shifts.values()))
    if named is None and not fitted.recorded:
        named, refuted = _named(fitted.zone, [(by_metric[m], h) for m, h in laid.items()], hours)
        if refuted:
            return {}, None
    result = {}
    for metric, shift in shifts.items():
        zone = named or shift.zone
        part = by_metric.get(metric)
        # A metric the hours do not hold reads those of the metric it follows (Delivered,
        # Sent's), scaled to its own volume.
        source = metric if metric in laid else metric_facts(metric).hours_of
        found = None
        if part is not None and source in laid:
            found = moved(part, shift, hours, laid[source], zone, scaled=source != metric)
        if found is None:
            result[metric] = shift
            continue
        everywhere = bool(found.covered.all())
        result[metric] = replace(
            shift,
            zone=zone,
            alike=() if named else shift.alike,
            rival="" if named else shift.rival,
            amount=found.amount,
            shares=found.shares,
            explained=found.explained,
            days=part.view.dates(found.amount != 0),
            computed=_evidence(hours, everywhere, shift.zone if named else None, metric, source),
            leaving=found.leaving,
            arriving=found.arriving,
            confidence="high" if shift.recorded and everywhere else shift.confidence,
        )
    return result, named


@dataclass(frozen=True, eq=False)
class Recut:
    """One metric's shift re-cut from the hours."""

    amount: np.ndarray  # per cell: computed where covered, fitted elsewhere
    covered: np.ndarray  # per cell: the hours of both its days were counted
    shares: tuple[float, ...]  # per segment: the share of a day's events that moves
    explained: float  # share of the settled covered days' rest (squared) it accounts for
    # Per cell: the share of its day's events that leave it, and of its neighbour's that
    # land on it (TimeShift.leaving, .arriving): computed where covered, the fit's
    # elsewhere; None for a metric with no retry queue to move.
    leaving: np.ndarray | None = None
    arriving: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class _Hours:
    """One metric's hourly counts laid out to sum any journey's hours [first, end)."""

    codes: np.ndarray
    before: np.ndarray

    @classmethod
    def of(cls, hours: AjoHours, metric: str) -> _Hours | None:
        counts = hours.counts.loc[hours.counts["metric"] == metric]
        # A metric the pulls hold no event of is one they may not count (Query Service has
        # no Delivered): its hours say nothing, and the fit stands.
        if counts.empty:
            return None
        codes = counts["journey_key"].to_numpy(np.int64) * _KEY + counts["hour"].to_numpy(np.int64)
        order = np.argsort(codes, kind="stable")
        values = counts["value"].to_numpy(np.int64)[order]
        return cls(codes[order], np.r_[0, np.cumsum(values)])

    def count(self, journey: np.ndarray, first: np.ndarray, end: np.ndarray) -> np.ndarray:
        base = journey.astype(np.int64) * _KEY
        high = np.searchsorted(self.codes, base + end)
        return self.before[high] - self.before[np.searchsorted(self.codes, base + first)]


def _recut(part: Part, laid: _Hours, zone: Offsets):
    """Per cell: AJO's count on the reporting zone's day, on the data view's day of that
    date, on the hours both share; and the hours spanning both days."""
    reporting, view = ZoneInfo(zone.reporting), ZoneInfo(zone.zone)
    days, journey = part.view.day, part.view.journey
    rep_first, rep_end = _midnights(days, reporting)
    view_first, view_end = _midnights(days, view)
    own = laid.count(journey, rep_first, rep_end)
    theirs = laid.count(journey, view_first, view_end)
    stays = laid.count(journey, np.maximum(rep_first, view_first), np.minimum(rep_end, view_end))
    span = (np.minimum(rep_first, view_first), np.maximum(rep_end, view_end))
    return own, theirs, stays, span


def moved(
    part: Part,
    shift: TimeShift,
    hours: AjoHours,
    laid: _Hours,
    zone: Offsets,
    scaled: bool = False,
) -> Recut | None:
    """The shift of `part`'s cells re-cut from AJO's hours (`laid`: the metric's) at
    `zone`'s midnights; the shares per segment over the covered cells (the fitted one where
    none of a segment's is). None when no cell is covered. `scaled`: `laid` are the hours
    of the metric `part`'s follows (Delivered: Sent's), scaled per journey by its own
    volume over theirs on the covered days."""
    view = part.view
    try:
        own, theirs, stays, span = _recut(part, laid, zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    covered = hours.covers(*span) & part.apply_to
    if not covered.any():
        return None
    if scaled:
        groups = view.groups
        ratio = groups.sum(view.ajo.astype(float), covered) / np.maximum(
            groups.sum(own.astype(float), covered), 1.0
        )
        own, theirs, stays = (ratio[groups.ids] * v for v in (own, theirs, stays))
    amount = np.where(covered, np.rint(own - theirs), shift.amount).astype(np.int64)
    judged = covered & part.fit_on
    gap = part.rest[judged].astype(float)  # what the causes before the time zone left
    total = float((gap * gap).sum())
    left = float(((gap - amount[judged]) ** 2).sum())
    explained = max(1 - left / total, 0.0) if total > 0 else shift.explained
    shares = _shares(shift, zone, view.day, covered, own, own - stays)
    if shift.leaving is None or shift.arriving is None:
        # A metric with no retry queue to move (bot.reconcile.detectors.timezone._moving).
        return Recut(amount, covered, shares, explained)
    # What lands on a day comes from the day after behind, the day before ahead.
    segment = np.clip(zone.segment_of(view.day), 0, None)
    other = np.where(zone.hours()[segment] < 0, view.ajo_next, view.ajo_prev).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        leaves = np.where(own > 0, (own - stays) / own, 0.0)
        lands = np.where(other > 0, (theirs - stays) / other, 0.0)
    leaving = np.where(covered, leaves, shift.leaving)
    arriving = np.where(covered, lands, shift.arriving)
    return Recut(amount, covered, shares, explained, leaving, arriving)


def _named(
    fitted: Offsets, laid: Sequence[tuple[Part, _Hours]], hours: AjoHours
) -> tuple[Offsets | None, bool]:
    """Of the common zones, the one whose re-cut of AJO's hours misses the settled days'
    gaps least (what earlier causes left, less each series' steady ratio), over every
    metric the hours hold, when clearly less than the fitted zone's; None otherwise. And
    whether the hours refute the shift: re-cut at no zone's midnights do they leave those
    gaps clearly closer than no shift at all (the daily fit took a wobble for a swing).
    Judged on the days the hours cover under any zone (a day either side)."""
    if not laid:
        return None, False
    first = min(p.view.day.min() for p, _ in laid).item() - timedelta(days=1)
    last = max(p.view.day.max() for p, _ in laid).item() + timedelta(days=1)
    judged = []
    for part, _ in laid:
        rep_first, rep_end = _midnights(part.view.day, ZoneInfo(fitted.reporting))
        judged.append(hours.covers(rep_first - 24, rep_end + 24) & part.fit_on)

    def miss(zone: Offsets | None) -> float:
        """The squared gap the re-cut leaves on the judged days, after the earlier causes
        and each series' steady ratio (a filter, the data sources) are taken off (`zone`
        None: nothing moved)."""
        total = 0.0
        for (part, h), cells in zip(laid, judged, strict=True):
            own, theirs, _, _ = _recut(part, h, zone) if zone is not None else (0, 0, 0, 0)
            left = np.where(cells, part.rest - (own - theirs), 0.0)
            volume = np.where(cells, part.view.ajo, 0.0).astype(float)
            ids, groups = part.view.groups.ids, len(part.view.groups)
            ratio = np.bincount(ids, left * volume, groups) / np.maximum(
                np.bincount(ids, volume * volume, groups), 1.0
            )
            left = left - ratio[ids] * volume
            total += float((left * left).sum())
        return total

    try:
        own_zone = offsets(fitted.zone, fitted.reporting, first, last)
        zones = [z for z in candidates(fitted.reporting, first, last) if z.zone != fitted.zone]
        base = miss(own_zone) if own_zone is not None else np.inf
        scored = [(miss(zone), zone) for zone in zones]
    except (ZoneInfoNotFoundError, ValueError):
        return None, False
    if not scored:
        return None, False
    best, zone = min(scored, key=lambda s: s[0])
    if min(best, base) >= CLEARLY_CLOSER * miss(None):
        return None, True
    return (zone if best < CLEARLY_CLOSER * base else None), False


def _shares(shift, zone: Offsets, days, covered, own, leaving) -> tuple[float, ...]:
    """Per segment of `zone`, the share of the covered days' events that leave their day
    (the fitted share where no day of the segment is covered and the zone is the fit's)."""
    segment = zone.segment_of(days)
    same = zone.segments == shift.zone.segments
    shares = list(shift.shares) if same else [0.0] * len(zone.segments)
    for index, (_, hours) in enumerate(zone.segments):
        mine = covered & (segment == index)
        if hours != 0 and mine.any() and own[mine].sum() > 0:
            shares[index] = float(leaving[mine].sum() / own[mine].sum())
    return tuple(shares)


def _midnights(days: np.ndarray, zone: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """Per day, the hour numbers (bot.store.hourly) of the midnights starting and ending
    it in `zone`; a midnight inside a UTC hour is that hour's start."""
    unique, inverse = np.unique(days, return_inverse=True)
    first = np.array([_midnight(d.item(), zone) for d in unique], dtype=np.int64)
    end = np.array([_midnight(d.item() + timedelta(days=1), zone) for d in unique], dtype=np.int64)
    return first[inverse.reshape(-1)], end[inverse.reshape(-1)]


def _midnight(day: date, zone: ZoneInfo) -> int:
    moment = datetime.combine(day, time(), zone).astimezone(UTC).replace(tzinfo=None)
    return int(hour_number(moment))


def _evidence(
    hours: AjoHours, everywhere: bool, fitted: Offsets | None, metric: str, source: str
) -> str:
    taken = ", ".join(format_day(at.date()) for _, at in hours.pulls[-2:])
    pulls = "pull" if len(hours.pulls[-2:]) == 1 else "pulls"
    text = (
        f"the amounts are computed from AJO's hourly counts (Query Service {pulls} on "
        f"{taken}), re-cut at the data view's midnights"
    )
    if source != metric:
        mine, theirs = metric_facts(metric).display, metric_facts(source).display
        text = (
            f"the amounts are inferred from AJO's hourly counts of {theirs} (Query Service "
            f"{pulls} on {taken}; it counts no {mine}, which follows {theirs} within "
            f"minutes), re-cut at the data view's midnights and scaled by each journey's "
            f"{mine} per {theirs}"
        )
    if fitted is not None:
        text += (
            "; the hours name the zone: its midnights re-cut them closest to the daily gaps "
            f"(the daily numbers alone fit {fitted.zone})"
        )
    return text if everywhere else text + "; fitted on days those hours do not cover"
