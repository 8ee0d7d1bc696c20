"""AJO's retry queue ends the documented retry window: where history taught no window, Sent's
and Delivered's days on email wait for the queue (AJO's Retries) to empty, then for the lag
window, instead of the documented week."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest

from bot.query import Query
from bot.reconcile import metrics_needed, reconcile, rules_for
from bot.reconcile.arrival import Volumes
from bot.reconcile.queue import RetryQueue
from bot.reconcile.safe_range import safe_range
from bot.reconcile.settling import Settling, SourceSettling
from tests.reconcile.series import NAMES, SETTINGS, TODAY, series

START = TODAY - timedelta(days=29)


def queue_frame(queued_ago: tuple[int, ...], journey: int = 1) -> pd.DataFrame:
    """AJO's Retries for one journey over the 30 days to today: 40 queued on the days
    `queued_ago` days back, none on the others."""
    counts = [40 if 29 - i in queued_ago else 0 for i in range(30)]
    return series(counts, [0] * 30, metric="retries", journey=journey, cja_rows=[0] * 30)


def end_of(metric: str, channels: dict, frame: pd.DataFrame | None, journeys=None):
    queue = RetryQueue.of_frame(frame) if frame is not None else None
    rules = rules_for(metric, SETTINGS, TODAY, None, None, channels, queue=queue)
    return safe_range(metric, START, TODAY, rules, journeys)


@pytest.mark.parametrize("metric", ["sent", "delivered"])
def test_the_range_ends_the_lag_window_before_the_oldest_day_still_queued(metric):
    # Queued messages from 3 days back on: 4 days back has none left, but what left the
    # queue just before the capture is as new to CJA as today's records.
    result = end_of(metric, {1: ("email",)}, queue_frame((3, 2, 1, 0)))
    assert result.end == TODAY - timedelta(days=5)
    assert result.reason.startswith(
        "ends Nov 24: AJO's retry queue still holds messages of Nov 26 (its Retries); the "
        "last retries of Nov 25 may have left it just now"
    )


def test_without_the_queue_the_documented_week_stands():
    assert end_of("sent", {1: ("email",)}, None).end == TODAY - timedelta(days=7)


def test_bounces_keep_the_documented_week():
    # A small metric: one late record of CJA's moves its day, and the queue says nothing of
    # CJA's ingestion.
    result = end_of("bounces", {1: ("email",)}, queue_frame((3, 2, 1, 0)))
    assert result.end == TODAY - timedelta(days=7)


def test_an_empty_queue_leaves_the_window_without_retries():
    # The retry window's week is gone; yesterday may still be backfilled (no history).
    assert end_of("sent", {1: ("email",)}, queue_frame(())).end == TODAY - timedelta(days=2)


def test_a_retried_journey_whose_queue_is_not_known_keeps_the_week():
    # Journey 2 is email too, and AJO's export carried no Retries for it.
    result = end_of("sent", {1: ("email",), 2: ("email",)}, queue_frame((1, 0)))
    assert result.end == TODAY - timedelta(days=7)
    # Journey 1's own row knows its queue.
    alone = end_of("sent", {1: ("email",), 2: ("email",)}, queue_frame((1, 0)), journeys=[1])
    assert alone.end == TODAY - timedelta(days=3)


def test_a_queue_never_ends_the_range_later_than_the_documented_week():
    # Messages of 8 days back still queued (a retry period longer than Adobe's 84 hours).
    result = end_of("sent", {1: ("email",)}, queue_frame((8, 1, 0)))
    assert result.end == TODAY - timedelta(days=7)


def test_delivered_questions_read_the_queue():
    assert "retries" in metrics_needed(("delivered",))
    assert "retries" not in metrics_needed(("opens",))


def test_an_answer_reads_the_queue_from_its_frame():
    ajo = [1_000] * 30
    frame = pd.concat(
        [series(ajo, ajo, metric="delivered"), queue_frame((2, 1, 0))], ignore_index=True
    )
    query = Query("reconcile", START, TODAY, ("delivered",))
    (result,) = reconcile(frame, query, NAMES, TODAY, SETTINGS, None, channels={1: ("email",)})
    assert result.safe_range.end == TODAY - timedelta(days=4)


def learned_end_of(queued: int) -> tuple:
    """Sent on one email journey of 1,000 a day (CJA 960), a window of 3 days learned from
    history, and AJO's queue holding `queued` messages of 4 days back: the range's end."""
    learned = Settling(
        "sent",
        (SourceSettling("ajo", 100, None, 10), SourceSettling("cja", 100, 2, 10)),
        consulted=True,
    )
    frame = queue_frame((4,))
    frame.loc[frame["ajo"] > 0, "ajo"] = queued
    rules = replace(
        rules_for("sent", SETTINGS, TODAY, None, None, {1: ("email",)}),
        settling=learned,
        safe_settling=learned,
        queue=RetryQueue.of_frame(frame),
    )
    days = pd.date_range(START, TODAY)
    cells = pd.DataFrame({"journey_key": 1, "day": days, "ajo": 1_000, "cja": 960})
    return safe_range("sent", START, TODAY, rules, [1], (), Volumes.of_cells(cells))


def test_a_queue_holding_more_than_the_threshold_ends_a_learned_window_sooner():
    # History says Sent settles in 3 days; this capture's queue still holds 40 messages of
    # 4 days back (2 % of that day's 1,960 values): each still reaches CJA's Sent.
    result = learned_end_of(40)
    assert result.end == TODAY - timedelta(days=5)
    assert result.reason.startswith(
        "ends Nov 24: AJO's retry queue still holds 40 messages of Nov 25 (its Retries)"
    )


def test_a_queue_holding_less_than_the_threshold_leaves_the_learned_window():
    # 5 messages are 0.26 % of the day's values: the day is final.
    assert learned_end_of(5).end == TODAY - timedelta(days=3)
