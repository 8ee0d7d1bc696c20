"""What each day moves beyond the fitted share: the time-zone shift's day-to-day deviation.

The fit (bot.reconcile.zonefit) says how many of each AJO day's events a data view in
another zone moves to the neighbouring day, as shares of AJO's daily volumes. The events
that really move on day d differ from that by some e(d): an AJO day mixes two of the
audience's days, and how a day's sends spread over its hours varies. Behind, day d's gap
holds e(d) - e(d + 1) (it loses what moves from d, gains what moves from d + 1); ahead,
e(d) - e(d - 1). Each deviation shows twice, with opposite signs, in two neighbouring days'
remainders, so those remainders have a negative lag-one autocovariance, -var(e); the data
sources' daily wobble, a day's own, has none. Per series, var(e) is read from that
autocovariance, when it is clearly negative (beyond what independent days show by chance),
and the wobble's variance from what is left; e is then the posterior mean of the deviations
given the remainders on settled days (a ridge fit of the differences); young days keep
the fitted share alone. A series seldom shows var(e) clearly on its own twenty-odd days, but
every journey of the data view shares the cause: where all its series show it together
(`pooled`), each series' is its own shrunk towards theirs (`own_variance`). One
tridiagonal system per series, every series solved at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.reconcile.detectors import CellView, Groups

# Settled pairs of consecutive days a series needs for its autocovariance.
MIN_PAIRS = 10
# How far below zero the remainders' lag-one autocorrelation must be, in standard errors
# of one over independent days (1 / sqrt(pairs)), to read deviations from it.
NEGATIVE_Z = 2.0
# A remainder beyond this many robust deviations (an outage) is left out, as in the fit.
OUTLIER = 4.0
# The least spread of the series' shares about the pool's (their variance): however alike
# they look, a series' own pairs still count.
SPREAD_FLOOR = 1e-4


@dataclass(frozen=True, eq=False)
class Remainders:
    """One metric's settled remainders as the deviations are read from them, per series."""

    left: np.ndarray  # per cell: the remainder less the series' steady difference
    seen: np.ndarray  # per cell: read (settled, shifted, not an outlier)
    mean: np.ndarray  # per series: the mean of `left` on the days seen
    variance: np.ndarray  # per series
    lag_one: np.ndarray  # per series: the lag-one autocovariance over `pairs`
    pairs: np.ndarray  # per series: consecutive days both seen
    partner: np.ndarray  # per cell: the neighbour a deviation is shared with (-1: none)
    step: int
    # Per series: the least variance the deviations can have, when the data sources'
    # wobble stays within the tolerance (`least_deviations`); None: not known.
    least: np.ndarray | None = None

    @property
    def usable(self) -> np.ndarray:
        """Per series: enough pairs to read an autocorrelation from."""
        return (self.pairs >= MIN_PAIRS) & (self.variance > 0)

    @property
    def rho(self) -> np.ndarray:
        """Per series, the deviations' share of the variance the autocorrelation says:
        minus the lag-one autocorrelation, at most 1/2 (all of it deviations); 0 where
        not usable."""
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.clip(-self.lag_one / self.variance, -0.5, 0.5)
        return np.where(self.usable, value, 0.0)


@dataclass(frozen=True)
class Prior:
    """What every series of the data view says, together, of the deviations' share of a
    series' variance: the pool's mean and the spread of the series' own shares about it
    beyond what their pairs explain (None from `pooled` where the pool shows nothing)."""

    mean: float
    spread: float


