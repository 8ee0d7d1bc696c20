"""Cause attribution on hand-made comparison frames: each documented cause, and the sums."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.query import Query
from bot.reconcile import CAUSES, reconcile
from bot.reconcile.causes import Rules
from bot.reconcile.safe_range import safe_range

TODAY = date(2026, 11, 29)
SETTINGS = Settings(today_override=TODAY)
NAMES = {1: "Welcome Series", 2: "Cart Abandon Reminder"}


def cells(*rows: tuple) -> pd.DataFrame:
    """Rows of (journey_key, days_ago, metric, ajo, cja)."""
    frame = pd.DataFrame(
        [
            {
                "journey_key": key,
                "day": pd.Timestamp(TODAY - timedelta(days=ago)),
                "metric": metric,
                "ajo": ajo,
                "cja": cja,
                "ajo_rows": 1,
                "cja_rows": 1,
            }
            for key, ago, metric, ajo, cja in rows
        ]
    )
    return frame.astype({"day": "datetime64[us]"})


def run(frame: pd.DataFrame, metrics=("sent",), start_ago=29, settings=SETTINGS):
    query = Query("reconcile", TODAY - timedelta(days=start_ago), TODAY, tuple(metrics))
    return {r.metric: r for r in reconcile(frame, query, NAMES, TODAY, settings)}


def test_today_is_processing_lag_whatever_its_size():
    result = run(cells((1, 0, "sent", 4100, 2310), (1, 10, "sent", 4000, 4000)))["sent"]
    assert result.causes["processing_lag"] == 1790
    assert result.causes["unexplained"] == 0
    assert result.cause_days["processing_lag"] == (TODAY,)


def test_lag_window_is_configurable():
    frame = cells((1, 1, "opens", 1000, 700))
    assert run(frame, ["opens"])["opens"].causes["unexplained"] == 300
    wider = Settings(today_override=TODAY, lag_days=2)
    assert run(frame, ["opens"], settings=wider)["opens"].causes["processing_lag"] == 300


def test_retries_explain_sent_up_to_ajos_retry_count():
    frame = cells((1, 3, "sent", 5000, 4900), (1, 3, "retries", 80, 0))
    result = run(frame)["sent"]
    assert result.causes["retries"] == 80
    assert result.causes["datasource"] == 20  # 0.4 %, within 2 %
    assert result.causes["unexplained"] == 0


def test_retries_never_exceed_the_gap():
    frame = cells((1, 2, "sent", 5000, 4970), (1, 2, "retries", 80, 0))
    result = run(frame)["sent"]
    assert (result.causes["retries"], result.causes["datasource"]) == (30, 0)


def test_retries_only_inside_the_retry_window_and_only_for_sent():
    old = cells((1, 9, "sent", 5000, 4700), (1, 9, "retries", 300, 0))
    assert run(old)["sent"].causes["retries"] == 0
    opens = cells((1, 2, "opens", 5000, 4700), (1, 2, "retries", 300, 0))
    assert run(opens, ["opens"])["opens"].causes["retries"] == 0


def test_small_residual_is_the_data_source_and_can_be_negative():
    result = run(cells((1, 10, "sent", 10_000, 10_150)))["sent"]
    assert result.causes["datasource"] == -150
    assert result.verdict == "explained"


def test_steadily_short_beyond_tolerance_is_unexplained_not_data_source():
    frame = cells(*[(1, ago, "sent", 1000, 940) for ago in range(8, 28)])
    result = run(frame)["sent"]
    assert result.causes["datasource"] == 0
    assert result.causes["unexplained"] == 1200
    assert result.verdict == "unexplained"


def test_one_bad_day_stands_out_in_an_otherwise_fine_journey():
    frame = cells(
        *[(1, ago, "sent", 1000, 995) for ago in range(8, 28)], (1, 15, "sent", 1000, 600)
    )
    result = run(frame)["sent"]
    assert result.causes["unexplained"] == 400
    assert result.cause_days["unexplained"] == (TODAY - timedelta(days=15),)


def test_tolerance_per_metric_from_settings():
    frame = cells((1, 10, "opens", 1000, 960))
    assert run(frame, ["opens"])["opens"].causes["unexplained"] == 40
    loose = Settings(today_override=TODAY, tolerance_by_metric={"opens": 5.0})
    result = run(frame, ["opens"], settings=loose)["opens"]
    assert (result.causes["datasource"], result.tolerance_pct) == (40, 5.0)


def test_all_metrics_means_those_reported_without_the_retry_evidence():
    frame = cells((1, 3, "opens", 10, 10), (1, 3, "sent", 10, 10), (1, 3, "retries", 1, 0))
    assert list(run(frame, metrics=())) == ["sent", "opens"]


def test_by_journey_ranks_the_most_unexplained_first():
    frame = cells(
        (1, 10, "sent", 100_000, 99_000),
        (2, 10, "sent", 1000, 800),
    )
    result = run(frame)["sent"]
    assert [b.label for b in result.by_journey] == ["Cart Abandon Reminder", "Welcome Series"]
    assert result.to_dict()["by_journey"][0]["causes"] == {"unexplained": 200}


def test_contract_shape_of_a_metric():
    result = run(cells((1, 0, "sent", 4100, 2310), (1, 3, "sent", 100, 100)))["sent"].to_dict()
    assert list(result) == [
        "metric", "ajo", "cja", "delta", "delta_pct", "causes", "by_day", "by_journey",
        "safe_range", "tolerance_pct", "causes_detail",
    ]  # fmt: skip
    assert list(result["causes"]) == list(CAUSES)
    assert result["delta"] == 1790
    assert result["delta_pct"] == 42.62
    assert result["by_day"][-1] == {
        "day": "2026-11-29", "ajo": 4100, "cja": 2310, "delta": 1790,
        "causes": {"processing_lag": 1790},
    }  # fmt: skip
    assert result["safe_range"] == {
        "start": "2026-10-31",
        "end": "2026-11-22",
        "reason": "ends 7 days back, after retries converge",
        "sure": True,
    }


rows = st.lists(
    st.tuples(
        st.integers(1, 2),
        st.integers(-1, 40),
        st.sampled_from(["sent", "opens", "retries", "delivered"]),
        st.integers(0, 10**7),
        st.integers(0, 10**7),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda r: r[:3],
)


@st.composite
def patterned(draw):
    """Rows for whole series with the new causes' patterns in them: a journey's AJO days,
    and CJA shifted by hours, doubled or zeroed over runs, short by a share, or noisy."""
    result = []
    for journey in (1, 2):
        days = draw(st.integers(8, 35))
        level = draw(st.integers(5, 50_000))
        seed = draw(st.integers(0, 2**16))
        rng = np.random.default_rng(seed)
        ajo = rng.poisson(level * rng.lognormal(0, 0.3, days))
        cja = ajo.copy()
        hours = draw(st.integers(-10, 10))
        moved = np.rint(cja * abs(hours) / 24).astype(np.int64)
        cja = cja - moved + (np.append(moved[1:], 0) if hours > 0 else np.insert(moved[:-1], 0, 0))
        for _ in range(draw(st.integers(0, 3))):
            start, length = draw(st.integers(0, days - 1)), draw(st.integers(1, 6))
            factor = draw(st.sampled_from([0.0, 0.5, 0.9, 2.0]))
            side = cja if draw(st.booleans()) else ajo
            side[start : start + length] = np.rint(side[start : start + length] * factor)
        metric = draw(st.sampled_from(["sent", "opens"]))
        for i in range(days):
            result.append((journey, days - 1 - i, metric, int(ajo[i]), int(cja[i])))
    return result


history_rows = st.lists(
    st.tuples(
        st.sampled_from(["ajo", "cja"]),
        st.sampled_from(["sent", "opens"]),
        st.integers(0, 30),
        st.integers(0, 100),
        st.integers(0, 10**6),
        st.integers(-(10**5), 10**5),
        st.integers(0, 10**5),
    ),
    max_size=20,
    unique_by=lambda r: r[:3],
)


def _check_sums_and_band(results, tolerance_pct: float, frame: pd.DataFrame) -> None:
    for result in results.values():
        assert sum(result.causes.values()) == result.delta
        for breakdown in (*result.by_day, *result.by_journey):
            assert sum(breakdown.causes.values()) == breakdown.delta
        assert sum(b.delta for b in result.by_day) == result.delta
        assert sum(b.delta for b in result.by_journey) == result.delta
        assert all(isinstance(v, int) for v in result.to_dict()["causes"].values())
        assert [d["cause"] for d in result.to_dict()["causes_detail"]] == [
            c for c in (*(r.cause for r in result.ranked_causes), "unexplained") if result.causes[c]
        ]
        # Never stretched: a journey's data-source part stays within the tolerance of its
        # volume (plus the rounding of one unit per day).
        cells = frame.loc[frame["metric"] == result.metric]
        for journey in result.by_journey:
            key = next(k for k, name in NAMES.items() if name == journey.label)
            mine = cells.loc[cells["journey_key"] == key]
            volume = np.maximum(mine["ajo"], mine["cja"]).sum()
            limit = tolerance_pct / 100 * volume + len(mine)
            assert abs(journey.causes["datasource"]) <= limit


@settings(max_examples=200, deadline=None)
@given(rows=rows, lag=st.integers(1, 3), window=st.integers(1, 10), tol=st.floats(0, 10))
def test_causes_add_up_exactly_per_day_journey_and_total(rows, lag, window, tol):
    config = Settings(
        today_override=TODAY, lag_days=lag, retry_window_days=window, tolerance_pct=tol
    )
    frame = cells(*rows)
    _check_sums_and_band(run(frame, metrics=(), start_ago=45, settings=config), tol, frame)


@settings(max_examples=150, deadline=None)
@given(
    rows=patterned(),
    history=history_rows,
    lag=st.integers(1, 3),
    tol=st.floats(0, 10),
    end_ago=st.integers(0, 5),
)
def test_new_causes_add_up_exactly_and_never_stretch_the_tolerance(
    rows, history, lag, tol, end_ago
):
    config = Settings(today_override=TODAY, lag_days=lag, tolerance_pct=tol)
    frame = cells(*rows)
    learned = pd.DataFrame(
        history,
        columns=["source", "metric", "age_days", "series", "volume", "change", "abs_change"],
    )
    query = Query("reconcile", TODAY - timedelta(days=33), TODAY - timedelta(days=end_ago))
    results = {r.metric: r for r in reconcile(frame, query, NAMES, TODAY, config, learned)}
    inside = frame.loc[frame["day"] >= pd.Timestamp(query.start)]
    inside = inside.loc[inside["day"] <= pd.Timestamp(query.end)]
    _check_sums_and_band(results, tol, inside)
    for result in results.values():
        assert result.delta == int(
            (inside.loc[inside["metric"] == result.metric, ["ajo", "cja"]] @ [1, -1]).sum()
        )


@given(
    start_ago=st.integers(-3, 400),
    length=st.integers(0, 400),
    metric=st.sampled_from(["sent", "opens", "clicks"]),
    lag=st.integers(1, 5),
    window=st.integers(1, 14),
)
def test_safe_range_never_includes_today_nor_the_retry_window(
    start_ago, length, metric, lag, window
):
    start = TODAY - timedelta(days=start_ago)
    end = start + timedelta(days=length)
    rules = Rules(TODAY, lag, window, 2.0)
    result = safe_range(metric, start, end, rules)
    if result.start is None:
        assert result.end is None
        return
    assert result.start == start
    assert result.start <= result.end <= end
    assert result.end < TODAY - timedelta(days=lag - 1)
    if metric == "sent":
        assert result.end <= TODAY - timedelta(days=window)


@pytest.mark.parametrize(
    ("start_ago", "end_ago", "expected"),
    [
        (29, 0, (date(2026, 10, 31), date(2026, 11, 22))),
        (29, 10, (date(2026, 10, 31), date(2026, 11, 19))),
        (5, 0, (None, None)),
    ],
)
def test_safe_range_for_sent(start_ago, end_ago, expected):
    result = safe_range(
        "sent",
        TODAY - timedelta(days=start_ago),
        TODAY - timedelta(days=end_ago),
        Rules(TODAY, 1, 7, 2.0),
    )
    assert (result.start, result.end) == expected


def test_a_range_still_settling_names_the_last_settled_day_as_replies_write_dates():
    result = safe_range("sent", TODAY - timedelta(days=3), TODAY, Rules(TODAY, 1, 7, 2.0))
    assert result.start is None
    assert "compare days up to Nov 22, 2026 instead" in result.reason
