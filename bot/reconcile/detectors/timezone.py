"""Time zones: CJA's data view and AJO's report cut days at different hours.

The zone is a property of the data view, not of a metric: one zone shifts every metric of
every journey in it. The model is an offset between two IANA zones (bot.reconcile.offsets),
which changes at each daylight-saving transition of either, applied to each series' hours:
per (metric, journey) series, the share of a day that moves is fitted per segment of
constant offset (bot.reconcile.zonefit). The zone is chosen once for all series pooled:
the common zone whose segments fit them best, by how much more of their gap it explains
than a steady proportional difference alone, less a penalty per share fitted. Zones whose
clocks change on the same days against the reporting zone fit alike; among them the one
whose hours match the share that moves is named, and the others are said to fit as well.
A zone with other segments fitting almost as well makes the answer say so, less sure.

A series too small to show the shift on its own inherits its journey's share (its other
metrics'), or the data view's: each series' own share is weighed against its journey's by
how precisely it was fitted. When a pull recorded the data view's zone
(bot.reconcile.recorded), that zone is used and stated instead of inferred, and a zone
keeping the reporting clock rules a shift out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

import numpy as np

from bot.formatting import format_day
from bot.metrics import metric_facts
from bot.ops.memory import give_back
from bot.reconcile.detectors import Explanation, Finding, Seen, neighbour
from bot.reconcile.offsets import Offsets, candidates, offsets, with_audience_changes
from bot.reconcile.pool import ZonePool, facts_of
from bot.reconcile.recorded import Recorded
from bot.reconcile.wording import format_names, join_and, plural
from bot.reconcile.zonedays import Prior, Remainders, deviations, pooled, remainders
from bot.reconcile.zonefit import Part, SeriesFit, best_of, fit
from bot.reconcile.zonestep import step_column, step_days

__all__ = ["Part", "TimeShift", "detect", "detect_from", "pooled_detect"]

# Pooled gain in log-likelihood (over all series) an inferred zone needs.
GAIN_MIN = 15.0
# Two zones with different segments whose gains are closer than this fit alike.
AMBIGUOUS = 4.0
# Pooled gain, and a series' t and explained share, for a high confidence.
GAIN_HIGH = 50.0
T_HIGH = 10.0
EXPLAINED_HIGH = 0.8
# Events moved in one metric over the range, below which a shift is not worth telling.
MIN_MOVED = 10


@dataclass(frozen=True, eq=False, kw_only=True)
class TimeShift(Finding):
    """The shift of one metric's journeys under the data view's zone."""

    cause: ClassVar[str] = "timezone"
    zone: Offsets  # the zone named (recorded, or the best fit)
    shares: tuple[float, ...]  # per segment, of a day's events moved (volume-weighted)
    explained: float  # share of the gap's variation the shift explains (volume-weighted)
    journeys: tuple
    days: tuple[date, ...]
    volume: int  # AJO's events on the days fitted
    total_gap: int  # the gap left on those days over the range, summed per journey unsigned
    series: int = 1  # (metric, journey) series the zone was chosen from
    metrics: int = 1
    alike: tuple[str, ...] = ()  # zones changing clocks on the same days: they fit as well
    rival: str = ""  # a zone with other segments fitting almost as well
    # What a pull recorded about CJA's zone, as a sentence; empty when inferred.
    recorded: str = ""
    # How the amounts were computed from AJO's hourly counts (bot.reconcile.hourly), as a
    # sentence; empty when fitted from daily numbers alone.
    computed: str = ""
    # Per cell, the share of AJO's events of its day the data view counts on the
    # neighbouring day (the previous one behind, the next one ahead), and the share of the
    # neighbouring day's (the next one behind, the previous one ahead) it counts on this
    # day; None when not known. Anything else AJO counts per send and day (its Retries:
    # the sends still queued) moves with them (`redated`).
    leaving: np.ndarray | None = None
    arriving: np.ndarray | None = None

    def redated(
        self, view, values: np.ndarray, before: np.ndarray, after: np.ndarray
    ) -> np.ndarray:
        """`values` (per cell of `view`, counted on AJO's days: its Retries, say) counted
        on the data view's days instead: each day keeps what does not leave it and gets
        its share of the neighbouring day's (`before`, `after`: per cell, the values of
        the day before and after, beyond the range's edges too). Unchanged where the
        shares are unknown."""
        if self.leaving is None or self.arriving is None or len(self.leaving) != len(view):
            return values
        hours = self.zone.hours()[np.clip(self.zone.segment_of(view.day), 0, None)]
        neighbours = np.where(hours < 0, after, np.where(hours > 0, before, 0))
        kept = values * (1 - np.clip(self.leaving, 0.0, 1.0))
        moved_in = neighbours * np.clip(self.arriving, 0.0, 1.0)
        return np.rint(kept + moved_in).astype(np.int64)

    @property
    def direction(self) -> str:
        hours = sum(h for _, h in self.zone.segments)
        return "ahead" if hours > 0 else "behind"

    @classmethod
    def explain(cls, found: Sequence[TimeShift], seen: Seen) -> Explanation:
        first = found[0]
        volume = sum(f.volume for f in found)
        journeys = seen.journeys(k for f in found for k in f.journeys)
        total_gap = sum(abs(f.total_gap) for f in found) / max(volume, 1)
        share = np.mean(first.shares) if first.shares else 0.0
        hours = round(24 * share)
        offset = "less than an hour" if hours < 1 else f"about {plural(hours, 'hour')}"
        where, to = ("behind", "previous") if first.direction == "behind" else ("ahead of", "next")
        moves = f"{100 * first.shares[0]:.1f} % of each day moves to the {to} day"
        for (day, _), later in zip(first.zone.segments[1:], first.shares[1:], strict=False):
            moves += f", {100 * later:.1f} % from {format_day(day)}"
        evidence = (
            f"daily gaps in {format_names(journeys)} swing with the day-to-day change in volume "
            f"(the shift explains {100 * first.explained:.0f} % of their variation; {moves}) "
            f"while the range totals agree within {100 * total_gap:.1f} %; "
        )
        if first.recorded:
            evidence += first.recorded
            check = (
                f"{first.recorded}: set the data view's time zone (Data view > Settings > "
                "Calendar) to the reporting one, or compare whole weeks"
            )
        else:
            evidence += _inferred(first)
            check = (
                f"CJA looks {offset} {where} AJO: check the data view's time zone "
                "(Data view > Settings > Calendar)"
            )
        if first.computed:
            evidence += f"; {first.computed}"
        confidence = "high" if all(f.confidence == "high" for f in found) else "medium"
        return Explanation(confidence, evidence, check)


def _inferred(shift: TimeShift) -> str:
    pooled = (
        f"inferred from {shift.series} series of daily numbers "
        f"({plural(shift.metrics, 'metric')}) fitted together, as one data view has one zone"
    )
    text = f"CJA's data view looks like {shift.zone.zone}, {shift.zone.describe()} ({pooled})"
    if shift.alike:
        verb = "change their clocks" if len(shift.alike) > 1 else "changes its clock"
        fits = "fit" if len(shift.alike) > 1 else "fits"
        text += (
            f"; {join_and(shift.alike)} {verb} on the same days (or with an audience's) "
            f"and {fits} as well: the hours are read from the share that moves, exact only "
            "when events spread over the day, so the zone named is a guess among these"
        )
    if shift.rival:
        text += f"; {shift.rival} fits almost as well, so the zone is uncertain"
    return text


@dataclass(frozen=True)
class _Choice:
    zone: Offsets
    fits: dict[str, SeriesFit]  # per metric
    gain: float
    alike: tuple[str, ...]
    rival: str
    fitted: Offsets  # the zone `fits` were made under (of the same structure as `zone`)


def _fits(parts: Sequence[Part], zone: Offsets) -> dict[str, SeriesFit]:
    return {p.metric: best_of(*fit(p, zone)) for p in parts}


def _choose(parts: Sequence[Part], zones: list[Offsets]) -> _Choice | None:
    """The zone whose segments fit every series best, pooled."""
    by_structure: dict[tuple, list[Offsets]] = {}
    for zone in zones:
        by_structure.setdefault(zone.structure, []).append(zone)
    scored = []
    for group in by_structure.values():
        fits = _fits(parts, group[0])
        gain = float(sum(f.gain[f.valid].sum() for f in fits.values()))
        scored.append((gain, group, fits))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    gain, group, fits = scored[0]
    named = _name(group, fits)
    rival = ""
    others = [s for s in scored[1:] if not _refines(s[1][0], group[0])]
    if others and gain - others[0][0] < AMBIGUOUS:
        rival = _name(others[0][1], others[0][2]).zone
    alike = tuple(z.zone for z in group if z is not named)
    return _Choice(named, fits, gain, alike, rival, group[0])


def _audiences(parts: Sequence[Part], choice: _Choice, span: tuple[date, date]) -> _Choice:
    """The chosen zone with a share of its own from each day an audience's clock may change
    (bot.reconcile.offsets.with_audience_changes), when that fits every series better,
    pooled, penalty included. The zone is chosen first without them: the added shares would
    let a wrong zone fit as well as the right one."""
    split = with_audience_changes(choice.zone, *span)
    if split is choice.zone:
        return choice
    fits = _fits(parts, split)
    gain = float(sum(f.gain[f.valid].sum() for f in fits.values()))
    if gain <= choice.gain:
        return choice
    return replace(choice, zone=split, fits=fits, gain=gain, fitted=split)


def _alike_with_audiences(choice: _Choice, zones: list[Offsets], span) -> tuple[str, ...]:
    """The zones changing clocks on the same days as the one named, and those the daily
    numbers cannot tell from it once an audience's clock changes are allowed for: a zone
    shifting the same way on every day whose days of change, its own and the audiences',
    are the named zone's, give or take the day (behind, a change moves the next day's
    share). Europe/London against Europe/Paris (an hour behind all along) shifts as
    America/Halifax does (five hours, four from Oct 25, five from Nov 1) once a European
    audience's send hours move on Oct 25 and an American one's on Nov 1: only the share
    that moves says which, and that only when events spread over the day."""
    named = with_audience_changes(choice.fitted, *span)
    found = list(choice.alike)
    for zone in zones:
        if zone.zone == choice.zone.zone or zone.zone in found:
            continue
        if _same_changes(with_audience_changes(zone, *span), named):
            found.append(zone.zone)
    return tuple(found)


def _same_changes(one: Offsets, other: Offsets) -> bool:
    """Both shift the same way on every day, and each one's days of change are within a
    day of one of the other's."""
    starts = [[first for first, _ in z.segments[1:]] for z in (one, other)]
    for mine, theirs in (starts, starts[::-1]):
        if any(all(abs((a - b).days) > 1 for b in theirs) for a in mine):
            return False
    days = np.array(
        sorted({first for z in (one, other) for first, _ in z.segments}), dtype="datetime64[D]"
    )
    signs = [np.sign(z.hours()[z.segment_of(days)]) for z in (one, other)]
    return bool((signs[0] == signs[1]).all())


