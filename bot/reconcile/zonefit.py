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

More generally, the hours that move belong to one of the audience's days (AJO sends at
hours local to the audience), and AJO's day d holds parts of two of them, shared with day
d - 1 or d + 1: so the events moved from day d follow A(d) less (or plus) a part of a
neighbour, M(d) = a A(d) + b A(d - 1) + c A(d + 1), not a steady share of A(d). With a
weekly pattern (quiet weekends) a steady share misses every Friday and Monday. The
"neighbour" fit adds b and c (one each for the range, the send profile being the same in
every segment) to the shares per segment, kept only when clearly better than both fits
above (NEIGHBOUR_GAIN).

Each series is scored by the gain in log-likelihood over the proportional term alone, less
a penalty per share fitted (BIC): the zone fitting all series best is the data view's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from bot.reconcile.detectors import CellView, Groups
from bot.reconcile.offsets import Offsets

MIN_DAYS = 7
# Gain in log-likelihood a two-term fit needs over one term per segment.
TWO_TERM_GAIN = 5.0
# Neither term of a two-term fit moves more than half a day's events (a zone further off
# is nearer the other way round).
MAX_SHARE = 0.5
# Gain in log-likelihood the neighbour fit needs over the better of the two above: its
# terms also follow the data sources' day-to-day wobble (tuning seeds 1-5 of the event
# simulator: at 5 and 8 the retries inferred beside it moved by a point).
NEIGHBOUR_GAIN = 12.0
# No term of the neighbour fit moves more than a whole day's events.
MAX_TERM = 1.0
# Variance floor per day (events squared): a series with no gap at all is not a perfect fit.
FLOOR = 1.0
# Proportional terms every fit and its baseline carry ahead of the shift's: c A(d) and the
# journey's step (Part.step).
NUISANCE = 2


@dataclass(frozen=True, eq=False)
class Part:
    """One metric's cells as the time-zone fit sees them."""

    metric: str
    view: CellView  # AJO with its own duplicate copies taken off: the reference
    rest: np.ndarray  # the gap earlier causes left
    fit_on: np.ndarray  # settled days whose AJO value and neighbours are whole
    apply_to: np.ndarray  # days the shift found is applied to
    # Days past every window too (retries included), where nothing but the shift and the
    # data sources' wobble is left: what each day moved is read there (None: `fit_on`).
    quiet: np.ndarray | None = None
    # Per cell, AJO's value from its journey's step on (a data-view filter from a date on,
    # bot.reconcile.zonestep), a second proportional term: None where no journey steps.
    step: np.ndarray | None = None
    # The share of a day's events the data sources' wobble stays within (the metric's
    # tolerance): remainders varying beyond it show the shift's day-to-day deviations
    # (bot.reconcile.zonedays.least_deviations); None: not used.
    tolerance: float | None = None
    # Settled days both products report nothing for: the shift moved nothing into or out
    # of them, so it is not applied there, and what its share put there is the
    # neighbour's (bot.reconcile.zonedays.deviations). None: none known.
    empty: np.ndarray | None = None
    # The capture time says today was still going on when AJO's numbers were read
    # (Rules.today_unfinished): today so far is then never taken for a whole day.
    unfinished: bool = False
    # The proportional terms' fit (`_Known`), kept from the first zone fitted: every
    # candidate zone's baseline is the same fit but for the journeys its outliers change.
    baseline: dict = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass(frozen=True, eq=False)
