"""Today is not over: the share of a day the data view moves is fitted on full days, and on
today it holds only for the hours that have passed (bot.reconcile.detectors.timezone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from bot.reconcile.detectors import CellView
from bot.reconcile.detectors.timezone import _own_share, _today_beyond, _unfinished
from bot.reconcile.offsets import offsets
from bot.reconcile.rules import Rules

TODAY = date(2026, 11, 20)
FIRST = TODAY - timedelta(days=9)
SHARE = 0.2  # of a full day in the hours the data view moves


def _view(ajo: list[int]) -> CellView:
    days = [FIRST + timedelta(days=i) for i in range(len(ajo))]
    frame = pd.DataFrame({"journey_key": 1, "day": pd.to_datetime(days), "ajo": ajo, "cja": ajo})
    return CellView.of(frame, TODAY)


def _correction(
    zone: str, today: int, week_before: int = 10_000, known: bool = False
) -> np.ndarray:
    ajo = [10_000, 10_000, week_before, *[10_000] * 6, today]
    view = _view(ajo)
    shift = offsets(zone, "UTC", FIRST, TODAY)
    own = np.full((len(view), 1), SHARE)
    return _unfinished(view, _own_share(view, shift, own, known))


def test_behind_today_moves_its_first_hours_in_full_once_they_have_passed():
    # New York is behind UTC: today's first hours (a fifth of a full day, 2,000) are on
    # CJA's yesterday; today so far (4,000) is not a full day, so s x today (800) is short.
    fixed = _correction("America/New_York", today=4_000)
    assert fixed[-1] == 2_000 - 800
    assert fixed[-2] == -(2_000 - 800)  # yesterday receives them
    assert not fixed[:-2].any()


def test_behind_a_capture_inside_the_moved_hours_moves_all_of_today_so_far():
    fixed = _correction("America/New_York", today=1_500)
    assert fixed[-1] == 1_500 - SHARE * 1_500
    assert fixed[-2] == -fixed[-1]


def test_ahead_today_last_hours_have_not_come_yet():
    # Tokyo is ahead of UTC: today's last hours go to tomorrow, and they have not happened.
    fixed = _correction("Asia/Tokyo", today=4_000)
    assert fixed[-1] == -SHARE * 4_000
    assert not fixed[:-1].any()  # yesterday's moved hours are all in the past


def test_a_day_holding_more_than_half_a_full_day_may_be_whole_and_keeps_the_fit():
    # Day-to-day volume varies by up to a third: more than half a day may be a whole one.
    assert not _correction("Asia/Tokyo", today=6_000).any()
    assert not _correction("America/New_York", today=6_000).any()


def test_without_the_same_weekday_a_week_before_the_fitted_share_stands():
    assert not _correction("America/New_York", today=4_000, week_before=0).any()


def test_a_week_before_short_of_today_so_far_moves_no_more_than_the_fit():
    # A launch or a quiet week: a full day is never taken as less than today so far.
    fixed = _correction("Asia/Tokyo", today=9_000, week_before=5_000)
    assert fixed[-1] == 0


def _yesterday_fixed(
    zone: str, today: int, week_before: int = 10_000, known: bool = False
) -> np.ndarray:
    """The range ends yesterday: today is only the frame's day after it (AJO's value so
    far, as each cell's ajo_next), never a cell `_unfinished` could read."""
    ajo = [10_000, 10_000, week_before, *[10_000] * 6]  # today - 7 is the third day
    frame = pd.DataFrame(
        {
            "journey_key": 1,
            "day": pd.to_datetime([FIRST + timedelta(days=i) for i in range(len(ajo))]),
            "ajo": ajo,
            "cja": ajo,
            "ajo_next": [*ajo[1:], today],
        }
    )
    view = CellView.of(frame, TODAY)
    assert view.age[-1] == 1
    shift = offsets(zone, "UTC", FIRST, TODAY)
    return _today_beyond(view, shift, np.full((len(view), 1), SHARE), known)


def test_behind_yesterday_of_a_range_ending_there_receives_today_first_hours_in_full():
    # The fit moved a fifth of today so far (800) onto yesterday; a fifth of a full day
    # (2,000, the same weekday a week before) has passed and moved: 1,200 more.
    fixed = _yesterday_fixed("America/New_York", today=4_000)
    assert fixed[-1] == 2_000 - 800
    assert not fixed[:-1].any()
    # Inside the moved hours, all of today so far moved.
    assert _yesterday_fixed("America/New_York", today=1_500)[-1] == 1_500 - SHARE * 1_500


def test_yesterday_of_a_range_ending_there_keeps_the_fit_ahead_or_without_a_full_day():
    assert not _yesterday_fixed("Asia/Tokyo", today=4_000).any()
    assert not _yesterday_fixed("America/New_York", today=6_000).any()
    assert not _yesterday_fixed("America/New_York", today=4_000, week_before=0).any()


def test_a_capture_before_today_ended_reads_today_as_unfinished_however_full():
    # Today so far holds 60 % of the week before's: unknown, it may be whole and keeps the
    # fit; captured before today ended, its first hours (2,000) have moved in full.
    assert not _correction("America/New_York", today=6_000).any()
    fixed = _correction("America/New_York", today=6_000, known=True)
    assert fixed[-1] == 2_000 - SHARE * 6_000
    assert fixed[-2] == -fixed[-1]
    assert _yesterday_fixed("America/New_York", today=6_000, known=True)[-1] == 800
    # More than the week before: the full day is at least today so far, the fit stands.
    assert not _correction("America/New_York", today=12_000, known=True).any()
    # Ahead, today's last hours have not come yet: nothing has left today so far.
    assert _correction("Asia/Tokyo", today=6_000, known=True)[-1] == -SHARE * 6_000


def test_today_is_unfinished_until_its_end_in_the_reporting_zone():
    rules = Rules(TODAY, 1, 4, 1.0, reporting="America/Los_Angeles")
    # Today ends at 08:00 UTC tomorrow in Los Angeles (November).
    ends = datetime.combine(TODAY + timedelta(days=1), datetime.min.time(), UTC)
    ends += timedelta(hours=8)
    assert replace(rules, captured_at=ends - timedelta(hours=1)).today_unfinished()
    assert not replace(rules, captured_at=ends).today_unfinished()
    assert not rules.today_unfinished()  # the capture time not known