def remainders(
    view: CellView,
    rest: np.ndarray,
    fit_on: np.ndarray,
    shifted: np.ndarray,
    behind: bool,
    stepped: np.ndarray | None = None,
    tolerance: float | None = None,
) -> Remainders:
    """The settled remainders of one metric's series, centred, and their lag-one
    autocovariance (arguments as `deviations`)."""
    groups = view.groups
    ajo = view.ajo.astype(float)
    seen = fit_on & shifted & (ajo > 0)
    # The data sources' steady difference, robustly (a filter from a date on moves a mean),
    # on each side of the journey's step.
    share = np.where(ajo > 0, rest / np.maximum(ajo, 1.0), 0.0)
    after = np.zeros(len(view), dtype=bool) if stepped is None else stepped
    ratio = np.zeros(len(view))
    for side in (~after, after):
        ratio = np.where(side, np.nan_to_num(groups.median(share, seen & side))[groups.ids], ratio)
    left = rest - ratio * ajo
    middle = np.nan_to_num(groups.median(left, seen))[groups.ids]
    scale = 1.4826 * np.nan_to_num(groups.mad(left, seen))[groups.ids]
    seen &= np.abs(left - middle) <= OUTLIER * scale + 1
    mean = groups.sum(left, seen) / np.maximum(groups.count(seen), 1)
    centred = np.where(seen, left - mean[groups.ids], 0.0)
    variance = groups.sum(centred * centred, seen) / np.maximum(groups.count(seen), 1)
    step = 1 if behind else -1
    partner = _partner(view.journey, view.day, step)
    pair = seen & (partner >= 0)
    pair[pair] &= seen[partner[pair]]
    pairs = groups.count(pair)
    products = np.where(pair, centred * centred[np.maximum(partner, 0)], 0.0)
    lag_one = groups.sum(products, pair) / np.maximum(pairs, 1)
    least = None
    if tolerance is not None:
        least = least_deviations(groups, ajo, seen, variance, tolerance)
    return Remainders(left, seen, mean, variance, lag_one, pairs, partner, step, least)


def least_deviations(groups: Groups, ajo, seen, variance, tolerance: float) -> np.ndarray:
    """Per series, the variance the deviations have at least: a remainder's variance is
    twice theirs (each shows in two days) plus the data sources' wobble, and that wobble
    is, by the causes' definitions, within the tolerance of a day's events (a day further
    off is unexplained), give or take counting noise (a day's events, as for a Poisson
    count). A journey with all of its variance in swings of several times the tolerance
    shows deviations however few its pairs, where its autocorrelation, off by 0.22 over
    twenty pairs, seldom clears two standard errors."""
    wobble = groups.sum((tolerance * ajo) ** 2 + ajo, seen) / np.maximum(groups.count(seen), 1)
    return np.maximum(variance - wobble, 0.0) / 2


def pooled(readings: list[tuple[Remainders, np.ndarray]]) -> Prior | None:
    """The data view's prior for the deviations' share, from every metric's remainders
    (each with its series' journeys): the series' shares pooled, weighted by their pairs,
    when the pooled autocorrelation is below zero by NEGATIVE_Z standard errors; None
    otherwise.

    A day's send hours vary in every journey of a data view, so its series share the cause,
    and twenty-odd settled pairs seldom show it alone (an autocorrelation from 20 pairs is
    off by 0.22; a deviation's is at most -1/2). A journey's metrics carry one deviation
    (and the data sources' wobble may be one across them too), so each journey's pairs
    count once in the pool's standard error: its metrics together are no surer than one."""
    rho, weight, journeys = [], [], {}
    for reading, keys in readings:
        usable = reading.usable
        rho.append(reading.rho[usable])
        weight.append(reading.pairs[usable].astype(float))
        for key, count in zip(keys[usable], reading.pairs[usable], strict=True):
            journeys[key] = max(journeys.get(key, 0), int(count))
    if not journeys:
        return None
    rho, weight = np.concatenate(rho), np.concatenate(weight)
    mean = float((rho * weight).sum() / weight.sum())
    if len(rho) < 2 or mean <= NEGATIVE_Z / np.sqrt(sum(journeys.values())):
        return None
    # The spread of the series' shares about the pool, less their sampling variance (1 /
    # pairs each, weighted by pairs: the series' count over the pairs').
    spread = float((weight * (rho - mean) ** 2).sum() / weight.sum()) - len(rho) / weight.sum()
    return Prior(mean, max(spread, SPREAD_FLOOR))


