"""Per-journey figures in one pass (bot.reconcile.detectors.Groups) equal the figures a mask
per journey gives, on any cells: shuffled journeys, gaps in days, masks that empty a group.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reconcile import retries, zonefit
from bot.reconcile.detectors import CellView, Groups, runs

cells = st.integers(min_value=0, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 6), min_size=n, max_size=n),
        st.lists(st.integers(-50, 400), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@given(cells)
@settings(max_examples=200, deadline=None)
def test_group_figures_equal_masked_ones(drawn) -> None:
    keys, values, chosen = (np.array(x) for x in drawn)
    keys, values, mask = keys.astype(np.int64), values.astype(np.int64), chosen.astype(bool)
    groups = Groups.of(keys)
    assert list(groups.keys) == sorted(set(keys.tolist()))
    sums, counts = groups.sum(values, mask), groups.count(mask)
    medians, mads = groups.median(values, mask), groups.mad(values, mask)
    for i, (key, index) in enumerate(groups):
        mine = keys == key
        assert index.tolist() == np.flatnonzero(mine).tolist()
        assert sums[i] == values[mine & mask].sum()
        assert counts[i] == (mine & mask).sum()
        assert groups.all(mask)[i] == mask[mine].all()
        if (mine & mask).any():
            picked = values[mine & mask]
            assert medians[i] == np.median(picked)
            assert mads[i] == np.median(np.abs(picked - np.median(picked)))
        else:
            assert np.isnan(medians[i])


def _view(keys: np.ndarray, days: np.ndarray, ajo: np.ndarray, cja: np.ndarray) -> CellView:
    order = np.lexsort((days, keys))
    zero = np.zeros(len(keys), dtype=np.int64)
    day = (np.datetime64("2026-01-01") + days[order]).astype("datetime64[D]")
    return CellView(
        keys[order], day, (np.datetime64("2026-03-01") - day).astype(np.int64),
        ajo[order], cja[order], zero + 1, zero + 1, zero, zero, zero, zero, zero,
    )  # fmt: skip


views = st.integers(min_value=1, max_value=80).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 5), min_size=n, max_size=n),
        st.lists(st.integers(0, 40), min_size=n, max_size=n),
        st.lists(st.integers(0, 3000), min_size=n, max_size=n),
        st.lists(st.integers(0, 3000), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


def _masked_runs(view: CellView, mask: np.ndarray) -> list[list[int]]:
    """Runs as they were found before: a mask per journey."""
    found = []
    for key in np.unique(view.journey):
        index = np.flatnonzero((view.journey == key) & mask)
        if len(index):
            gaps = np.diff(view.day[index]).astype(np.int64) != 1
            found.extend(part.tolist() for part in np.split(index, np.flatnonzero(gaps) + 1))
    return found


def _masked_baseline(view, rest, older, typical, volume):
    """The journeys' usual difference as it was computed before: a mask per journey."""
    n = len(view)
    rate, spread = np.zeros(n), np.full(n, np.nan)
    steady, compared = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for key in np.unique(view.journey):
        journey = view.journey == key
        old = journey & typical
        if old.sum() < retries.MIN_BASELINE_DAYS:
            steady[journey] = (journey & older).sum() >= retries.MIN_BASELINE_DAYS
            continue
        rate[journey] = rest[old].sum() / max(volume[old].sum(), 1)
        compared[journey] = True
        if old.sum() >= retries.MIN_SCATTER_DAYS:
            scatter = rest[old] - rate[journey][0] * volume[old]
            spread[journey] = max(1.4826 * np.median(np.abs(scatter - np.median(scatter))), 1.0)
    return rate, spread, compared, steady


@given(views)
@settings(max_examples=200, deadline=None)
def test_runs_and_baseline_equal_masked_ones(drawn) -> None:
    keys, days, ajo, cja, older, typical = (np.array(x) for x in drawn)
    _, first = np.unique(keys * 100 + days, return_index=True)  # one cell per journey-day
    keys, days, ajo, cja = keys[first], days[first], ajo[first], cja[first]
    view = _view(keys, days, ajo, cja)
    older, typical = older[first].astype(bool), typical[first].astype(bool)
    typical &= older
    assert [r.tolist() for r in runs(view, typical)] == _masked_runs(view, typical)
    rest, volume = view.ajo - view.cja, np.maximum(view.ajo, view.cja)
    found = retries.baseline(view, rest, older, typical, volume)
    rate, spread, compared, steady = _masked_baseline(view, rest, older, typical, volume)
    assert found.rate.tolist() == rate.tolist()
    np.testing.assert_array_equal(found.spread, spread)  # NaN where unmeasured, both
    assert found.compared.tolist() == compared.tolist()
    assert found.steady.tolist() == steady.tolist()