class _Known:
    """A least-squares fit already made over the same columns, per group: its coefficients
    and squared residuals, true of another fit's groups in `same` (the same cells kept),
    and the normal equations' matrix and the inverse it was solved with."""

    coef: np.ndarray
    sse: np.ndarray
    same: np.ndarray
    gram: np.ndarray
    inverse: np.ndarray


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """One metric's journeys fitted under one zone."""

    shares: np.ndarray  # [journey, column]: the share per segment (and other-way terms)
    spread: np.ndarray  # [journey, column]: standard error; inf where not estimable
    gain: np.ndarray  # [journey]: log-likelihood gain less the penalty
    explained: np.ndarray  # [journey]: share of the gap's variation the shift explains
    two_term: np.ndarray  # [journey]: the two-term or the neighbour fit was kept
    valid: np.ndarray  # [journey]: enough days to judge a zone by
    estimable: np.ndarray  # [journey]: enough days for shares of its own, however rough
    volume: np.ndarray  # [journey]: AJO's events on the days fitted
    width: int = 0  # columns in the zone's own direction (one per segment with a shift)
    # [journey]: the neighbour fit was kept (two_term too: its shares are not a day's)
    neighbours: np.ndarray | None = None
    # The cells and zone fitted: the regressors are recomputed from them when asked for
    # (`columns`), not kept. Every candidate zone's fits are held while the zones are
    # compared, and a [cell, column] array per zone and metric was the 13-month question's
    # largest holding (217 MB of its 815 MB peak at 250 journeys).
    view: CellView | None = None
    zone: Offsets | None = None

    @property
    def columns(self) -> np.ndarray:
        """[cell, column]: the regressors, to apply the shares with (the numbers fitted:
        `design` is deterministic)."""
        return design(self.view, self.zone)


def design(view: CellView, zone: Offsets) -> np.ndarray:
    """[cell, column]: every fit's regressors, laid out alike (see `fit`)."""
    return np.ascontiguousarray(_regressors(view, zone).T)


def _regressors(view: CellView, zone: Offsets, before: int = 0, after: int = 0) -> np.ndarray:
    """[column, cell]: the regressors as `design` lays them out, a row each (written and
    read a column of cells at a time: a column of a [cell, column] array touches every
    row's memory), with `before` rows left free ahead of them and `after` behind."""
    width = 2 * int((zone.hours() != 0).sum()) + 2
    rows = np.empty((before + width + after, len(view)))
    _fill(rows[before : before + width].T, view, zone)
    return rows


def _fill(out: np.ndarray, view: CellView, zone: Offsets) -> None:
    """Write the regressors into `out` ([cell, column], as `design` lays them out): per
    segment with a shift, the change that moves under it in the zone's direction, then in
    the other direction, then the previous and the next day's terms. Each day's segment,
    and its neighbours', are looked up once for all of them."""
    if view.grid_days is not None:
        _fill_grid(out, view, zone)
        return
    hours = zone.hours()
    one = np.timedelta64(1, "D")
    here, before, after = (zone.segment_of(d) for d in (view.day, view.day - one, view.day + one))
    ajo = view.ajo.astype(float)
    prev, nxt = view.ajo_prev.astype(float), view.ajo_next.astype(float)
    moving = np.flatnonzero(hours != 0)
    for column, k in enumerate(moving):
        mine = np.where(here == k, ajo, 0.0)
        behind = mine - np.where(after == k, nxt, 0.0)
        ahead = mine - np.where(before == k, prev, 0.0)
        own, other = (behind, ahead) if hours[k] < 0 else (ahead, behind)
        out[:, column], out[:, len(moving) + column] = own, other
    out[:, 2 * len(moving) :] = _neighbour_terms(view, hours, here, before, after, ajo, prev, nxt)