def _refines(other: Offsets, zone: Offsets) -> bool:
    """`other` shifts the same way as `zone` on every day and only adds changes of share:
    with those shares equal it is `zone`, so fitting as well is no sign of doubt."""
    starts = {first for first, _ in zone.segments}
    if not starts <= {first for first, _ in other.segments}:
        return False
    days = np.array(sorted(starts | {first for first, _ in other.segments}), dtype="datetime64[D]")
    signs = [np.sign(z.hours()[z.segment_of(days)]) for z in (zone, other)]
    return bool((signs[0] == signs[1]).all())


def _name(group: list[Offsets], fits: dict[str, SeriesFit]) -> Offsets:
    """Of zones alike, the one whose hours best match the share that moves (24 times the
    share, per segment: exact when events spread over the day)."""
    if len(group) == 1:
        return group[0]
    k = len(group[0].segments)
    total, weight = np.zeros(k), np.zeros(k)
    for f in fits.values():
        own = f.valid & ~f.two_term
        cols = f.shares[:, :k]
        ok = own[:, None] & np.isfinite(f.spread[:, :k])
        total += np.where(ok, cols * f.volume[:, None], 0).sum(axis=0)
        weight += np.where(ok, f.volume[:, None], 0).sum(axis=0)
    implied = 24 * total / np.maximum(weight, 1)

    def miss(zone: Offsets) -> float:
        hours = np.abs(zone.hours())
        shifted = hours != 0
        return float(((implied[: shifted.sum()] - hours[shifted]) ** 2).sum())

    return min(group, key=miss)


