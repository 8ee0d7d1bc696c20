"""How far CJA got on each day: the witnesses' completeness, pooled across journeys.

The witnesses are Sent's retry-free siblings from its dataset (Delivered, Bounces, Errors,
Excluded), summed per journey and day as stored (bot.reconcile.witnesses); Delivered
carries nearly all of their volume, so "Delivered" below stands for the sum.

CJA processes a day's events together, whichever journey they belong to, so on a day still
being processed every journey's Delivered is short by the same share (Adobe: both products
sync from the same data lake and process it at their own speed). One journey's Delivered
says that share with binomial noise as large as a day's retries (±75 on 22 k against ~450);
the day's Delivered summed over the journeys says it with the noise of their total.

Each journey's Delivered is first divided by its usual CJA/AJO ratio on older settled days
(its data-source difference); the pooled share is then a ratio of sums, so each journey
counts by its volume. The journey's own Delivered stays in the pool: its Sent and Delivered
are thinned by the same processing, so it is the closest witness, not a bias.

A journey whose days are shifted by a time zone slides its events to the neighbouring day
by its own intraday profile; its AJO Delivered is shifted the same way before it is pooled
(the time-zone finding on Sent, scaled by Delivered's usual share of Sent). Reading such a
journey against its own Delivered alone instead was tried: it lost more than it gained on
the evaluation's generated stores, its one-journey reading being as noisy as above.

The uncertainty of a share is the day-to-day scatter of the same ratio on older days (the
two products' data sources wobble by a few tenths of a percent) plus the binomial thinning
of the day's Delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.reconcile.detectors import CellView
from bot.reconcile.pool import DayReach

# AJO's Delivered on a day, for CJA's share of it to say anything.
MIN_SIBLING = 50
# A day is still being processed when its pooled share is short beyond this many standard
# deviations of its uncertainty, and by at least SHORT_FLOOR.
PROCESSING_Z = 3.0
SHORT_FLOOR = 0.005
# Older days a journey needs for its usual ratio, and a pool for its day-to-day scatter.
MIN_RATIO_DAYS = 3
MIN_SCATTER_DAYS = 5


@dataclass(frozen=True, eq=False)
class Reach:
    """Per cell: the share of its day CJA had processed, and how sure that share is."""

    share: np.ndarray  # 1.0 where unknown
    relvar: np.ndarray  # relative variance of `share`
    known: np.ndarray  # the journey's Delivered was read and pooled for this day
    # The same share pooled over the day's other journeys only (NaN where there are none):
    # what the journey's own shortfall is judged against, so that it is not in the judge.
    others: np.ndarray | None = None
    others_relvar: np.ndarray | None = None
    # The per-day sums over every journey the shares were read from (bot.reconcile.pool).
    days: DayReach | None = None
    # How far one journey's own share of its day may be from `share` (a variance).
    between: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Reach:
        """The cells at `index` (as CellView.take)."""
        others = None if self.others is None else self.others[index]
        relvar = None if self.others_relvar is None else self.others_relvar[index]
        between = None if self.between is None else self.between[index]
        return Reach(
            self.share[index], self.relvar[index], self.known[index], others, relvar, None, between
        )


def _binomial(kept: np.ndarray, total: np.ndarray) -> np.ndarray:
    share = np.clip(kept / np.maximum(total, 1.0), 0.01, 0.999)
    return (1 - share) / (share * np.maximum(total, 1.0))


def _group(
    view: CellView,
    group: np.ndarray,
    older: np.ndarray,
    expected: np.ndarray,
    given: DayReach | None = None,
):
    """The share of each day for the cells in `group`, its relative variance per cell, and
    the per-day sums it was read from. `given`: those sums over every journey (a pool), for
    cells that are only some journeys' (each cell's own part is still its own)."""
    if given is None:
        days, index = np.unique(view.day, return_inverse=True)
        index = index.reshape(-1)

        def per_day(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
            return np.bincount(index, np.where(mask, values, 0), len(days))

        got, want = per_day(view.sibling_cja, group), per_day(expected, group)
        total = per_day(view.sibling_ajo, group)
        # The wobble from the older days' cells alone (a journey doubled or out on a day is
        # not among them).
        got_old = per_day(view.sibling_cja, group & older)
        want_old = per_day(expected, group & older)
        scatter = got_old[want_old > 0] / want_old[want_old > 0] - 1.0
        wobble = 0.0
        if len(scatter) >= MIN_SCATTER_DAYS:
            wobble = (1.4826 * float(np.median(np.abs(scatter - np.median(scatter))))) ** 2
        between = between_journeys(view, group, older, expected, index, len(days))
        given = DayReach(days, got, want, total, wobble, between)
    else:
        index = np.searchsorted(given.days, view.day)
    got, want, total, wobble = given.got, given.want, given.total, given.wobble
    share = np.where(want > 0, got / np.maximum(want, 1e-9), 1.0)
    # Each cell's day without the cell itself.
    got_else = got[index] - np.where(group, view.sibling_cja, 0)
    want_else = want[index] - np.where(group, expected, 0)
    total_else = total[index] - np.where(group, view.sibling_ajo, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        others = np.where(want_else > 0.5, got_else / want_else, np.nan)
    between = np.zeros(len(got)) if given.between is None else given.between
    return (
        share[index],
        (wobble + _binomial(got, total))[index],
        want[index] > 0,
        others,
        wobble + _binomial(got_else, total_else),
        given,
        between[index],
    )


def between_journeys(
    view: CellView,
    group: np.ndarray,
    older: np.ndarray,
    expected: np.ndarray,
    index: np.ndarray,
    days: int,
) -> np.ndarray:
    """Per day, the variance of the journeys' own shares around the day's beyond what their
    counting and their own day-to-day scatter on older days explain (DerSimonian-Laird).

    CJA processes a day's events together, but not every journey's events of the day are
    as far along: on any young day a journey that sent in the day's last hours is further
    behind (CJA's ingestion delays have a tail of days), and a journey filtered from a
    recent date is thinner than its older days say. The pooled share is the day's average
    journey's; this is how far one journey may be from it."""
    usable = group & (expected > 0)
    own = np.where(usable, view.sibling_cja / np.maximum(expected, 1e-9), np.nan)
    groups = view.groups
    old = usable & older
    # Each journey's usual scatter of its own share (a data source wobbling apart from
    # Sent's is in it, and says nothing of the day).
    scatter = np.where(
        groups.count(old) >= MIN_SCATTER_DAYS,
        (1.4826 * groups.mad(np.nan_to_num(own, nan=1.0), old)) ** 2,
        0.0,
    )[groups.ids]
    variance = scatter + _binomial(view.sibling_cja, view.sibling_ajo)
    weight = np.where(usable, 1.0 / np.maximum(variance, 1e-12), 0.0)
    value = np.nan_to_num(own)

    def per_day(values: np.ndarray) -> np.ndarray:
        return np.bincount(index, values, days)

    sw, swx, swxx = per_day(weight), per_day(weight * value), per_day(weight * value * value)
    sww, k = per_day(weight * weight), per_day(usable.astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = swxx - swx * swx / sw
        scale = sw - sww / sw
        tau = (q - (k - 1)) / scale
    return np.where((k >= 2) & (scale > 0) & np.isfinite(tau), np.maximum(tau, 0.0), 0.0)


def pooled(
    view: CellView, older: np.ndarray, shift: np.ndarray, given: DayReach | None = None
) -> Reach:
    """CJA's completeness of each day, from Delivered of every journey readable that day.

    `older` are the settled days outside the retry window (what "usual" is learned from);
    `shift` is, per cell, the time-zone part of Sent's gap already found (0 elsewhere).
    `given`: the per-day sums over every journey (bot.reconcile.pool), when `view` holds
    only some journeys' cells.
    """
    readable = (view.sibling_ajo >= MIN_SIBLING) & (view.sibling_cja > 0)
    groups = view.groups
    old = older & readable
    enough = groups.count(old) >= MIN_RATIO_DAYS
    share = groups.sum(view.sibling_ajo, old) / np.maximum(groups.sum(view.ajo, old), 1)
    # The shift moves events between days; over a run of days cut out of the range it does
    # not cancel (the run's first and last days keep what moved across).
    shifted = groups.sum(view.sibling_ajo - share[groups.ids] * shift, old)
    used = enough & (shifted > 0)
    ratio = np.where(used, groups.sum(view.sibling_cja, old) / np.where(used, shifted, 1), 0.0)
    delivered_share = np.where(used, share, 0.0)
    ratio, delivered_share = ratio[groups.ids], delivered_share[groups.ids]
    usable = used[groups.ids] & readable
    # AJO's Delivered as CJA would show it once processed: its usual ratio, its shift.
    expected = ratio * (view.sibling_ajo - delivered_share * shift)
    usable &= expected > 0
    share, relvar, seen, others, others_relvar, days, between = _group(
        view, usable, older, expected, given
    )
    known = usable & seen
    return Reach(
        np.where(known, share, 1.0),
        np.where(known, relvar, 0.0),
        known,
        others,
        others_relvar,
        days,
        np.where(known, between, 0.0),
    )


def arriving_days(view: CellView, reach: Reach, young: np.ndarray) -> np.ndarray:
    """The young days the witnesses show CJA has not finished (`still_processing`'s days),
    ascending: a pooled figure (bot.reconcile.pool)."""
    short = 1.0 - reach.share
    behind = (
        young
        & reach.known
        & (short > np.maximum(PROCESSING_Z * np.sqrt(reach.relvar), SHORT_FLOOR))
    )
    return np.unique(view.day[behind])


def still_processing(
    view: CellView, reach: Reach, young: np.ndarray, days: np.ndarray | None = None
) -> np.ndarray:
    """Young days the witnesses show CJA has not finished: every journey's cells on a day
    whose pooled share is short beyond its noise (a recent day still arriving is lag, even
    when the documented rule calls it final). `days`: those days as found over every
    journey (bot.reconcile.pool), for a view of some journeys' cells."""
    return np.isin(view.day, arriving_days(view, reach, young) if days is None else days)


def behind_elsewhere(reach: Reach, young: np.ndarray) -> np.ndarray:
    """Young cells whose day the *other* journeys show CJA has not finished, short beyond
    their noise: where a metric is its own witness, one journey short alone says nothing of
    processing (a filter does the same), the day's other journeys short too do."""
    if reach.others is None:
        return np.zeros(len(young), dtype=bool)
    short = 1.0 - reach.others
    noise = np.sqrt(np.nan_to_num(reach.others_relvar, nan=np.inf))
    return young & np.isfinite(short) & (short > np.maximum(PROCESSING_Z * noise, SHORT_FLOOR))