def _fill_grid(out: np.ndarray, view: CellView, zone: Offsets) -> None:
    """`_fill` where the cells are a [journey, day] grid with the same days on every row:
    a day's segment (and its neighbours') is a column's, so each regressor is worked out
    over the columns of days it can be other than zero, from the same operands as `_fill`
    (so the same numbers, zeros included), and written in place."""
    days = view.grid_days
    shape = (len(view.groups), len(days))
    hours = zone.hours()
    one = np.timedelta64(1, "D")
    here, before, after = (zone.segment_of(d) for d in (days, days - one, days + one))
    ajo = view.ajo.astype(float).reshape(shape)
    prev = view.ajo_prev.astype(float).reshape(shape)
    nxt = view.ajo_next.astype(float).reshape(shape)
    moving = np.flatnonzero(hours != 0)
    for column, k in enumerate(moving):
        mine = here == k
        for target, edge, values in ((after == k, "behind", nxt), (before == k, "ahead", prev)):
            own = (edge == "behind") == (hours[k] < 0)
            written = out[:, column if own else len(moving) + column].reshape(shape)
            _written(written, mine | target, ajo, mine, values, target)
    left = 2 * len(moving)
    hours_here = hours[np.clip(here, 0, None)]
    shifted, behind = hours_here != 0, hours_here < 0
    moving_after = hours[np.clip(after, 0, None)] != 0
    moving_before = hours[np.clip(before, 0, None)] != 0
    consecutive = (days[1:] - days[:-1]).astype(np.int64) == 1
    prev2, next2 = prev.copy(), nxt.copy()
    prev2[:, 1:] = np.where(consecutive, prev[:, :-1], prev[:, 1:])
    next2[:, :-1] = np.where(consecutive, nxt[:, 1:], nxt[:, :-1])
    for column, own, (after_values, before_values) in (
        (left, prev, (ajo, prev2)),
        (left + 1, nxt, (next2, ajo)),
    ):
        into = np.where(
            behind,
            np.where(moving_after, after_values, 0.0),
            np.where(moving_before, before_values, 0.0),
        )
        np.subtract(np.where(shifted, own, 0.0), into, out=out[:, column].reshape(shape))


def _written(out, span, ajo, mine, values, target) -> None:
    """`out` ([journey, day]) = where(mine, ajo, 0) - where(target, values, 0), worked out
    over the columns from the first to the last day in `span` (zeros elsewhere, as the
    expression gives there)."""
    out[...] = 0.0
    found = np.flatnonzero(span)
    if not len(found):
        return
    cut = slice(found[0], found[-1] + 1)
    out[:, cut] = np.where(mine[cut], ajo[:, cut], 0.0) - np.where(target[cut], values[:, cut], 0.0)


def _neighbour_terms(view, hours, here, before, after, ajo, prev, nxt) -> np.ndarray:
    """[cell, 2]: the change a term in the previous day's and in the next day's AJO volume
    moves, on days the zone shifts: M(d) = A(d - 1) (or A(d + 1)) moved from day d to the
    neighbour in the zone's direction, so the day's gap gains M(d) and loses what the day
    on the other side moved into it."""
    hours_here = hours[np.clip(here, 0, None)]
    shifted, behind = hours_here != 0, hours_here < 0
    moving_after = hours[np.clip(after, 0, None)] != 0
    moving_before = hours[np.clip(before, 0, None)] != 0
    prev2, next2 = _two_away(view, prev, nxt)
    own_prev, own_next = np.where(shifted, prev, 0.0), np.where(shifted, nxt, 0.0)
    # Behind, day d + 1 moves into d; ahead, day d - 1 does.
    into_prev = np.where(
        behind, np.where(moving_after, ajo, 0.0), np.where(moving_before, prev2, 0.0)
    )
    into_next = np.where(
        behind, np.where(moving_after, next2, 0.0), np.where(moving_before, ajo, 0.0)
    )
    return np.column_stack([own_prev - into_prev, own_next - into_next])


def _two_away(view: CellView, prev: np.ndarray, nxt: np.ndarray):
    """Per cell, AJO two days before and two days after, the neighbours' own neighbours;
    where a neighbour is not among the cells, the neighbour's value stands."""
    consecutive = (view.journey[1:] == view.journey[:-1]) & (
        (view.day[1:] - view.day[:-1]).astype(np.int64) == 1
    )
    prev2, next2 = prev.copy(), nxt.copy()
    prev2[1:] = np.where(consecutive, prev[:-1], prev[1:])
    next2[:-1] = np.where(consecutive, nxt[1:], nxt[:-1])
    return prev2, next2


def _grams(groups: Groups, rows: np.ndarray, kept: np.ndarray):
    """Per group, X'X and X'y over the cells in `kept`, from `rows` ([column, cell]: X's
    columns, then y): each group's kept cells laid out side by side (zeros elsewhere), then
    one batched matrix product of that layout with itself. Summing every cell's outer
    product instead took a cells x columns x columns array (400 MB for a 13-month question
    at 1,000 journeys) and half the diagnosis' time. The counts are integers, so the sums
    are exact in any order."""
    masked = rows * kept
    width = groups.regular_width
    if width is not None:  # every group's cells side by side already: no copy
        laid = masked.reshape(len(rows), len(groups), width).transpose(1, 0, 2)
        product = np.matmul(laid, laid.transpose(0, 2, 1))
    else:
        padded = groups.padded(masked.T)
        product = np.matmul(padded.transpose(0, 2, 1), padded)
    return product[:, :-1, :-1], product[:, :-1, -1]