def _added(start: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`start` plus each of `rows` in turn (a cumulative sum: the order a loop adds them in,
    so the same floating-point result)."""
    return np.cumsum(np.vstack([start, rows]), axis=0)[-1]


def _shrunk(
    parts: Sequence[Part], fits: dict[str, SeriesFit], view_prior: np.ndarray | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per metric, [journey, column] shares: each series' own weighed against its journey's
    (all its metrics), or the data view's when the journey shows none; and the data view's
    prior share (`view_prior` when given: every journey's, for parts of some journeys).

    Every journey at once per metric; the data view's sums add the journeys one after the
    other (a cumulative sum), in the order a loop over them would."""
    width = next(iter(fits.values())).width
    journeys = np.unique(np.concatenate([p.view.groups.keys for p in parts]))
    total, weight = np.zeros((len(journeys), width)), np.zeros((len(journeys), width))
    view_total, view_weight = np.zeros(width), np.zeros(width)
    for part in parts:
        f = fits[part.metric]
        used = f.estimable & ~f.two_term
        where = np.searchsorted(journeys, part.view.groups.keys[used])
        s, sd = f.shares[used, :width], f.spread[used, :width]
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = np.where(np.isfinite(sd) & (sd > 0), 1 / np.maximum(sd, 1e-9) ** 2, 0.0)
        total[where] = total[where] + s * precision
        weight[where] = weight[where] + precision
        volume = f.volume[used][:, None]
        seen = precision > 0
        view_total = _added(view_total, np.where(seen, s * volume, 0))
        view_weight = _added(view_weight, np.where(seen, volume, 0))
    if view_prior is None:
        view_prior = np.clip(view_total / np.maximum(view_weight, 1), 0, 1)
        view_prior = _carried(view_prior[None, :], (view_weight > 0)[None, :])[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        journey_share = _carried(np.where(weight > 0, total / weight, 0.0), weight > 0)
    journey_known = (weight > 0).any(axis=1, keepdims=True) & np.ones(width, dtype=bool)
    result = {}
    for part in parts:
        f = fits[part.metric]
        shares = f.shares.copy()
        pulled_on = ~(f.valid & f.two_term)
        where = np.searchsorted(journeys, part.view.groups.keys[pulled_on])
        own_journey = journey_known[where]
        with np.errstate(divide="ignore", invalid="ignore"):
            prior = np.where(own_journey, journey_share[where], view_prior)
        prior = np.clip(prior, 0, 1)
        # Another journey's share is a weaker guess (other send hours) than its own.
        tau = np.where(own_journey, 0.25 * prior + 0.01, 0.5 * prior + 0.05)
        estimable = f.estimable[pulled_on][:, None]
        sd = np.where(estimable, f.spread[pulled_on, :width], np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(np.isfinite(sd), 1 / np.maximum(sd, 1e-9) ** 2, 0.0)
        pulled = (own * f.shares[pulled_on, :width] + prior / tau**2) / (own + 1 / tau**2)
        rows = np.flatnonzero(pulled_on)
        shares[rows, :width] = np.clip(pulled, 0, 1)
        shares[rows, width:] = 0
        # A series fitted with two terms or its neighbours keeps its own shares: a segment
        # none of its days were fitted in takes the nearest segment's.
        kept = np.flatnonzero(~pulled_on)
        for block in (slice(0, width), slice(width, 2 * width)):
            known = np.isfinite(f.spread[kept, block])
            shares[kept, block] = _carried(f.shares[kept, block], known)
        result[part.metric] = shares
    return result, view_prior


def _carried(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """[row, column] `values`, each column not `known` taken from the nearest known column
    of its row (the columns are segments in time order; the earlier one on a tie). A
    segment whose days are all still being processed (a clock change a few days before
    today) moves about what the segment before it did: the change moves one hour's
    events, which daily numbers cannot say until its days settle; nothing at all, as an
    unfitted share of 0 said, is the one answer sure to be wrong. Rows knowing no column
    stay as they are."""
    if known.all() or not known.any():
        return values
    columns = np.arange(values.shape[1])
    distance = np.abs(columns[:, None] - columns[None, :]).astype(float)  # [to, from]
    distance = np.where(known[:, None, :], distance[None, :, :], np.inf)
    nearest = np.argmin(distance, axis=2)  # [row, to]
    carried = np.take_along_axis(values, nearest, axis=1)
    return np.where(known | ~known.any(axis=1, keepdims=True), values, carried)


def detect(
    parts: Sequence[Part], reporting: str | None, known: Recorded | None = None
) -> dict[str, TimeShift]:
    """Per metric, the shift of its journeys under the data view's zone; none when no zone
    fits clearly better than no shift (or a recorded zone keeps the reporting clock).

    Fitted on each part's `fit_on` days (settled, AJO and its neighbours whole), applied to
    its `apply_to` days, the days still being processed included: their shift is as
    predictable as any other's.
    """
    return pooled_detect(parts, reporting, known)[0]


def pooled_detect(
    parts: Sequence[Part], reporting: str | None, known: Recorded | None = None
) -> tuple[dict[str, TimeShift], ZonePool | None]:
    """`detect`, and what it pooled over every journey (bot.reconcile.pool): the zone the
    fits were made under, the data view's prior share, each metric's shift facts."""
    parts = [p for p in parts if len(p.view)]
    if not parts or (known is not None and known.direction is None):
        return {}, None
    parts = _with_steps(parts)
    first = min(p.view.day.min() for p in parts).item()
    last = max(p.view.day.max() for p in parts).item()
    span = (first.fromordinal(first.toordinal() - 1), last.fromordinal(last.toordinal() + 1))
    if known is not None:
        zone = offsets(known.zone, known.reporting, *span)
        zones = [zone] if zone is not None else []
    else:
        zones = candidates(reporting or "UTC", *span)
    choice = _choose(parts, zones)
    if choice is None or (known is None and choice.gain < GAIN_MIN):
        return {}, None
    # The audiences' fit has the most columns (the answer's peak): what the candidates'
    # fits freed is handed back first, not kept in pieces beside it.
    give_back()
    choice = _audiences(parts, choice, span)
    if known is None:
        choice = replace(choice, alike=_alike_with_audiences(choice, zones, span))
    shares, view_prior = _shrunk(parts, choice.fits)
    sure = known is not None or (not choice.rival and choice.gain >= GAIN_HIGH)
    series = sum(int(f.valid.sum()) for f in choice.fits.values())
    readings = _readings(parts, choice.fits, shares, choice.fitted)
    prior = pooled(
        [(r.remainders, p.view.groups.keys) for r, p in zip(readings, parts, strict=True)]
    )
    # Each part's reading is let go once its shift is read (those not kept at once).
    readings = [r.kept() for r in readings]
    found = {}
    for index, part in enumerate(parts):
        reading, readings[index] = readings[index], None
        shift = _shift(part, choice, shares[part.metric], sure, known, prior, reading)
        del reading
        if shift is not None:
            found[part.metric] = shift
    found = {m: _counted(s, series, len(found)) for m, s in found.items()}
    facts = {m: facts_of(s) for m, s in found.items()}
    return found, ZonePool(choice.fitted, view_prior, facts, deviation_prior=prior)


def _with_steps(parts: Sequence[Part]) -> list[Part]:
    """The parts with their journeys' steps (a data-view filter from a date on) as a
    proportional term of the fit: found per journey over its metrics, so a journey's
    cells give the same step whichever other journeys are in view."""
    steps = step_days(parts)
    return [replace(p, step=step_column(p, steps)) for p in parts]


def detect_from(parts: Sequence[Part], pool: ZonePool | None) -> dict[str, TimeShift]:
    """`detect` for parts holding some journeys' cells, with the zone, prior and facts
    pooled over every journey (`pooled_detect`): each series is fitted under that zone and
    pulled towards its journey's share or that prior, as with every journey in view."""
    parts = [p for p in parts if len(p.view)]
    if pool is None or not parts or not pool.shifts:
        return {}
    parts = _with_steps(parts)
    fits = _fits(parts, pool.fitted)
    shares, _ = _shrunk(parts, fits, pool.view_prior)
    found = {}
    for part in parts:
        facts = pool.shifts.get(part.metric)
        if facts is None:
            continue
        amount, own = _moved(part, fits, shares[part.metric], pool.fitted, pool.deviation_prior)
        leaving, arriving = _moving(part, own, pool.fitted)
        found[part.metric] = replace(facts, amount=amount, leaving=leaving, arriving=arriving)
    return found


def _moved(
    part: Part,
    fits: dict[str, SeriesFit],
    shares: np.ndarray,
    zone: Offsets,
    prior: Prior | None = None,
    reading: _Reading | None = None,
) -> tuple[np.ndarray, _Own | None]:
    """Per cell, the events its series' shares move on the days the shift applies to
    (`zone`: the one the fits were made under), today's unfinished day counted as far as it
    has passed, and what each day moved beyond its share where the series' remainders show
    it, alone or with the data view's `prior` (bot.reconcile.zonedays). `reading`: the
    part's `_fitted` and remainders, when already read for the prior. And the part's
    `_Own` shares, for `_moving` (None for a metric with no retry queue)."""
    if reading is None:
        moved, args, own = _fitted(part, fits, shares, zone)
        remainders_read = None
    else:
        moved, args, own = reading.moved, reading.args, reading.own
        remainders_read = reading.remainders
    moved = moved + deviations(*args, prior=prior, reading=remainders_read, empty=part.empty)
    return np.where(part.apply_to, np.rint(moved), 0).astype(np.int64), own


def _moving(part: Part, own: _Own | None, zone: Offsets):
    """(None, None) for a metric with no retry queue to move (every metric but Sent: two
    arrays per cell of every metric were a 13-month question's tens of megabytes; its
    `own` is None). Else, per cell, the share of its day's AJO events its series' shares put on the
    neighbouring day, and the share of that neighbour's (the day after behind, the day
    before ahead) they put on this day: each day's share of its segment in the zone's
    direction, today's unfinished day as far as it has passed (`_unfinished`); 0 where
    the shift does not apply. The day-to-day deviations beyond the share
    (bot.reconcile.zonedays) are a day's send hours, not a share of every send, and are
    left out."""
    if own is None:
        return None, None
    view = part.view
    share, passed, usable = own.share, own.passed, own.usable
    ajo = view.ajo.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        today = np.where(ajo > 0, passed / ajo, share)
    leaving = np.clip(np.where(usable, today, share), 0.0, 1.0)
    # The neighbour's share: its own where it is a cell of the range, else its segment's.
    hours = own.hours
    here = np.clip(own.segment, 0, None)
    one = np.timedelta64(1, "D")
    other = np.where(hours[here] < 0, view.day + one, view.day - one)
    col = own.column[np.clip(zone.segment_of(other), 0, None)]
    rows = np.arange(len(view))
    theirs = np.where(col >= 0, own.per_cell[rows, np.maximum(col, 0)], 0.0)
    inside = np.ones(len(view))
    from_next = neighbour(view, inside, 1) > 0
    from_prev = neighbour(view, inside, -1) > 0
    arriving = np.where(
        hours[here] < 0,
        np.where(from_next, neighbour(view, leaving, 1), theirs),
        np.where(from_prev, neighbour(view, leaving, -1), theirs),
    )
    arriving = np.where(hours[here] != 0, np.clip(arriving, 0.0, 1.0), 0.0)
    return np.where(part.apply_to, leaving, 0.0), np.where(part.apply_to, arriving, 0.0)


def _fitted(part: Part, fits: dict[str, SeriesFit], shares: np.ndarray, zone: Offsets):
    """Per cell, what the series' shares move (today's unfinished day as far as it has
    passed); the arguments the deviations beyond them are read with; and the part's
    `_Own` shares where `_moving` needs them too (a metric with a retry queue), else
    None. Read once for both: each took a second gather of the shares per cell and a
    second look a week back."""
    f = fits[part.metric]
    per_cell = part.view.groups.per_cell(shares)
    moved = np.einsum("ci,ci->c", f.columns, per_cell)
    queued = metric_facts(part.metric).retry_affected
    own = None
    if queued or (part.view.age == 0).any():
        own = _own_share(part.view, zone, per_cell[:, : f.width], part.unfinished)
        moved = moved + _unfinished(part.view, own)
    moved = moved - _today_beyond(part.view, zone, per_cell[:, : f.width], part.unfinished)
    hours = zone.hours()[np.clip(zone.segment_of(part.view.day), 0, None)]
    behind = bool((hours < 0).any())
    quiet = part.fit_on if part.quiet is None else part.quiet
    stepped = None if part.step is None else part.step > 0
    args = (part.view, part.rest - moved, quiet, hours != 0, behind, stepped, part.tolerance)
    return moved, args, own if queued else None


# Cells of every part at most, for which each part's fitted shift and remainders are kept
# from the data view's prior to its shift (about 40 bytes a cell: 40 MB), instead of being
# computed again: a 13-month question at 1,000 journeys (4 M cells) would hold them all
# at once beside its peak.
KEPT_READING_CELLS = 1_000_000


@dataclass(frozen=True, eq=False)
class _Reading:
    """One part's fitted shift (`_fitted`: None when not kept) and the remainders it leaves
    (which the data view's prior is read from)."""

    moved: np.ndarray | None
    args: tuple | None
    remainders: Remainders
    own: _Own | None = None

    def kept(self) -> _Reading | None:
        return self if self.moved is not None else None


def _readings(
    parts: Sequence[Part], fits: dict[str, SeriesFit], shares: dict[str, np.ndarray], zone
) -> list[_Reading]:
    """Per part, what the data view's prior is read from (the remainders of its fitted
    shift, bot.reconcile.zonedays.pooled), and the fitted shift itself where the parts are
    small enough to keep it for the shift's amounts."""
    keep = sum(len(p.view) for p in parts) <= KEPT_READING_CELLS
    readings = []
    for part in parts:
        moved, args, own = _fitted(part, fits, shares[part.metric], zone)
        found = remainders(*args)
        readings.append(_Reading(moved, args, found, own) if keep else _Reading(None, None, found))
        del moved, args, own
    return readings


def _counted(shift: TimeShift, series: int, metrics: int) -> TimeShift:
    return replace(shift, series=max(series, 1), metrics=max(metrics, 1))


def _shift(
    part, choice: _Choice, shares, sure: bool, known, prior=None, reading=None
) -> TimeShift | None:
    view, groups = part.view, part.view.groups
    f = choice.fits[part.metric]
    amount, own = _moved(part, choice.fits, shares, choice.fitted, prior, reading)
    width = f.width
    if np.abs(amount).sum() < MIN_MOVED:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.nanmax(np.abs(f.shares[:, :width]) / f.spread[:, :width], axis=1, initial=0.0)
    strong = f.valid & (t >= T_HIGH) & (f.explained >= EXPLAINED_HIGH)
    moved_by = groups.sum(np.abs(amount))
    high = sure and moved_by[strong].sum() >= 0.9 * moved_by.sum()
    showing = moved_by > 0
    weight = f.volume * showing
    mean = (shares[:, :width] * weight[:, None]).sum(axis=0) / max(weight.sum(), 1)
    explained = float((f.explained * weight).sum() / max(weight.sum(), 1))
    segments = [h for _, h in choice.zone.segments]
    per_segment = []
    column = 0
    for hours in segments:
        if hours == 0:
            per_segment.append(0.0)
        else:
            per_segment.append(float(mean[column]))
            column += 1
    gap = groups.sum(part.rest, part.fit_on)
    leaving, arriving = _moving(part, own, choice.fitted)
    del own
    return TimeShift(
        amount=amount,
        confidence="high" if high else "medium",
        zone=choice.zone,
        shares=tuple(per_segment),
        explained=max(explained, 0.0),
        journeys=tuple(k.item() if hasattr(k, "item") else k for k in groups.keys[showing]),
        days=view.dates(amount != 0),
        volume=int(weight.sum()),
        total_gap=int(np.abs(gap[showing]).sum()),
        alike=() if known is not None else choice.alike,
        rival="" if known is not None else choice.rival,
        recorded=known.describe() if known is not None else "",
        leaving=leaving,
        arriving=arriving,
    )


# The same weekday a week before stands for a full day of today (journeys keep a weekly
# pattern).
WEEK = 7
# Today is read as unfinished only when it holds at most this share of that day: a day's
# volume varies by up to a third from one week to the next, so a day with more may be whole
# (an export taken after midnight, or a generator that counts today in full).
UNFINISHED = 0.5


def _read_as_unfinished(today: np.ndarray, full: np.ndarray, known: bool) -> np.ndarray:
    """Per cell, whether today so far (`today`) is read against a full day (`full`, the
    same weekday a week before): only where there is one, and where today so far holds at
    most UNFINISHED of it, unless the capture time says today was still going on (`known`,
    Part.unfinished). Then a day holding more is unfinished all the same, and the full
    day is at least today so far. (Tuning seeds 1-5 of the event simulator: behind, where
    today so far held 50-150 % of the week before's, the fitted share of today so far
    moved 8.9 k too little onto yesterday on seeds 1-3, and took it from lag.)"""
    if known:
        return full > 0
    return (full > 0) & (today <= UNFINISHED * full)


def _unfinished(view, own: _Own) -> np.ndarray:
    """Per cell, what the fitted share gets wrong on today's unfinished day (and, behind,
    on yesterday, which receives today's first hours).

    The fitted share `s` is of a full day; today is counted up to the capture. Behind, the
    data view puts today's first hours on yesterday: they have passed in full (s of a full
    day) unless the capture came before they ended (then all of today so far moved).
    Ahead, it puts today's last hours on tomorrow: they have not come yet, unless today so
    far holds more than the rest of a full day. A full day is read from the same weekday a
    week before; without it, or when today so far holds more than UNFINISHED of it and
    the capture time does not say today was going on (`_read_as_unfinished`), the fitted
    share stands. `own` is the cells' `_own_share`."""
    if not (view.age == 0).any():
        return np.zeros(len(view))
    correction = np.where(own.usable, own.passed - own.share * view.ajo.astype(float), 0.0)
    # Behind, yesterday receives what moves from today.
    hours = own.hours[own.segment]
    return correction - neighbour(view, np.where(hours < 0, correction, 0.0), 1)


def _today_beyond(view, zone: Offsets, per_cell: np.ndarray, known: bool = False) -> np.ndarray:
    """Per cell, what the fitted share gets wrong on yesterday when today is not a cell of
    the range (a question ending yesterday), so that `_unfinished` never sees it.

    Behind, yesterday receives today's first hours, and the fit moved the share of what
    the frame holds for the day after the range: today so far, not a full day. Those hours
    have passed in full (the share of a full day) unless the capture came before they
    ended (then all of today so far moved), as `_unfinished` reads them; the full day is
    the same weekday a week before (six days before yesterday). Without it, or when today
    so far holds more than UNFINISHED of it (`_read_as_unfinished`; `known`: today was
    going on at the capture), the fitted share stands. Ahead, yesterday receives from the
    day before, which is whole: nothing to correct. (Tuning seeds 1-5 of the event
    simulator: a yesterday of a range ending there took 12.9 k of shift wrongly on seeds
    1-2, 11.8 k of it one way, from lag.)"""
    yesterday = (view.age == 1) & (neighbour(view, np.ones(len(view)), 1) == 0)
    if not yesterday.any():
        return np.zeros(len(view))
    hours = zone.hours()
    column = np.full(len(hours), -1)
    column[hours != 0] = np.arange(int((hours != 0).sum()))
    segment = zone.segment_of(view.day + np.timedelta64(1, "D"))
    inside = segment >= 0
    segment = np.clip(segment, 0, None)
    col = np.where(inside, column[segment], -1)
    rows = np.arange(len(view))
    share = np.clip(np.where(col >= 0, per_cell[rows, np.maximum(col, 0)], 0.0), 0, 1)
    today = view.ajo_next.astype(float)
    full = _week_before(view, ahead=1).astype(float)
    usable = yesterday & (col >= 0) & (hours[segment] < 0)
    usable &= _read_as_unfinished(today, full, known)
    full = np.maximum(full, today)
    return np.where(usable, np.minimum(today, share * full) - share * today, 0.0)


@dataclass(frozen=True, eq=False)
class _Own:
    """One part's shares per cell, read once for `_unfinished` and `_moving`."""

    per_cell: np.ndarray  # [cell, segment with a shift]: the shares in the zone's direction
    hours: np.ndarray  # per segment of the zone
    column: np.ndarray  # per segment, its column in `per_cell` (-1: no shift)
    segment: np.ndarray  # per cell, its segment
    share: np.ndarray  # per cell, the fitted share of its segment (0 where no shift)
    passed: np.ndarray  # per cell, the events that have left today so far
    usable: np.ndarray  # per cell, whether today's reading replaces the fitted share


def _own_share(view, zone: Offsets, per_cell: np.ndarray, known: bool = False) -> _Own:
    """Per cell: the fitted share of its segment in the zone's direction (0 where the
    segment has no shift); the events that have left today so far (`_unfinished`); and
    whether today's reading replaces the fitted share. `per_cell` is, per cell, the
    shares in the zone's direction, one column per segment with a shift; `known`: the
    capture time says today was still going on (`_read_as_unfinished`)."""
    today = view.age == 0
    hours = zone.hours()
    column = np.full(len(hours), -1)
    column[hours != 0] = np.arange(int((hours != 0).sum()))
    segment = zone.segment_of(view.day)
    col = column[segment]
    rows = np.arange(len(view))
    share = np.clip(np.where(col >= 0, per_cell[rows, np.maximum(col, 0)], 0.0), 0, 1)
    if not today.any():
        passed = share * view.ajo.astype(float)
        return _Own(per_cell, hours, column, segment, share, passed, today)
    direction = np.sign(hours[segment])
    ajo = view.ajo.astype(float)
    full = _week_before(view).astype(float)
    usable = today & (col >= 0) & _read_as_unfinished(ajo, full, known)
    full = np.maximum(full, ajo)
    passed = np.where(
        direction < 0, np.minimum(ajo, share * full), np.maximum(ajo - (1 - share) * full, 0.0)
    )
    return _Own(per_cell, hours, column, segment, share, passed, usable)


def _week_before(view, ahead: int = 0) -> np.ndarray:
    """Per cell, AJO's value of the same journey WEEK days before its day (`ahead`: before
    the day that many days after it; 0 when none)."""
    day = view.day.astype(np.int64)
    key = view.groups.ids.astype(np.int64) * (1 << 32) + day
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    wanted = key + ahead - WEEK
    position = np.clip(np.searchsorted(ordered, wanted), 0, max(len(key) - 1, 0))
    found = ordered[position] == wanted
    return np.where(found, view.ajo[order][position], 0)
