"""Yesterday judged journey against journey only once the capture is hours past its end: a
capture taken just after midnight sees a journey that sent in yesterday's last hours far
behind the ones that sent in the morning, and still arriving."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from bot.query import Query
from bot.reconcile import reconcile
from bot.reconcile.rules import FRESH_HOURS, Rules
from bot.store.calendars import Calendars
from tests.reconcile.series import NAMES, SETTINGS, TODAY, series, volumes

MIDNIGHT = datetime.combine(TODAY, datetime.min.time(), UTC)


def _yesterday(captured_at: datetime | None):
    """Three journeys' Delivered; CJA has 97 % of yesterday for two of them and 60 % for the
    first, which sent in the evening; today is half there for all."""
    frames = []
    for journey, level in ((1, 8_000), (2, 6_000), (3, 5_000)):
        ajo = volumes(seed=90 + journey, days=30, level=level, spread=0.1)
        processed = np.ones(30)
        processed[-1] = 0.5
        processed[-2] = 0.6 if journey == 1 else 0.97
        cja = np.rint(ajo * processed).astype(np.int64)
        frames.append(series(ajo, cja, journey=journey, metric="delivered"))
    query = Query("reconcile", TODAY - timedelta(days=29), TODAY, ("delivered",))
    frame = pd.concat(frames, ignore_index=True)
    (result,) = reconcile(frame, query, NAMES, TODAY, SETTINGS, captured_at=captured_at)
    return result.by_day[-2]


def test_a_journey_far_behind_yesterday_is_lag_when_the_capture_was_just_after_midnight():
    day = _yesterday(MIDNIGHT + timedelta(hours=2))
    assert day.causes["processing_lag"] == day.delta
    assert day.causes["unexplained"] == 0


def test_the_same_journey_is_judged_against_the_others_later_in_the_day_or_unknown():
    for captured_at in (MIDNIGHT + timedelta(hours=FRESH_HOURS + 8), None):
        day = _yesterday(captured_at)
        # The others' 3 % is lag; the first journey's further shortfall is not.
        assert day.causes["unexplained"] > 0.5 * day.delta


def test_fresh_is_read_in_the_reporting_zone():
    rules = Rules(TODAY, 1, 4, 1.0, reporting="America/Los_Angeles")
    # Midnight in Los Angeles is 08:00 UTC in November.
    la_midnight = MIDNIGHT + timedelta(hours=8)
    assert replace(rules, captured_at=la_midnight + timedelta(hours=1)).yesterday_fresh()
    later = la_midnight + timedelta(hours=FRESH_HOURS)
    assert not replace(rules, captured_at=later).yesterday_fresh()
    # Taken yesterday (before its end): fresher still.
    assert replace(rules, captured_at=la_midnight - timedelta(hours=3)).yesterday_fresh()
    # Unknown, or without a zone: not fresh (as before captures were known).
    assert not rules.yesterday_fresh()
    naive = (la_midnight + timedelta(hours=1)).replace(tzinfo=None)
    assert not replace(rules, captured_at=naive).yesterday_fresh()


def test_the_calendars_reporting_zone_cuts_the_days_when_recorded():
    """Days cut in New York (a pull recorded the calendars) end at 05:00 UTC in November:
    a capture at 07:00 UTC is two hours after yesterday ended there, not seven."""
    rules = Rules(TODAY, 1, 4, 1.0, reporting="UTC", captured_at=MIDNIGHT + timedelta(hours=7))
    assert not rules.yesterday_fresh()
    assert replace(rules, calendars=Calendars("America/New_York")).yesterday_fresh()