def deviations(
    view: CellView,
    rest: np.ndarray,
    fit_on: np.ndarray,
    shifted: np.ndarray,
    behind: bool,
    stepped: np.ndarray | None = None,
    tolerance: float | None = None,
    prior: Prior | None = None,
    reading: Remainders | None = None,
    empty: np.ndarray | None = None,
) -> np.ndarray:
    """Per cell, what the events moving on its day and on its neighbour's differ from the
    fitted share by: e(d) - e(d + 1) behind, e(d) - e(d - 1) ahead (0 where nothing is
    read). `rest`: the gap the fitted shift leaves, per cell; `fit_on`: the days it is read
    on (settled, whole); `shifted`: the days the zone moves events on; `stepped`: the days
    from the journey's step on (bot.reconcile.zonestep), whose steady difference is read
    apart from the days before; `tolerance`: the share of a day's events the data
    sources' wobble stays within (`least_deviations`; None: not used); `prior`: what
    every series of the data view says together (`pooled`), None where it says nothing;
    `reading`: `remainders` of these arguments, when already read (for the pool);
    `empty`: the settled days both products report nothing for (`_bound`)."""
    groups = view.groups
    r = (
        reading
        if reading is not None
        else remainders(view, rest, fit_on, shifted, behind, stepped, tolerance)
    )
    own = own_variance(r, prior)
    clear = own > 0
    variance, mean, left, seen, step = r.variance, r.mean, r.left, r.seen, r.step
    # Deviations are read only on the days they are seen on: a young day's remainder holds
    # lag and retries, which one settled neighbour's remainder cannot tell from it. A day
    # AJO sent nothing on has nothing to move: no deviation either.
    sent = view.ajo > 0
    free = fit_on & shifted & sent
    wobble = np.maximum(variance - 2 * own, 0.05 * variance) + 1.0
    observed, bound = _bound(r, shifted & sent, empty, shifted)
    moved = np.zeros(len(view))
    chosen = (clear | (groups.count(observed) > 0))[groups.ids]
    if not chosen.any():
        return moved
    # Only the series that show deviations, or hold an empty day, are solved for (often
    # none, or a few).
    index = np.flatnonzero(chosen)
    near = _partner(view.journey[index], view.day[index], step)
    # A series showing no deviations of its own still has its empty days' neighbours' read
    # from them, as freely as its remainders vary.
    prior_variance = np.where(
        bound, np.maximum(own, np.maximum(variance, 1.0))[groups.ids], own[groups.ids]
    )
    deviation = _posterior(
        Groups.of(view.journey[index]),
        np.where(observed, rest, left - mean[groups.ids])[index],
        (seen | observed)[index], near, step, (free | bound)[index],
        prior_variance[index], np.where(observed, 1.0, wobble[groups.ids])[index],
    )  # fmt: skip
    moved[index] = deviation - np.where(near >= 0, deviation[np.maximum(near, 0)], 0.0)
    return moved


