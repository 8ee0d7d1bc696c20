"""The event-level simulator: message by message, its truth adds up, each mechanism leaves
its own trace, and the evaluate command runs it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from bot.config import Settings
from bot.evaluate.events import counting, journeys, messages
from bot.evaluate.events.scenario import build
from bot.evaluate.events.world import REPORTING_ZONES
from bot.evaluate.events.zones import day_number, local_day, midnight, transitions
from bot.evaluate.safety import answered_end, journey_ranges, score_journey_safe
from bot.evaluate.scenarios import CAUSES
from bot.evaluate.scoring import split
from bot.reconcile import reconcile
from tests.test_cli import parity

KEYS = ["journey_key", "day", "metric"]


@pytest.fixture(scope="module")
def everything():
    """One scenario with every injectable mechanism (seed chosen apart from the evaluation's)."""
    injected = ("timezone", "missing_data", "duplicate_data", "unexplained")
    return build(np.random.default_rng(9001), injected, "all")


def test_local_days_follow_daylight_saving():
    # Los Angeles leaves daylight saving at 09:00 UTC on 2026-11-01 (02:00 PDT -> 01:00 PST).
    before = (day_number(date(2026, 11, 1)) * 24) + 6.5  # 06:30 UTC: Oct 31, 23:30 PDT
    after = (day_number(date(2026, 11, 2)) * 24) + 7.5  # 07:30 UTC: Nov 1, 23:30 PST
    days = local_day(np.array([before, after]), "America/Los_Angeles")
    assert list(days) == [day_number(date(2026, 10, 31)), day_number(date(2026, 11, 1))]
    start = midnight(np.array([day_number(date(2026, 11, 2))]), "America/Los_Angeles")[0]
    assert start == day_number(date(2026, 11, 2)) * 24 + 8
    assert transitions("America/Los_Angeles", date(2026, 10, 1), date(2026, 12, 1)) == (
        date(2026, 11, 1),
    )
    assert transitions("Asia/Tokyo", date(2026, 1, 1), date(2026, 12, 31)) == ()


def test_messages_retry_for_at_most_their_period_and_end_delivered_or_bounced():
    rng = np.random.default_rng(5)
    drawn = journeys.draw(rng, day_number(date(2026, 9, 1)), day_number(date(2026, 10, 10)))
    records = messages.simulate(
        rng, drawn, day_number(date(2026, 9, 1)), day_number(date(2026, 10, 10))
    )
    sent = records.metric == 0
    waited = records.written[sent] - records.event[sent]
    periods = np.array([j.retry_hours for j in drawn])[records.journey[sent]]
    assert (waited >= 0).all()
    assert (waited <= periods + 1e-9).all()
    assert records.queued[sent].any() == any(j.channel == "email" for j in drawn)
    # Every send ends in exactly one outcome record: delivered or bounced.
    outcomes = np.isin(records.metric, [1, 2])
    for index in range(len(drawn)):
        mine = records.journey == index
        assert (sent & mine).sum() == (outcomes & mine).sum()


def test_truth_adds_up_to_the_gap_on_every_cell(everything):
    merged = everything.truth.merge(everything.frame, on=KEYS)
    assert len(merged) == len(everything.truth)
    assert (merged[list(CAUSES)].sum(axis=1) == merged["ajo"] - merged["cja"]).all()


def test_each_injected_mechanism_leaves_its_trace(everything):
    truth = everything.truth
    for cause in ("timezone", "duplicate_data", "unexplained", "missing_data", "datasource"):
        assert truth[cause].abs().sum() > 0, cause
    # The dataset left out is the tracking one: opens and clicks only.
    assert set(truth.loc[truth["missing_data"] != 0, "metric"]) <= {"opens", "clicks"}
    # Retries only hold Sent back, and only on days younger than the 84-hour queue.
    held = truth.loc[truth["retries"] != 0]
    assert set(held["metric"]) <= {"sent"}
    ages = np.datetime64(everything.today) - held["day"].to_numpy().astype("datetime64[D]")
    assert (ages.astype(int) <= 4).all()


def test_without_injections_only_lag_retries_and_the_data_source_remain():
    scenario = build(np.random.default_rng(9002), (), "plain")
    truth = scenario.truth
    for cause in ("timezone", "duplicate_data", "unexplained", "missing_data"):
        assert truth[cause].abs().sum() == 0, cause
    assert truth["datasource"].abs().sum() > 0


def test_scenarios_are_seeded(everything):
    again = build(np.random.default_rng(9001), everything.injected, "all")
    assert again.frame.equals(everything.frame)
    assert again.truth.equals(everything.truth)


def test_final_days_are_never_after_the_range_nor_today(everything):
    for day in everything.final_days.values():
        assert day is None or everything.query.start <= day <= min(
            everything.query.end, everything.today
        )


def test_a_capture_counts_only_what_has_arrived():
    rng = np.random.default_rng(11)
    first, last = day_number(date(2026, 10, 1)), day_number(date(2026, 10, 20))
    records = messages.simulate(rng, journeys.draw(rng, first, last), first, last)
    layout = counting.Layout(first, last - first + 1, int(records.journey.max()) + 1)
    cells = counting.Cells.of(records, layout, np.floor(records.event / 24).astype(int),
                              np.floor(records.event / 24).astype(int))  # fmt: skip
    received = counting.Cja(
        delay=np.full(len(records), 30.0),
        noise=np.ones(len(records)),
        filtered=np.zeros(len(records), dtype=bool),
        doubled=np.zeros(len(records), dtype=bool),
        absent=np.zeros(len(records), dtype=bool),
        view_day=np.floor(records.event / 24).astype(int),
    )
    capture = (last + 1) * 24.0
    early = counting.cja(counting.receipt(records, received), cells, layout, capture)
    final = counting.cja(counting.receipt(records, received), cells, layout, np.inf)
    # A 30-hour delay: the last day has nothing yet; days three back are complete (sends
    # out of the retry queue, too, had they waited less than a day).
    assert early[:, :, -1].sum() == 0
    assert early.sum() < final.sum()
    complete = counting.ajo(records, cells, layout, capture)
    assert early[1:3, :, :-4].sum() == complete[1:3, :, :-4].sum()


def test_the_evaluate_command_runs_the_event_model(tmp_path):
    result = parity(
        "evaluate", "--model", "events", "--scenarios", "3", "--seed", "3", "--json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"] == "events"
    assert report["scenarios"] == 3
    assert set(report["attributed_correctly_pct"]) == {*CAUSES, "overall"}
    assert report["safe_ranges"]["checked"] > 0
    assert report["journey_safe_ranges"]["checked"] >= report["safe_ranges"]["checked"]


@pytest.fixture(scope="module")
def drift():
    """A scenario with no mechanism injected, split as the evaluation does and answered as
    Parity does: (scenario, split per metric, answers)."""
    scenario = build(np.random.default_rng(9002), (), "drift")
    settings = scenario.settings(Settings())
    answers = reconcile(
        scenario.frame,
        scenario.query,
        scenario.names,
        scenario.today,
        settings,
        scenario.history,
        scenario.calendars,
        channels=scenario.channels,
        hours=scenario.hours,
        captured_at=scenario.captured_at,  # the late-records bound reads the capture's hour
    )
    return scenario, split(scenario, settings), answers


def test_the_evaluation_answers_in_the_zone_the_scenarios_days_are_cut_in(monkeypatch):
    """AJO's days are cut in the scenario's reporting zone, which a team sets PARITY_TIMEZONE
    to: the evaluation's rules read that zone (where no pull recorded the calendars, the
    time-zone fit and yesterday's freshness read Rules.reporting), not the default UTC."""
    import bot.evaluate as evaluation

    seen = []

    def recording(scenario, settings):
        seen.append((scenario.reporting, scenario.today, settings))
        return split(scenario, settings)

    monkeypatch.setattr(evaluation, "split", recording)
    evaluation.evaluate(3, seed=4, model="events")
    assert len(seen) == 3
    assert {zone for zone, _, _ in seen} - {"UTC"}, "some scenario cut in another zone"
    for zone, today, settings in seen:
        assert zone in REPORTING_ZONES
        assert (settings.timezone, settings.today_override) == (zone, today)
    # The day-level generator has no zone: the settings' own stays.
    base = replace(Settings(), timezone="Europe/Paris")
    days = replace(build(np.random.default_rng(9002), (), "drift"), reporting=None)
    assert days.settings(base).timezone == "Europe/Paris"


def test_the_safe_ranges_scored_are_the_answers(drift):
    """The score reads each metric's safe range as the answer gives it: with the days the
    answer calls still being processed and the late records its volumes may still get."""
    scenario, done, answers = drift
    assert {a.metric for a in answers} == set(done)
    for answer in answers:
        rules, attribution = done[answer.metric]
        assert answered_end(scenario, answer.metric, rules, attribution) == (answer.safe_range.end)
    # Late records cut at least one of these ranges short of its window.
    assert any("late records" in a.safe_range.reason for a in answers)


def test_journey_rows_ranges_scored_are_the_answers_rows(drift):
    """Each by_journey row's safe range is scored as the answer gives it."""
    scenario, done, answers = drift
    key_of = {name: key for key, name in scenario.names.items()}
    for answer in answers:
        rules, attribution = done[answer.metric]
        scored = journey_ranges(scenario, answer.metric, rules, attribution)
        rows = {key_of[row.label]: row.safe_range for row in answer.by_journey}
        assert scored == rows
        # Every journey exporting the metric has its own last final day to be scored against.
        assert set(rows) == set(scenario.journey_final_days[answer.metric])


def test_a_journey_row_ending_after_its_own_last_final_day_is_counted_late(drift):
    """One journey's last final day set before its row's end (a late row), another's well
    after it (an early row): each counted once, every other row right."""
    scenario, done, _ = drift
    metric = next(iter(done))
    rules, attribution = done[metric]
    ends = {k: r.end for k, r in journey_ranges(scenario, metric, rules, attribution).items()}
    late_key, early_key, *_ = sorted(k for k, end in ends.items() if end is not None)
    finals = {k: ends[k] for k in ends}  # every row exactly right
    finals[late_key] = ends[late_key] - timedelta(days=1)
    finals[early_key] = ends[early_key] + timedelta(days=3)
    checked = replace(scenario, journey_final_days={metric: finals})
    found = score_journey_safe(checked, {metric: done[metric]})
    assert (found.checked, found.late, found.early) == (len(ends), 1, 1)
    assert any(f"journey {late_key}:" in miss for miss in found.misses)
    # The truth's own last final days: every exporting journey's row is checked.
    truth = score_journey_safe(scenario, done)
    assert truth.checked == sum(len(scenario.journey_final_days[m]) for m in done)


def test_hourly_counts_add_up_to_ajos_days_and_change_nothing_else(everything):
    hourly = build(np.random.default_rng(9001), everything.injected, "all", hourly=True)
    assert everything.hours is None
    assert hourly.frame.equals(everything.frame)
    assert hourly.truth.equals(everything.truth)
    counts = hourly.hours.counts
    assert "delivered" not in set(counts["metric"])  # Query Service counts no Delivered
    # Re-cut into the reporting zone's days (the scenario does not name it: one of the
    # simulator's), the hours give AJO's stored days exactly.
    stored = hourly.frame.loc[hourly.frame["metric"].isin(set(counts["metric"]))]
    stored = stored.set_index(["journey_key", "day", "metric"])["ajo"]
    inside = stored.index.get_level_values("day") >= pd.Timestamp(hourly.query.start)
    expected = stored[inside & (stored > 0)].sort_index()
    stamps = pd.to_datetime(counts["hour"] * 3600, unit="s", utc=True)

    def recut(zone: str) -> pd.Series:
        local = stamps.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
        summed = counts.assign(day=local.astype("datetime64[us]"))
        summed = summed.groupby(["journey_key", "day", "metric"])["value"].sum()
        return summed.reindex(expected.index).fillna(0).astype(np.int64)

    assert len(expected) > 100
    assert any(recut(zone).equals(expected) for zone in REPORTING_ZONES)


def test_the_evaluate_command_scores_with_hourly_counts(tmp_path):
    result = parity(
        "evaluate", "--model", "events", "--scenarios", "2", "--seed", "3", "--json",
        "--hourly", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hourly"] is True
