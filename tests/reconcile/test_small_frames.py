"""The numpy figures that replaced pandas' group-bys on a metric's few hundred cells (a
one-journey question paid pandas' fixed cost per operation, issue 15) equal what the
group-bys gave, on any cells: several journeys, unsorted keys, days unusable, none usable."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reconcile import datasource
from bot.reconcile.detectors import with_columns

cells = st.integers(min_value=0, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 4), min_size=n, max_size=n),
        st.lists(st.integers(-300, 300), min_size=n, max_size=n),
        st.lists(st.integers(0, 5000), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


def _arrays(drawn, sort: bool):
    keys, rest, volume, settled = (np.array(x) for x in drawn)
    keys = keys.astype(np.int64)
    if sort:  # a CellView's cells: by journey, then day
        keys = np.sort(keys, kind="stable")
    return keys, rest.astype(np.int64), volume.astype(np.int64), settled.astype(bool)


def _settled_ratio_by_group_by(journeys, rest, volume, settled):
    usable = settled & (volume > 0)
    frame = pd.DataFrame({"journey": journeys[usable], "ratio": rest[usable] / volume[usable]})
    latest = frame.groupby("journey", sort=False).tail(datasource.RECENT_DAYS)
    latest = latest.groupby("journey")["ratio"]
    found = latest.median().where(latest.size() >= datasource.MIN_RECENT_DAYS)
    return pd.Series(journeys).map(found).to_numpy(dtype=float)


def _band_totals_by_group_by(journeys, rest, volume, settled, share):
    judged = settled & ~datasource.outliers(rest, volume, share)
    frame = pd.DataFrame(
        {
            "journey": journeys,
            "rest": np.where(judged, rest, 0),
            "volume": np.where(judged, volume, 0).astype(float),
        }
    )
    totals = frame.groupby("journey")[["rest", "volume"]].transform("sum")
    total_rest, total_volume = totals["rest"].to_numpy(), totals["volume"].to_numpy()
    within = np.abs(total_rest) <= share * total_volume
    rates = np.where(total_volume > 0, total_rest / np.maximum(total_volume, 1), 0.0)
    return within, rates, total_volume > 0


@given(cells, st.booleans())
@settings(max_examples=300, deadline=None)
def test_settled_ratio_as_the_group_by_gave(drawn, sort) -> None:
    arrays = _arrays(drawn, sort)
    found = datasource.settled_ratio(*arrays)
    expected = _settled_ratio_by_group_by(*arrays)
    np.testing.assert_array_equal(found, expected)  # NaN where NaN; equal, not close


@given(cells, st.booleans(), st.sampled_from([0.5, 2.0, 10.0]))
@settings(max_examples=300, deadline=None)
def test_band_as_the_group_by_gave(drawn, sort, tolerance_pct) -> None:
    arrays = _arrays(drawn, sort)
    band = datasource.band(*arrays, tolerance_pct)
    within, rates, judged = _band_totals_by_group_by(*arrays, tolerance_pct / 100)
    np.testing.assert_array_equal(band.within, within)
    np.testing.assert_array_equal(band.rates, rates)
    np.testing.assert_array_equal(band.judged, judged)


def test_a_journey_takes_its_latest_settled_days() -> None:
    # Ten settled days at 10 % short, then three at 20 %: the latest seven hold four of 10 %.
    rest = np.array([10] * 10 + [20] * 3, dtype=np.int64)
    volume = np.full(13, 100, dtype=np.int64)
    journeys = np.ones(13, dtype=np.int64)
    ratio = datasource.settled_ratio(journeys, rest, volume, np.ones(13, dtype=bool))
    assert ratio.tolist() == [0.1] * 13
    rest[-4] = 20  # now four of 20 % among the latest seven
    ratio = datasource.settled_ratio(journeys, rest, volume, np.ones(13, dtype=bool))
    assert ratio.tolist() == [0.2] * 13


def test_columns_added_in_one_step_keep_the_rows_and_replace_their_namesakes() -> None:
    cells = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]}, index=[5, 5, 1])
    added = with_columns(cells, {"b": np.array([7, 8, 9]), "c": np.array([0, 1, 0])})
    assert added.index.tolist() == [5, 5, 1]
    assert added.to_dict("list") == {"a": [1, 2, 3], "b": [7, 8, 9], "c": [0, 1, 0]}
    assert cells["b"].tolist() == [4, 5, 6]  # the cells given are left as they were
