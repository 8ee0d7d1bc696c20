"""Learned lag and safe ranges from snapshot history, and retries inferred without AJO's count."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.config import Settings, load_settings
from bot.reconcile.causes import Rules
from bot.reconcile.safe_range import safe_range
from bot.reconcile.settling import learn
from tests.reconcile.series import TODAY, detail, run, series, volumes


def history(*rows: tuple) -> pd.DataFrame:
    """Rows of (source, metric, age_days, series, volume, change, abs_change)."""
    columns = ["source", "metric", "age_days", "series", "volume", "change", "abs_change"]
    return pd.DataFrame(rows, columns=columns)


def settled_after(days: int, metric: str = "sent") -> pd.DataFrame:
    """CJA's values move by 20 % at age 0 and by half as much each day until `days`."""
    rows = []
    for age in range(21):
        change = int(40_000 * 0.2 / 2**age) if age < days else 0
        rows.append(("cja", metric, age, 40, 40_000, change, change))
        rows.append(("ajo", metric, age, 40, 40_000, 0, 0))
    return history(*rows)


def test_the_lag_is_one_day_past_the_oldest_age_still_moving():
    learned = learn(settled_after(3), "sent", change_pct=0.1)
    assert (learned.days, learned.slowest.source, learned.slowest.moving_until) == (3, "cja", 2)
    assert learned.enough


def test_symmetric_jitter_is_not_movement():
    jitter = history(
        *[("cja", "sent", age, 40, 40_000, 60 if age % 2 else -60, 2_000) for age in range(20)]
    )
    assert learn(jitter, "sent", change_pct=0.1).days == 0


def test_moves_below_the_threshold_have_settled():
    small = history(*[("cja", "sent", age, 40, 40_000, 30, 30) for age in range(20)])
    assert learn(small, "sent", change_pct=0.1).days == 0  # 0.075 % < 0.1 %
    assert learn(small, "sent", change_pct=0.05).days == 20


def test_too_little_history_learns_nothing():
    few = history(("cja", "sent", 0, 10, 900, 300, 300), ("cja", "sent", 1, 10, 900, 90, 90))
    learned = learn(few, "sent", change_pct=0.1)
    assert (learned.enough, learned.days, learned.consulted) == (False, 0, True)
    assert learn(None, "sent", change_pct=0.1).consulted is False


def test_a_recent_day_still_moving_is_processing_lag_even_when_not_today():
    ajo = volumes(seed=21, days=30, level=2000)
    cja = ajo.copy()
    cja[-1] = ajo[-1] // 2  # today
    cja[-3] = int(ajo[-3] * 0.9)  # two days ago, still moving in past snapshots
    result = run(
        series(ajo, cja, metric="opens"), metrics=("opens",), history=settled_after(3, "opens")
    )
    opens = result["opens"]
    assert opens.causes["processing_lag"] == int((ajo - cja)[-3:].sum())
    assert opens.causes["unexplained"] == 0
    lag = detail(opens, "processing_lag")
    assert lag["evidence"] == (
        "Nov 27, Nov 29 are still being processed (the latest day is never final); in past "
        "snapshots CJA's Opens kept moving until 2 days old, across 840 values seen in more "
        "than one snapshot"
    )
    assert lag["confidence"] == "medium"
    assert opens.safe_range.end == date(2026, 11, 26)
    assert opens.safe_range.reason == (
        "ends 3 days back: in past snapshots CJA's values kept moving until 2 days old"
    )


def test_without_history_the_same_day_is_unexplained_and_the_rules_apply():
    ajo = volumes(seed=21, days=30, level=2000)
    cja = ajo.copy()
    cja[-3] = int(ajo[-3] * 0.9)
    opens = run(series(ajo, cja, metric="opens"), metrics=("opens",), history=history())["opens"]
    assert opens.causes["unexplained"] == int(ajo[-3] - cja[-3])
    assert opens.safe_range.end == date(2026, 11, 27)
    assert opens.safe_range.reason == (
        "ends Nov 27: the latest days are still being processed, and yesterday may still get "
        "records too (CJA ingests events that reach it after the end of their day as "
        "backfill, at lower priority); documented rules: too little snapshot history yet to "
        "learn when values settle"
    )


def test_learned_lag_never_shortens_the_documented_safe_range():
    rules = Rules(TODAY, 1, 7, 2.0, settling=learn(settled_after(2), "sent", 0.1))
    result = safe_range("sent", TODAY - timedelta(days=29), TODAY, rules)
    assert (result.end, result.reason) == (
        date(2026, 11, 22),
        "ends 7 days back, after retries converge",
    )
    longer = Rules(TODAY, 1, 7, 2.0, settling=learn(settled_after(10), "sent", 0.1))
    assert safe_range("sent", TODAY - timedelta(days=29), TODAY, longer).end == date(2026, 11, 21)


