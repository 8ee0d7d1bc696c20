"""The least-squares fits behind the time-zone diagnosis, for every (metric, journey) series
of a data view at once.

If CJA's data view keeps a clock h hours behind the reporting zone, the events of AJO's day
d in its first h hours land on CJA's day d - 1: with s(d) that share,
gap(d) = s(d) A(d) - s(d + 1) A(d + 1). Ahead, the last h hours move to the next day:
gap(d) = s(d) A(d) - s(d - 1) A(d - 1). The share depends on h, which changes whenever one
of the two zones starts or ends daylight saving, and on the hours the journey sends at, which
daily numbers do not show: so each segment of constant h has a share of its own per series,
and the zone's segments say where they change. A series' remaining gap is fitted to a
proportional term c A(d) (the data sources' steady difference) plus one term per segment.

When AJO's own midnight cuts a send batch, what moves follows the neighbouring day's volume
rather than the day's own; a second term per segment, in the other direction, then fits
it ("two-term"), kept only when it is clearly better (TWO_TERM_GAIN).

Each series is scored by the gain in log-likelihood over the proportional term alone, less
a penalty per share fitted (BIC): the zone fitting all series best is the data view's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bot.reconcile.detectors import CellView, Groups
from bot.reconcile.offsets import Offsets

MIN_DAYS = 7
# Gain in log-likelihood a two-term fit needs over one term per segment.
TWO_TERM_GAIN = 5.0
# Neither term of a two-term fit moves more than half a day's events (a zone further off
# is nearer the other way round).
MAX_SHARE = 0.5
# Variance floor per day (events squared): a series with no gap at all is not a perfect fit.
FLOOR = 1.0


@dataclass(frozen=True, eq=False)
class Part:
    """One metric's cells as the time-zone fit sees them."""

    metric: str
    view: CellView  # AJO with its own duplicate copies taken off: the reference
    rest: np.ndarray  # the gap earlier causes left
    fit_on: np.ndarray  # settled days whose AJO value and neighbours are whole
    apply_to: np.ndarray  # days the shift found is applied to


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """One metric's journeys fitted under one zone."""

    shares: np.ndarray  # [journey, column]: the share per segment (and other-way terms)
    spread: np.ndarray  # [journey, column]: standard error; inf where not estimable
    gain: np.ndarray  # [journey]: log-likelihood gain less the penalty
    explained: np.ndarray  # [journey]: share of the gap's variation the shift explains
    two_term: np.ndarray  # [journey]: the two-term fit was kept
    valid: np.ndarray  # [journey]: enough days to judge a zone by
    estimable: np.ndarray  # [journey]: enough days for shares of its own, however rough
    columns: np.ndarray  # [cell, column]: the regressors, to apply the shares with
    volume: np.ndarray  # [journey]: AJO's events on the days fitted


def regressors(view: CellView, zone: Offsets, both: bool) -> np.ndarray:
    """[cell, column]: per segment with a shift, the change that moves under it (in the
    zone's direction); with `both`, the other direction's after them."""
    hours = zone.hours()
    here = zone.segment_of(view.day)
    before = zone.segment_of(view.day - np.timedelta64(1, "D"))
    after = zone.segment_of(view.day + np.timedelta64(1, "D"))
    ajo = view.ajo.astype(float)
    prev, nxt = view.ajo_prev.astype(float), view.ajo_next.astype(float)
    behind, ahead = [], []
    for k in np.flatnonzero(hours != 0):
        mine = np.where(here == k, ajo, 0.0)
        behind.append(mine - np.where(after == k, nxt, 0.0))
        ahead.append(mine - np.where(before == k, prev, 0.0))
    own = [b if hours[k] < 0 else a for k, b, a in zip(np.flatnonzero(hours != 0), behind, ahead,
                                                        strict=True)]  # fmt: skip
    other = [a if hours[k] < 0 else b for k, b, a in zip(np.flatnonzero(hours != 0), behind,
                                                          ahead, strict=True)]  # fmt: skip
    columns = own + other if both else own
    return np.column_stack(columns) if columns else np.zeros((len(view), 0))


def _grams(groups: Groups, x: np.ndarray, y: np.ndarray, kept: np.ndarray):
    """Per group, X'X and X'y over the cells in `kept`: each group's cells laid out in a row
    of their own (zeros after its last), then one batched matrix product. Summing every
    cell's outer product instead took a cells x columns x columns array (400 MB for a
    13-month question at 1,000 journeys) and half the diagnosis' time."""
    order, bounds = groups.order, groups.bounds
    counts = np.diff(bounds)
    width = int(counts.max()) if len(counts) else 0
    row = groups.ids[order]
    column = np.arange(len(order)) - bounds[:-1][row]
    padded = np.zeros((len(counts), width, x.shape[1] + 1))
    padded[row, column, :-1] = x[order]
    padded[row, column, -1] = y[order]
    mask = np.zeros((len(counts), width))
    mask[row, column] = kept[order]
    product = np.matmul((padded[:, :, :-1] * mask[:, :, None]).transpose(0, 2, 1), padded)
    return product[:, :, :-1], product[:, :, -1]


def _inverse(gram: np.ndarray) -> np.ndarray:
    """Batched inverse of X'X, scaled to unit diagonal with a tiny ridge: a column a
    journey's days never exercise gets a zero coefficient (its moment is zero) rather than
    a singular matrix."""
    diagonal = np.sqrt(np.einsum("gii->gi", gram))
    diagonal = np.where(diagonal > 0, diagonal, 1.0)
    outer = diagonal[:, :, None] * diagonal[:, None, :]
    scaled = gram / outer + 1e-10 * np.eye(gram.shape[1])
    return np.linalg.inv(scaled) / outer


