"""Time zone, missing and duplicated data, each alone, and what they must not be confused with."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reconcile.series import TODAY, detail, run, series, shifted, volumes


def test_cja_behind_shifts_each_day_to_the_previous_and_says_by_how_much():
    ajo = volumes(seed=3, days=30, level=4000)
    cja = shifted(ajo, hours=5)
    true_shift = int((ajo - cja)[1:-1].sum())  # the first and last days are margins
    result = run(series(ajo, cja, last_ago=3), start_ago=31, end_ago=4)["sent"]
    assert abs(result.causes["timezone"] - true_shift) <= 29  # rounding, a day at most 1
    assert abs(result.causes["datasource"]) <= 29
    assert result.causes["unexplained"] == 0
    # The daily gaps are large; the range total is not.
    assert max(abs(b.causes.get("timezone", 0)) for b in result.by_day) > 300
    tz = detail(result, "timezone")
    assert tz["check"] == (
        "CJA looks about 5 hours behind AJO: check the data view's time zone "
        "(Data view > Settings > Calendar)"
    )
    assert "20.8 % of each day moves to the previous day" in tz["evidence"]
    assert tz["confidence"] == "high"


def test_cja_ahead_is_told_apart_from_behind():
    ajo = volumes(seed=11, days=30, level=2500)
    cja = shifted(ajo, hours=-3)
    result = run(series(ajo, cja, last_ago=3, metric="opens"), metrics=("opens",))["opens"]
    assert result.causes["unexplained"] == 0
    assert "about 3 hours ahead of AJO" in detail(result, "timezone")["check"]
    assert "moves to the next day" in detail(result, "timezone")["evidence"]


def test_the_first_day_of_the_range_uses_the_day_before_it():
    ajo = volumes(seed=5, days=31, level=3000)
    cja = shifted(ajo, hours=-6)  # the first day in range receives from the day before
    result = run(series(ajo, cja, last_ago=3), start_ago=32, end_ago=3)["sent"]
    first = result.by_day[0]
    assert first.label == "2026-10-28"
    assert first.causes.get("unexplained", 0) == 0
    assert abs(first.causes["timezone"] - first.delta) <= 2


def test_email_tracking_dataset_missing_zeroes_opens_and_clicks_and_is_named():
    opens = volumes(seed=1, days=30, level=900)
    clicks = volumes(seed=2, days=30, level=120)
    frames = (
        series(opens, [0] * 30, metric="opens"),
        series(clicks, [0] * 30, metric="clicks"),
        series(opens, opens, metric="opens", journey=2),
    )
    result = run(*frames, metrics=("opens", "clicks"))
    assert result["opens"].causes["missing_data"] == int(opens.sum())
    assert result["clicks"].causes["missing_data"] == int(clicks.sum())
    found = detail(result["opens"], "missing_data")
    assert found["evidence"].startswith("CJA reports 0 Opens, Clicks for Welcome Series")
    assert "AJO Email Tracking Experience Event Dataset" in found["check"]
    assert found["confidence"] == "high"


def test_a_journey_absent_from_the_cja_export_points_at_the_export_and_entity_dataset():
    sent = volumes(seed=4, days=30, level=500)
    frames = (
        series(sent, [0] * 30, journey=2, cja_rows=[0] * 30),
        series(sent, sent, journey=1),
    )
    result = run(*frames)["sent"]
    assert result.causes["missing_data"] == int(sent.sum())
    assert result.causes["processing_lag"] == 0  # today is the same hole, not lag
    found = detail(result, "missing_data")
    assert found["evidence"].startswith("Cart Abandon Reminder has no Sent rows in the CJA export")
    assert "AJO Entity Dataset" in found["check"]


def test_a_metric_not_in_the_data_view_names_the_component_to_add():
    frames = [series([40] * 20, [0] * 20, journey=j, metric="unsubscribes", cja_rows=[0] * 20)
              for j in (1, 2)]  # fmt: skip
    result = run(*frames, metrics=("unsubscribes",), start_ago=19)["unsubscribes"]
    assert result.causes["missing_data"] == 1600
    assert detail(result, "missing_data")["check"] == (
        "add Unsubscribes (AJO) to the CJA data view and the export"
    )


def test_days_missing_from_an_export_are_named_and_only_those():
    ajo = volumes(seed=6, days=30, level=2000)
    cja = ajo.copy()
    cja[10:13] = 0
    rows = np.ones(30, dtype=int)
    rows[10:13] = 0
    result = run(series(ajo, cja, cja_rows=rows))["sent"]
    assert result.causes["missing_data"] == int(ajo[10:13].sum())
    assert result.cause_days["missing_data"] == (
        TODAY.replace(day=10),
        TODAY.replace(day=11),
        TODAY.replace(day=12),
    )
    found = detail(result, "missing_data")
    assert found["evidence"].startswith("CJA has no rows for Welcome Series on Nov 10 – Nov 12")


def test_ajo_missing_a_journey_is_missing_on_the_ajo_side():
    sent = volumes(seed=8, days=30, level=300)
    other = series(sent, sent, journey=2)
    result = run(series([0] * 30, sent, ajo_rows=[0] * 30), other)["sent"]
    assert result.causes["missing_data"] == -int(sent.sum())
    found = detail(result, "missing_data")
    assert found["evidence"].startswith("AJO has no stored rows of Sent for Welcome Series")
    assert found["check"] == "re-export from AJO with these journeys, metrics and days"


def test_a_few_zeros_in_a_tiny_metric_are_not_missing_data():
    ajo = [2, 0, 1, 3, 0, 1, 2, 1, 0, 2] * 3
    cja = [2, 0, 1, 2, 0, 1, 2, 0, 0, 2] * 3
    result = run(series(ajo, cja, metric="spam_complaints"), metrics=("spam_complaints",))
    assert result["spam_complaints"].causes["missing_data"] == 0


def test_cja_doubled_over_a_run_of_days_is_duplicate_data_and_names_the_days():
    ajo = volumes(seed=9, days=30, level=3000)
    cja = np.rint(ajo * 0.995).astype(np.int64)
    cja[8:14] *= 2
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == -int((cja[8:14] // 2).sum())
    assert result.causes["unexplained"] == 0
    found = detail(result, "duplicate_data")
    assert found["evidence"] == "CJA is 1.99× AJO for Welcome Series on Nov 8 – Nov 13"
    assert "dataset added twice" in found["check"]


def test_a_backfill_ingested_twice_over_days_the_journey_paused_is_still_duplicate_data():
    """CJA doubled on six days, the journey paused on the last three (a hundredth of its
    volume): over the whole run both sides sit at about half their ordinary days, as if AJO
    had lost half; the paused days say nothing of which side moved, the others do."""
    ajo = volumes(seed=16, days=30, level=20_000, spread=0.05)
    ajo[13:16] = [300, 180, 120]
    cja = np.rint(ajo * 0.995).astype(np.int64)
    cja[10:16] *= 2
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == -int((cja[10:16] // 2).sum())
    assert result.causes["unexplained"] == 0


def test_ajo_doubled_is_duplicate_data_on_the_ajo_side():
    cja = volumes(seed=10, days=30, level=1500)
    ajo = cja.copy()
    ajo[15:18] *= 2
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == int((ajo[15:18] // 2).sum())
    assert "same AJO export stored twice" in detail(result, "duplicate_data")["check"]


def test_cja_losing_half_for_a_few_days_is_an_outage_not_an_ajo_duplicate():
    ajo = volumes(seed=12, days=30, level=3000, spread=0.05)
    cja = ajo.copy()
    cja[12:15] = ajo[12:15] // 2
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == 0
    assert result.causes["unexplained"] == int((ajo[12:15] - cja[12:15]).sum())


def test_an_outage_on_days_of_unusually_high_volume_is_not_an_ajo_duplicate():
    """AJO sends half as much again on two days (a campaign push) and CJA has only 47 % of
    them: AJO's jump roughly matches CJA's drop, and a CJA outage is the likelier story."""
    ajo = volumes(seed=14, days=30, level=40_000, spread=0.05)
    ajo[12:14] = np.rint(ajo[12:14] * 1.45).astype(np.int64)
    cja = ajo.copy()
    cja[12:14] = np.rint(ajo[12:14] * 0.47).astype(np.int64)
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == 0
    assert result.causes["unexplained"] == int((ajo[12:14] - cja[12:14]).sum())


def test_a_doubled_run_is_found_when_a_time_zone_shift_stretches_a_day_past_2_7():
    """CJA six hours behind and doubled on two days; the second day's shift brings in a
    quarter of a campaign day, so it is 2.8 times AJO: still the same doubled run."""
    ajo = volumes(seed=15, days=30, level=10_000, spread=0.05)
    ajo[16] = int(ajo[15] * 2.6)  # a campaign day right after the run
    cja = shifted(ajo, 6)
    cja[14:16] *= 2
    assert cja[15] / ajo[15] > 2.7
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == -int((cja[14:16] // 2).sum())


def test_one_doubled_day_is_not_a_run():
    ajo = volumes(seed=13, days=30, level=3000)
    cja = ajo.copy()
    cja[20] *= 2
    result = run(series(ajo, cja))["sent"]
    assert result.causes["duplicate_data"] == 0
    assert result.causes["unexplained"] == -int(ajo[20])


@pytest.mark.parametrize("seed", range(12))
def test_tens_of_sends_a_day_never_look_like_a_time_zone_or_a_duplicate(seed):
    rng = np.random.default_rng(100 + seed)
    ajo = rng.poisson(30 * np.where(np.arange(30) % 7 >= 5, 0.5, 1.0))
    cja = rng.binomial(ajo, 0.985) + rng.poisson(0.4, 30)
    result = run(series(ajo, cja, last_ago=2), start_ago=31, end_ago=2)["sent"]
    assert result.causes["timezone"] == 0
    assert result.causes["duplicate_data"] == 0
    assert result.causes["missing_data"] == 0


@pytest.mark.parametrize(
    ("cja", "datasource", "unexplained"),
    [(981, 380, 0), (980, 400, 0), (979, 0, 420)],
)
def test_the_tolerance_is_never_stretched(cja, datasource, unexplained):
    result = run(series([1000] * 20, [cja] * 20, last_ago=8), start_ago=27, end_ago=8)["sent"]
    assert (result.causes["datasource"], result.causes["unexplained"]) == (datasource, unexplained)