@given(cells, st.integers(1, 4))
@settings(max_examples=200, deadline=None)
def test_the_zone_fits_normal_equations_equal_a_mask_per_journey(drawn, width) -> None:
    """X'X and X'y per journey, from the padded batched product, equal the sums over each
    journey's kept cells; the counts are integers, so exactly."""
    keys, values, chosen = (np.array(x) for x in drawn)
    if not len(keys):
        return
    groups = Groups.of(keys.astype(np.int64))
    rng = np.random.default_rng(len(keys))
    x = rng.integers(-5_000, 50_000, (len(keys), width)).astype(float)
    y, kept = values.astype(float), chosen.astype(bool)
    gram, moment = zonefit._grams(groups, np.vstack([x.T, y]), kept)
    for i, key in enumerate(groups.keys):
        mine = (keys == key) & kept
        assert (gram[i] == x[mine].T @ x[mine]).all()
        assert (moment[i] == x[mine].T @ y[mine]).all()


grids = st.tuples(st.integers(1, 6), st.integers(1, 12), st.integers(1, 4), st.integers(0, 99))


@given(grids)
@settings(max_examples=200, deadline=None)
def test_figures_of_groups_of_one_size_in_order_equal_masked_ones(drawn) -> None:
    """Cells already in group order, every group as large (a journey per day: read as a
    [group, place] grid without a copy): medians, deviations and normal equations as a mask
    per group gives them."""
    count, size, width, seed = drawn
    rng = np.random.default_rng(seed)
    keys = np.repeat(np.arange(count, dtype=np.int64) * 7, size)
    values = rng.integers(-50, 400, len(keys)).astype(float)
    mask = rng.random(len(keys)) < 0.7
    groups = Groups.of(keys)
    assert groups.regular_width == size
    x = rng.integers(-5_000, 50_000, (len(keys), width)).astype(float)
    gram, moment = zonefit._grams(groups, np.vstack([x.T, values]), mask)
    medians, mads = groups.median(values, mask), groups.mad(values, mask)
    for i, key in enumerate(groups.keys):
        mine = (keys == key) & mask
        assert (gram[i] == x[mine].T @ x[mine]).all()
        assert (moment[i] == x[mine].T @ values[mine]).all()
        if mine.any():
            picked = values[mine]
            assert medians[i] == np.median(picked)
            assert mads[i] == np.median(np.abs(picked - np.median(picked)))
        else:
            assert np.isnan(medians[i])
            assert np.isnan(mads[i])


@given(cells, st.integers(min_value=1, max_value=4), st.booleans())
@settings(max_examples=200, deadline=None)
def test_each_cells_row_of_its_group_is_the_gathered_one(drawn, width, in_order) -> None:
    """`per_cell` (runs repeated where the cells are in group order) is `values[ids]`
    exactly: the same numbers in the same layout, which the zone fit's residuals read."""
    keys = np.array(drawn[0], dtype=np.int64)
    if in_order:
        keys = np.sort(keys)
    groups = Groups.of(keys)
    assert groups.in_order == bool((np.diff(keys) >= 0).all())
    rows = np.random.default_rng(len(keys)).normal(size=(len(groups), width))
    for values in (rows, rows[:, 0]):
        spread = groups.per_cell(values)
        gathered = values[groups.ids]
        assert spread.shape == gathered.shape
        assert spread.flags.c_contiguous
        assert spread.tobytes() == gathered.tobytes()
        for i, (_, index) in enumerate(groups):
            assert (spread[index] == values[i]).all()


@given(cells, st.integers(1, 6), st.integers(1, 40), st.booleans())
@settings(max_examples=200, deadline=None)
def test_the_fits_values_a_block_of_journeys_at_a_time_are_the_whole_arrays(
    drawn, width, block, in_order
) -> None:
    """Each cell's fitted value, its journey's coefficients repeated a block of journeys at
    a time, is byte for byte the one from every cell's row of coefficients at once (the
    residuals, and so every fit's shares, gains and spreads, stay the same)."""
    keys = np.array(drawn[0], dtype=np.int64)
    if not len(keys):
        return
    if in_order:
        keys = np.sort(keys)
    groups = Groups.of(keys)
    rng = np.random.default_rng(len(keys) * width + block)
    x = rng.normal(size=(len(keys), width + 2)) * rng.integers(1, 10**6, width + 2)
    coef = rng.normal(size=(len(groups), width))
    whole = np.einsum("ci,ci->c", x[:, :width], groups.per_cell(coef))
    original = zonefit._BLOCK_CELLS
    zonefit._BLOCK_CELLS = block
    try:
        for columns in (x[:, :width], np.ascontiguousarray(x[:, :width])):
            found = zonefit._fitted_values(groups, columns, coef)
            assert found.tobytes() == whole.tobytes()
    finally:
        zonefit._BLOCK_CELLS = original