def _bound(
    r: Remainders, can_move: np.ndarray, empty: np.ndarray | None, shifted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The empty days read as exact remainders, and the neighbours whose deviation they
    fix. A settled day both products report nothing for had nothing leave (AJO sent
    nothing) and nothing arrive (CJA counted nothing, and no lag holds it back any more),
    so whatever the fitted share puts there is the neighbour's deviation: that neighbour
    (the day after behind, the day before ahead) kept it. Its remainder is exact, but for
    the one event the wobble's floor allows, with no steady difference (nothing to be a
    share of)."""
    nothing = np.zeros(len(r.partner), dtype=bool)
    if empty is None:
        return nothing, nothing
    observed = empty & shifted & (r.partner >= 0)
    observed[observed] &= can_move[r.partner[observed]]
    bound = nothing.copy()
    bound[r.partner[observed]] = True
    return observed, bound


def own_variance(r: Remainders, prior: Prior | None) -> np.ndarray:
    """Per series, var(e), 0 where nothing is read. Alone, a series reads it when its
    autocorrelation is below zero by NEGATIVE_Z standard errors of independent days. With
    the data view's `prior`, every usable series' share is its own shrunk towards the
    pool's (empirical Bayes: precision `pairs` against 1 / the pool's spread)."""
    rho, pairs = r.rho, r.pairs
    alone = r.usable & (rho > NEGATIVE_Z / np.sqrt(np.maximum(pairs, 1)))
    if prior is None:
        own = np.where(alone, rho * r.variance, 0.0)
    else:
        shrunk = (rho * pairs + prior.mean / prior.spread) / (pairs + 1 / prior.spread)
        own = np.where(r.usable, np.clip(shrunk, 0.0, 0.5) * r.variance, 0.0)
    if r.least is None:
        return own
    # At least what the tolerance leaves to the deviations (`least_deviations`).
    return np.where(r.usable, np.maximum(own, np.minimum(r.least, 0.5 * r.variance)), own)


def _partner(journey: np.ndarray, day: np.ndarray, step: int) -> np.ndarray:
    """Per cell (sorted by journey, then day), the position of the same journey's cell
    `step` days away; -1 when none."""
    index = np.arange(len(journey))
    near = index + step
    inside = (near >= 0) & (near < len(journey))
    near = np.clip(near, 0, max(len(journey) - 1, 0))
    found = inside & (journey[near] == journey) & ((day[near] - day).astype(np.int64) == step)
    return np.where(found, near, -1)


def _posterior(groups: Groups, left, seen, partner, step, free, own, wobble) -> np.ndarray:
    """Per cell, the posterior mean of e given left(d) = e(d) - e(partner(d)) + wobble on
    the `seen` cells, e ~ N(0, own) on `free` days (0 elsewhere; `own` and `wobble`: the
    cell's series' variances): the normal equations are tridiagonal in each journey's day
    order (cells sorted by journey, then day; `partner`: the next cell, step 1, or the
    previous one, step -1)."""
    diagonal = np.where(free & (own > 0), 1 / np.maximum(own, 1e-300), 1e12)
    weight = np.where(seen, 1 / wobble, 0.0)
    coupled = np.where(seen & (partner >= 0), weight, 0.0)
    diagonal = diagonal + weight
    rhs = weight * left
    upper = np.zeros(len(left))  # Q[i, i + 1]
    if len(left) > 1:
        if step > 0:
            # Behind: each observation couples its cell with the next.
            diagonal[1:] += coupled[:-1]
            rhs[1:] -= (coupled * left)[:-1]
            upper = -coupled
        else:
            # Ahead: with the previous.
            diagonal[:-1] += coupled[1:]
            rhs[:-1] -= (coupled * left)[1:]
            upper[:-1] = -coupled[1:]
    return _tridiagonal(groups, diagonal, upper, rhs)


def _tridiagonal(groups: Groups, diagonal, upper, rhs) -> np.ndarray:
    """Solve each group's symmetric tridiagonal system (its cells in order; `upper[i]`
    couples cell i with cell i + 1 of the same group) at once: the Thomas algorithm over
    the groups' cells laid out in rows, one column at a time."""
    order, bounds = groups.order, groups.bounds
    counts = np.diff(bounds)
    width = int(counts.max()) if len(counts) else 0
    row = groups.ids[order]
    column = np.arange(len(order)) - bounds[:-1][row]
    d = np.ones((len(counts), width))
    u = np.zeros((len(counts), width))
    b = np.zeros((len(counts), width))
    d[row, column], u[row, column], b[row, column] = diagonal[order], upper[order], rhs[order]
    last = counts - 1
    u[np.arange(len(counts)), np.maximum(last, 0)] = 0.0
    for k in range(1, width):
        factor = u[:, k - 1] / d[:, k - 1]
        d[:, k] -= factor * u[:, k - 1]
        b[:, k] -= factor * b[:, k - 1]
    x = np.zeros_like(b)
    if width:
        x[:, width - 1] = b[:, width - 1] / d[:, width - 1]
    for k in range(width - 2, -1, -1):
        x[:, k] = (b[:, k] - u[:, k] * x[:, k + 1]) / d[:, k]
    result = np.zeros(len(diagonal))
    result[order] = x[row, column]
    return result