def _solve(groups: Groups, x, y, kept, gram, moment, p: int):
    """Least squares on the first `p` columns: (coef, inverse, sse, residual)."""
    inverse = _inverse(gram[:, :p, :p])
    coef = np.einsum("gij,gj->gi", inverse, moment[:, :p])
    residual = y - np.einsum("ci,ci->c", x[:, :p], coef[groups.ids])
    return coef, inverse, groups.sum(residual * residual, kept), residual


def fit(part: Part, zone: Offsets) -> tuple[SeriesFit, SeriesFit]:
    """Every journey of one metric under `zone`, with one term per segment and with two;
    days far off both first fits stay for later causes."""
    view, groups = part.view, part.view.groups
    y = part.rest.astype(float)
    volume = view.ajo.astype(float)
    columns = regressors(view, zone, True)
    x = np.column_stack([volume, columns])
    k = columns.shape[1] // 2
    kept = part.fit_on.copy()
    gram, moment = _grams(groups, x, y, kept)
    # A day far off both first fits (an outage, say) is left out of both.
    outliers = kept.copy()
    for p in (1 + k, 1 + 2 * k):
        _, _, _, residual = _solve(groups, x, y, kept, gram, moment, p)
        scale = 1.4826 * groups.mad(residual, kept)
        outliers &= np.abs(residual) > 4 * np.nan_to_num(scale)[groups.ids] + 1
    if outliers.any():
        kept = kept & ~outliers
        gram, moment = _grams(groups, x, y, kept)
    days = groups.count(kept)
    vv = gram[:, 0, 0]
    c0 = moment[:, 0] / np.where(vv > 0, vv, 1.0)
    rest = y - volume * c0[groups.ids]
    sse0 = groups.sum(rest * rest, kept)
    fits = []
    for both in (False, True):
        p = 1 + (2 * k if both else k)
        coef, inverse, sse, _ = _solve(groups, x, y, kept, gram, moment, p)
        fits.append(
            _judged(
                groups, coef, inverse, gram[:, :p, :p], sse, sse0, days, both, columns[:, : p - 1]
            )
        )
        fits[-1] = replace(
            fits[-1],
            volume=groups.sum(volume, kept),
            estimable=fits[-1].estimable & (vv > 0),
            valid=fits[-1].valid & (vv > 0),
        )
    return fits[0], fits[1]


def _judged(groups, coef, inverse, gram, sse, sse0, days, both: bool, columns) -> SeriesFit:
    p = coef.shape[1]
    valid = days >= MIN_DAYS
    floor = FLOOR * np.maximum(days, 1)
    penalty = (p - 1) * np.log(np.maximum(days, 2)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = days / 2 * np.log((sse0 + floor) / (sse + floor)) - penalty
        explained = np.where(sse0 > 0, 1 - sse / sse0, 0.0)
    shares = coef[:, 1:]
    if not both:
        # Events move one way: a share against the zone's direction is no fit of it (its
        # best fit with shares at least 0 is no shift at all).
        against = (shares.sum(axis=1) <= 0) | (shares < 0).any(axis=1) & ~(shares > 0).any(axis=1)
        gain = np.where(against, -penalty, gain)
    else:
        # Both terms may be negative (a batch cut by AJO's midnight), neither moving more
        # than half a day; the zone's own direction must weigh more than the other.
        k = (p - 1) // 2
        fits_zone = (shares[:, :k].sum(axis=1) > shares[:, k:].sum(axis=1)) & (
            np.abs(shares) <= MAX_SHARE
        ).all(axis=1)
        gain = np.where(fits_zone, gain, -penalty)
    dof = np.maximum(days - p, 1)
    variance = np.einsum("gii->gi", inverse)[:, 1:] * ((sse + floor) / dof)[:, None]
    # A column the journey's days never exercise (a segment outside its days) is unknown.
    exercised = np.einsum("gii->gi", gram)[:, 1:] > 0
    spread = np.where(exercised, np.sqrt(np.maximum(variance, 0.0)), np.inf)
    return SeriesFit(
        shares=shares,
        spread=spread,
        gain=np.where(valid, gain, 0.0),
        explained=np.where(valid, explained, 0.0),
        two_term=np.full(len(groups), both),
        valid=valid,
        estimable=days >= p + 2,
        columns=columns,
        volume=np.zeros(len(groups)),
    )


def best_of(one: SeriesFit, two: SeriesFit) -> SeriesFit:
    """Per journey, the two-term fit where it is clearly better than one term per segment;
    the one-term shares are padded with zeros for the other-way terms."""
    pick = two.valid & (two.gain >= one.gain + TWO_TERM_GAIN)
    pad = np.zeros_like(one.shares)
    shares = np.where(pick[:, None], two.shares, np.hstack([one.shares, pad]))
    spread = np.where(
        pick[:, None], two.spread, np.hstack([one.spread, np.full_like(one.spread, np.inf)])
    )
    return SeriesFit(
        shares=shares,
        spread=spread,
        gain=np.where(pick, two.gain, one.gain),
        explained=np.where(pick, two.explained, one.explained),
        two_term=pick,
        valid=one.valid,
        estimable=one.estimable,
        columns=two.columns,
        volume=one.volume,
    )