zone_grids = st.tuples(
    st.integers(1, 7), st.integers(1, 60), st.integers(0, 300), st.sampled_from(
        ["America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "UTC"]
    ), st.integers(0, 99),
)  # fmt: skip


@given(zone_grids)
@settings(max_examples=150, deadline=None)
def test_the_zone_fits_grid_layout_gives_the_same_bytes(drawn) -> None:
    """Cells on a [journey, day] grid (every journey over the same days): the regressors
    worked out per day's column and the fitted values read per journey's row are the
    general path's, byte for byte (zeros' signs too); the normal equations with a few
    cells taken off after equal those formed without them."""
    from bot.reconcile.offsets import offsets, with_audience_changes

    count, size, offset, name, seed = drawn
    rng = np.random.default_rng(seed)
    keys = np.repeat(np.arange(count, dtype=np.int64) * 3 + 1, size)
    days = np.tile(np.arange(size) + offset, count)
    ajo = rng.integers(0, 5_000, len(keys)) * (rng.random(len(keys)) < 0.9)
    view = _view(keys, days, ajo, ajo)
    view = CellView(**{**vars(view), "ajo_prev": np.roll(view.ajo, 1), "ajo_next": view.ajo[::-1]})
    first = (view.day.min() - 1).item()
    last = (view.day.max() + 1).item()
    zone = with_audience_changes(offsets(name, "America/Los_Angeles", first, last), first, last)
    general = CellView(**vars(view))
    general.__dict__["grid_days"] = None  # the cached property, as for cells of any layout
    assert view.grid_days is not None
    assert zonefit.design(view, zone).tobytes() == zonefit.design(general, zone).tobytes()

    rows = zonefit._regressors(view, zone, 1, 1)
    rows[0], rows[-1] = view.ajo, rng.integers(-900, 900, len(keys))
    x = np.ascontiguousarray(rows[:-1].T)
    groups = view.groups
    uneven = Groups.of(np.sort(rng.integers(0, count + 1, len(keys))))
    for p in range(1, x.shape[1] + 1):
        # The first columns read in place, against a copy of them and each cell's row of
        # coefficients gathered (the layout the fits read before).
        copied = np.ascontiguousarray(x[:, :p])
        for grouped in (groups, uneven):
            coef = rng.normal(size=(len(grouped), p))
            fitted = zonefit._fitted_values(grouped, x[:, :p], coef)
            expected = np.einsum("ci,ci->c", copied, coef[grouped.ids])
            assert fitted.tobytes() == expected.tobytes()

    kept = rng.random(len(keys)) < 0.8
    dropped = kept & (rng.random(len(keys)) < 0.1)
    gram, moment = zonefit._without(groups, rows, dropped, *zonefit._grams(groups, rows, kept))
    fresh = zonefit._grams(groups, rows, kept & ~dropped)
    assert gram.tobytes() == fresh[0].tobytes()
    assert moment.tobytes() == fresh[1].tobytes()


@given(views)
@settings(max_examples=200, deadline=None)
def test_neighbours_are_each_journeys_day_before_and_after(drawn) -> None:
    """`with_neighbours` (each cell's place among the sorted distinct journey-days read off
    for the day before and after) gives AJO's sum over the same journey's day before and
    after, 0 where there is none; repeated and missing days included."""
    import pandas as pd

    from bot.reconcile.detectors import with_neighbours

    keys, days, ajo = (np.array(x, dtype=np.int64) for x in drawn[:3])
    cells = pd.DataFrame(
        {
            "journey_key": keys,
            "day": (np.datetime64("2026-01-01") + days).astype("datetime64[us]"),
            "ajo": ajo,
        }
    )
    found = with_neighbours(cells)
    summed: dict[tuple[int, int], int] = {}
    for key, day, value in zip(keys.tolist(), days.tolist(), ajo.tolist(), strict=True):
        summed[key, day] = summed.get((key, day), 0) + value
    pairs = list(zip(keys.tolist(), days.tolist(), strict=True))
    assert found["ajo_prev"].tolist() == [summed.get((k, d - 1), 0) for k, d in pairs]
    assert found["ajo_next"].tolist() == [summed.get((k, d + 1), 0) for k, d in pairs]