def test_retries_inferred_from_the_window_when_ajos_count_is_absent():
    ajo = volumes(seed=31, days=30, level=5000, spread=0.1)
    rng = np.random.default_rng(31)
    cja = np.rint(ajo * (1 - 0.004 + rng.normal(0, 0.0005, 30))).astype(np.int64)
    queued = np.rint(ajo[-4:-1] * np.array([0.01, 0.02, 0.03])).astype(np.int64)
    cja[-4:-1] -= queued  # Sent in CJA misses what AJO still retries, 1-3 days back
    sent = run(series(ajo, cja))["sent"]
    assert abs(sent.causes["retries"] - int(queued.sum())) <= 0.1 * queued.sum()
    assert sent.causes["unexplained"] == 0
    retries = detail(sent, "retries")
    assert "The figure is inferred: AJO's Retries metric is not stored" in retries["evidence"]
    assert retries["check"].startswith("add AJO's Retries metric to the export to measure it")
    assert retries["confidence"] == "medium"


def test_a_steady_shortfall_is_not_inferred_as_retries():
    ajo = volumes(seed=32, days=30, level=5000, spread=0.1)
    cja = np.rint(ajo * 0.93).astype(np.int64)
    sent = run(series(ajo, cja, last_ago=1), start_ago=30, end_ago=1)["sent"]
    assert sent.causes["retries"] == 0
    assert sent.causes["unexplained"] == int((ajo - cja).sum())


def test_retries_on_a_day_still_being_processed_are_read_from_delivered():
    sent = volumes(seed=33, days=30, level=8000, spread=0.1)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    processed = np.ones(30)
    processed[-1] = 0.6  # CJA has 60 % of today
    queued = np.zeros(30, dtype=np.int64)
    queued[-3:] = np.rint(sent[-3:] * np.array([0.01, 0.02, 0.03])).astype(np.int64)
    frames = (
        series(sent + queued, np.rint(sent * processed).astype(np.int64)),
        series(delivered, np.rint(delivered * processed).astype(np.int64), metric="delivered"),
    )
    result = run(*frames)["sent"]
    assert abs(result.causes["retries"] - int(queued.sum())) <= 0.05 * queued.sum()
    today = result.by_day[-1]
    assert abs(today.causes["retries"] - int(queued[-1])) <= 0.05 * queued[-1]
    assert today.causes["processing_lag"] > 0
    assert "read against Delivered" in detail(result, "retries")["evidence"]


def test_measured_retries_count_even_when_cja_usually_counts_more():
    ajo = np.full(30, 5000)
    cja = np.full(30, 5050)  # CJA is 1 % above AJO every day
    retries = np.zeros(30, dtype=np.int64)
    retries[-3:] = 100
    frames = (
        series(ajo + retries, cja),
        series(retries, np.zeros(30), metric="retries", cja_rows=[0] * 30),
    )
    sent = run(*frames)["sent"]
    assert sent.causes["retries"] == 300
    assert sent.causes["datasource"] == -1500
    assert "as AJO's own Retries count shows" in detail(sent, "retries")["evidence"]


def test_settling_settings_come_from_the_environment():
    settings = load_settings({"PARITY_SETTLE_CHANGE_PCT": "0.25", "PARITY_HISTORY_DAYS": "30"})
    assert (settings.settle_change_pct, settings.history_days) == (0.25, 30)
    # One threshold for the lag step and the safe range: the final-enough share (0.5 %).
    assert (Settings().settle_change_pct, Settings().history_days) == (0.5, 60)


def test_retries_read_from_delivered_count_even_when_cja_usually_counts_more():
    """The cap is the surplus beyond the journey's usual difference, not the gap left:
    with CJA 1 % above AJO every day, 1 % of queued retries leave no gap at all. (The queue
    drains with age: 1 % two days back is 0.5 % on the third, a 3.5-day retry period.)"""
    sent = np.full(30, 10_000)
    delivered = np.full(30, 9_700)
    queued = np.zeros(30, dtype=np.int64)
    queued[-3:] = [50, 100, 150]
    frames = (
        series(sent + queued, np.full(30, 10_100)),
        series(delivered, np.full(30, 9_797), metric="delivered"),
    )
    result = run(*frames, start_ago=29, end_ago=1)["sent"]
    assert result.causes["retries"] == 150  # the two settled young days, 1-2 days back
    assert result.causes["datasource"] == -2_900
    assert "read against Delivered" in detail(result, "retries")["evidence"]


def test_a_small_metric_moving_a_few_records_at_each_age_is_still_moving():
    """Bounces: 4 late records at each age to 4 days old, 0.8 % of the 500 seen there, too few
    for any one age to beat the jitter test (3 x sqrt(4) = 6); the ages from each one on,
    together, do up to 2 days old (12 > 3 x sqrt(12)): what is still to arrive only shrinks
    as a day ages, so drift in the older ages is drift at the younger one too."""
    small = history(
        *[("cja", "bounces", age, 10, 500, 4 * (age <= 4), 4 * (age <= 4)) for age in range(15)]
    )
    learned = learn(small, "bounces", change_pct=0.5)
    assert (learned.slowest.moving_until, learned.days) == (2, 3)