def _outer_sums(groups: Groups, rows: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """[group, column, column]: the sum of the outer products of `rows`' columns (X's and
    y) over each group's cells in `cells` (a mask). Integers: exact in any order."""
    where = np.flatnonzero(cells)
    picked = rows[:, where]
    summed = np.zeros((len(groups), len(rows), len(rows)))
    np.add.at(summed, groups.ids[where], np.einsum("ic,jc->cij", picked, picked))
    return summed


def _without(groups: Groups, rows: np.ndarray, dropped: np.ndarray, gram, moment):
    """`_grams` once the cells in `dropped` (kept before) are left out: their outer products
    taken off the sums, not the sums formed again over every cell (a few outliers against
    a pass over every regressor). Every term is an integer, so the difference is exactly
    the sum over the cells left."""
    # Laid out as `_grams` hands them over (views of one [group, column, column] array):
    # the solves' products read them in the same order.
    product = np.empty((len(groups), len(rows), len(rows)))
    product[:, :-1, :-1], product[:, :-1, -1] = gram, moment
    product[:, -1] = 0.0
    product = product - _outer_sums(groups, rows, dropped)
    return product[:, :-1, :-1], product[:, :-1, -1]


def _inverse(gram: np.ndarray) -> np.ndarray:
    """Batched inverse of X'X, scaled to unit diagonal with a tiny ridge: a column a
    journey's days never exercise gets a zero coefficient (its moment is zero) rather than
    a singular matrix."""
    diagonal = np.sqrt(np.einsum("gii->gi", gram))
    diagonal = np.where(diagonal > 0, diagonal, 1.0)
    outer = diagonal[:, :, None] * diagonal[:, None, :]
    scaled = gram / outer + 1e-10 * np.eye(gram.shape[1])
    return np.linalg.inv(scaled) / outer


def _solve(groups: Groups, x, y, kept, gram, moment, p: int, known: _Known | None = None):
    """Least squares on the first `p` columns: (coef, inverse, sse, residual). With
    `known`, the squared residuals are taken from it for each group whose cells are its
    (`known.same`) and whose coefficients are bit for bit its: the same numbers summed in
    the same order. Only the other groups' cells are read (the residual is then None), and
    only the other groups' matrices inverted (each is inverted on its own, so a matrix
    bit for bit `known`'s has its inverse)."""
    if known is not None and _REUSE:
        inverse = _known_inverse(gram[:, :p, :p], known)
        coef = np.einsum("gij,gj->gi", inverse, moment[:, :p])
        return coef, inverse, _known_sse(groups, x[:, :p], y, kept, coef, known), None
    inverse = _inverse(gram[:, :p, :p])
    coef = np.einsum("gij,gj->gi", inverse, moment[:, :p])
    residual = y - _fitted_values(groups, x[:, :p], coef)
    return coef, inverse, groups.sum(residual * residual, kept), residual


# The squared residuals of a fit already made reused where they are the same (`_Known`):
# every candidate zone fits each series without and with one share per segment to find its
# outliers, then again once they are left out, which changes 1-2 % of the journeys; and the
# proportional terms alone alike under every zone. False: every fit sums every cell's
# residual (the tests' reference).
_REUSE = True


def _known_inverse(gram: np.ndarray, known: _Known) -> np.ndarray:
    """`_inverse(gram)`: `known`'s for each group whose matrix is bit for bit its, the
    others inverted (one by one, as the whole batch inverts them)."""
    bits = np.ascontiguousarray(gram).view(np.uint64).reshape(len(gram), -1)
    agree = (bits == known.gram.view(np.uint64).reshape(len(gram), -1)).all(axis=1)
    stale = np.flatnonzero(~(known.same & agree))
    if not len(stale):
        return known.inverse
    inverse = known.inverse.copy()
    inverse[stale] = _inverse(gram[stale])
    return inverse


def _known_sse(groups: Groups, x, y, kept, coef, known: _Known) -> np.ndarray:
    """Per group, the sum of squared residuals over its cells in `kept`: `known`'s where it
    holds (its cells and coefficients are these), summed again for the other groups only,
    each over its own cells in the same order (`_group_sse`)."""
    bits = np.ascontiguousarray(coef).view(np.uint64)
    agree = (bits == np.ascontiguousarray(known.coef).view(np.uint64)).all(axis=1)
    stale = np.flatnonzero(~(known.same & agree))
    sse = known.sse.copy()
    if len(stale):
        sse[stale] = _group_sse(groups, x, y, kept, coef, stale)
    return sse


def _group_sse(groups: Groups, x, y, kept, coef, chosen: np.ndarray) -> np.ndarray:
    """`groups.sum(residual ** 2, kept)` for the groups `chosen` (ascending) alone: each
    cell's fitted value the same product as `_fitted_values` takes (a [journey, day] grid's
    rows, or the cells by their row of `coef`), summed per group in cell order."""
    width = groups.regular_width
    if width is not None:
        grid = x.reshape(len(groups), width, x.shape[1])[chosen]
        fitted = np.einsum("gci,gi->gc", grid, coef[chosen]).reshape(-1)
        cells = (chosen[:, None] * width + np.arange(width)).reshape(-1)
    else:
        cells = np.flatnonzero(np.isin(groups.ids, chosen))
        fitted = np.einsum("ci,ci->c", x[cells], coef[groups.ids[cells]])
    residual = y[cells] - fitted
    squared = np.where(kept[cells], residual * residual, 0.0)
    place = np.searchsorted(chosen, groups.ids[cells])
    return np.bincount(place, squared, minlength=len(chosen))


# Cells per block of journeys whose coefficients are repeated at once (memory only).
_BLOCK_CELLS = 1 << 15


def _fitted_values(groups: Groups, x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Per cell, its row of `x` times its journey's row of `coef`. Where the cells are in
    group order, a block of journeys at a time: each cell's product is the same operation
    on the same numbers (einsum's layout per cell unchanged), without a [cell, column]
    array of coefficients (the fit's largest transient beside its regressors)."""
    width = groups.regular_width
    if width is not None and len(groups):
        # A [journey, day] grid: each journey's row of `coef` read in place for its cells,
        # not repeated per cell; the same product per cell (the inner loop over columns is
        # the same: contiguous columns, summed into one number).
        grid = x.reshape(len(groups), width, x.shape[1])
        return np.einsum("gci,gi->gc", grid, coef).reshape(-1)
    if not groups.in_order or len(x) <= _BLOCK_CELLS:
        return np.einsum("ci,ci->c", x, groups.per_cell(coef))
    bounds = groups.bounds
    out = np.empty(len(x))
    first = 0
    while first < len(groups):
        last = max(
            first + 1, int(np.searchsorted(bounds, bounds[first] + _BLOCK_CELLS, "right")) - 1
        )
        last = min(last, len(groups))
        cells = slice(bounds[first], bounds[last])
        repeated = np.repeat(coef[first:last], np.diff(bounds[first : last + 1]), axis=0)
        np.einsum("ci,ci->c", x[cells], repeated, out=out[cells])
        first = last
    return out


def fit(part: Part, zone: Offsets) -> tuple[SeriesFit, SeriesFit, SeriesFit]:
    """Every journey of one metric under `zone`, with one term per segment, with two, and
    with the neighbour terms; days far off both first fits stay for later causes. Every
    fit's shares and columns are laid out alike: the zone's direction per segment, the
    other direction per segment, then the previous and the next day's terms. Every fit,
    and the baseline it is judged against, has the proportional terms: c A(d), and the
    journey's step (`Part.step`; zero, so without effect, where it has none)."""
    view, groups = part.view, part.view.groups
    y = part.rest.astype(float)
    volume = view.ajo.astype(float)
    rows = _regressors(view, zone, NUISANCE, 1)  # the proportional terms before, y after
    rows[0], rows[1], rows[-1] = volume, 0.0 if part.step is None else part.step, y
    kept = part.fit_on.copy()
    # The normal equations before the [cell, column] copy: the two layouts and the masked
    # copy of `rows` are not held at once (the fit's transient peak).
    gram, moment = _grams(groups, rows, kept)
    x = np.ascontiguousarray(rows[:-1].T)
    width = x.shape[1] - NUISANCE  # the shares' columns (the proportional terms' are first)
    k = (width - 2) // 2
    # A day far off both first fits (an outage, say) is left out of every fit.
    outliers = kept.copy()
    # Each first fit, kept for the layouts of the same columns below (`_Known`).
    first = {}
    for p in (NUISANCE + k, NUISANCE + 2 * k):
        coef, inverse, sse, residual = _solve(groups, x, y, kept, gram, moment, p)
        first[p] = (coef, sse, np.ascontiguousarray(gram[:, :p, :p]), inverse)
        scale = 1.4826 * groups.mad(residual, kept)
        outliers &= np.abs(residual) > 4 * groups.per_cell(np.nan_to_num(scale)) + 1
    same = groups.count(outliers) == 0
    if outliers.any():
        kept = kept & ~outliers
        gram, moment = _without(groups, rows, outliers, gram, moment)
    del rows  # read from `x` from here on
    days = groups.count(kept)
    vv = gram[:, 0, 0]
    sse0 = _baseline(part, x, y, kept, gram, moment, same)
    fits = []
    base = np.arange(NUISANCE)
    layouts = {
        "one": np.r_[base, NUISANCE + np.arange(k)],
        "two": np.r_[base, NUISANCE + np.arange(2 * k)],
        "neighbours": np.r_[base, NUISANCE + np.arange(k), NUISANCE + 2 * k, NUISANCE + 2 * k + 1],
    }
    summed = groups.sum(volume, kept)
    for kind, used in layouts.items():
        sub = np.ix_(np.arange(len(groups)), used, used)
        # A layout of the first columns reads them in place (each cell's product runs over
        # its contiguous columns either way); the moments are copied as before (their
        # layout sets the order the coefficients are summed in).
        prefix = bool((used == np.arange(len(used))).all())
        columns = x[:, : len(used)] if prefix else x[:, used]
        done = first.get(len(used)) if prefix else None
        known = None
        if done is not None:
            coef, sse, matrix, inverse = done
            known = _Known(coef, sse, same, matrix, inverse)
        coef, inverse, sse, _ = _solve(
            groups, columns, y, kept, gram[sub], moment[:, used], len(used), known
        )
        judged = _judged(groups, coef, inverse, gram[sub], sse, sse0, days, kind, k)
        # Back to the common layout: a column a fit leaves out has share 0, spread inf.
        shares = np.zeros((len(groups), width))
        spread = np.full((len(groups), width), np.inf)
        shares[:, used[NUISANCE:] - NUISANCE] = judged.shares
        spread[:, used[NUISANCE:] - NUISANCE] = judged.spread
        fits.append(
            replace(
                judged,
                shares=shares,
                spread=spread,
                view=view,
                zone=zone,
                volume=summed,
                estimable=judged.estimable & (vv > 0),
                valid=judged.valid & (vv > 0),
            )
        )
    return fits[0], fits[1], fits[2]


def _baseline(part: Part, x, y, kept, gram, moment, same: np.ndarray) -> np.ndarray:
    """Per group, the squared residuals of the proportional terms alone (the baseline every
    fit is judged against) over the cells in `kept`: `same` says which groups keep all of
    `part.fit_on`. Those are alike under every zone, so the first zone's are kept on the
    part and the others' read from them (`_Known`)."""
    groups = part.view.groups
    kept_first = part.baseline.get("fit")
    known = None if kept_first is None else replace(kept_first, same=kept_first.same & same)
    coef, inverse, sse0, _ = _solve(groups, x, y, kept, gram, moment, NUISANCE, known)
    if kept_first is None:
        matrix = np.ascontiguousarray(gram[:, :NUISANCE, :NUISANCE])
        part.baseline["fit"] = _Known(coef, sse0, same, matrix, inverse)
    return sse0


def _judged(groups, coef, inverse, gram, sse, sse0, days, kind: str, k: int) -> SeriesFit:
    p = coef.shape[1]
    valid = days >= MIN_DAYS
    floor = FLOOR * np.maximum(days, 1)
    penalty = (p - NUISANCE) * np.log(np.maximum(days, 2)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = days / 2 * np.log((sse0 + floor) / (sse + floor)) - penalty
        explained = np.where(sse0 > 0, 1 - sse / sse0, 0.0)
    shares = coef[:, NUISANCE:]
    if kind == "one":
        # Events move one way: a share against the zone's direction is no fit of it (its
        # best fit with shares at least 0 is no shift at all).
        against = (shares.sum(axis=1) <= 0) | (shares < 0).any(axis=1) & ~(shares > 0).any(axis=1)
        gain = np.where(against, -penalty, gain)
    elif kind == "two":
        # Both terms may be negative (a batch cut by AJO's midnight), neither moving more
        # than half a day; the zone's own direction must weigh more than the other.
        fits_zone = (shares[:, :k].sum(axis=1) > shares[:, k:].sum(axis=1)) & (
            np.abs(shares) <= MAX_SHARE
        ).all(axis=1)
        gain = np.where(fits_zone, gain, -penalty)
    else:
        # The day's own term moves events the zone's way, and so does the whole: a
        # neighbour's term may be negative (the part of the day that belongs to the
        # neighbour's audience day) but no term moves more than a day.
        own = shares[:, :k].sum(axis=1)
        fits_zone = (
            (own > 0)
            & (own + shares[:, k:].sum(axis=1) > 0)
            & (np.abs(shares) <= MAX_TERM).all(axis=1)
        )
        gain = np.where(fits_zone, gain, -penalty)
    # The step's term counts only for journeys that have one.
    fitted = p - 1 + (gram[:, 1, 1] > 0)
    dof = np.maximum(days - fitted, 1)
    variance = np.einsum("gii->gi", inverse)[:, NUISANCE:] * ((sse + floor) / dof)[:, None]
    # A column the journey's days never exercise (a segment outside its days) is unknown.
    exercised = np.einsum("gii->gi", gram)[:, NUISANCE:] > 0
    spread = np.where(exercised, np.sqrt(np.maximum(variance, 0.0)), np.inf)
    return SeriesFit(
        shares=shares,
        spread=spread,
        gain=np.where(valid, gain, 0.0),
        explained=np.where(valid, explained, 0.0),
        two_term=np.full(len(groups), kind != "one"),
        valid=valid,
        estimable=days >= fitted + 2,
        volume=np.zeros(len(groups)),
        width=k,
    )


def best_of(one: SeriesFit, two: SeriesFit, neighbours: SeriesFit) -> SeriesFit:
    """Per journey, the two-term fit where it is clearly better than one term per segment,
    and the neighbour fit where it is clearly better than both."""
    pick = two.valid & (two.gain >= one.gain + TWO_TERM_GAIN)
    best = np.where(pick, two.gain, one.gain)
    near = neighbours.valid & (neighbours.gain >= best + NEIGHBOUR_GAIN)

    def chosen(a, b, c):
        rows = (lambda v: v[:, None]) if a.ndim == 2 else (lambda v: v)
        return np.where(rows(near), c, np.where(rows(pick), b, a))

    return SeriesFit(
        shares=chosen(one.shares, two.shares, neighbours.shares),
        spread=chosen(one.spread, two.spread, neighbours.spread),
        gain=chosen(one.gain, two.gain, neighbours.gain),
        explained=chosen(one.explained, two.explained, neighbours.explained),
        two_term=pick | near,
        valid=one.valid,
        estimable=one.estimable,
        view=one.view,
        zone=one.zone,
        volume=one.volume,
        width=one.width,
        neighbours=near,
    )
