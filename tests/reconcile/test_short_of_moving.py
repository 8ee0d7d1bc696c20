"""One answer never calls a day both still moving (lag or retries) and safe to compare."""

from __future__ import annotations

from datetime import date, timedelta

from bot.reconcile.result import SafeRange
from bot.reconcile.safe_range import short_of_moving

START = date(2026, 11, 7)
FOUND = SafeRange(START, date(2026, 12, 3), "ends 3 days back: history")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_range_reaching_a_moving_day_ends_before_the_moving_run():
    clamped = short_of_moving(FOUND, START, days(date(2026, 12, 3), date(2026, 12, 6)))

    assert (clamped.start, clamped.end) == (START, date(2026, 12, 2))
    assert (
        clamped.reason == "ends Dec 2: this answer still finds processing lag or retries on Dec 3"
    )


def test_a_range_ending_before_the_moving_days_is_kept():
    assert short_of_moving(FOUND, START, days(date(2026, 12, 4), date(2026, 12, 6))) == FOUND


def test_a_run_skipping_one_day_is_one_run_but_an_old_stray_day_is_not():
    moving = [date(2026, 11, 12), date(2026, 12, 1), *days(date(2026, 12, 3), date(2026, 12, 6))]

    clamped = short_of_moving(FOUND, START, moving)

    assert clamped.end == date(2026, 11, 30)  # Dec 1 joins the run; Nov 12 stands apart


def test_when_every_day_asked_about_is_moving_no_range_is_offered():
    clamped = short_of_moving(FOUND, START, days(START, date(2026, 12, 6)))

    assert (clamped.start, clamped.end) == (None, None)
    assert clamped.reason.startswith("every day asked about is still settling")


def test_no_moving_days_or_no_range_leave_the_range_as_found():
    assert short_of_moving(FOUND, START, []) == FOUND
    empty = SafeRange(None, None, "every day asked about is still settling")
    assert short_of_moving(empty, START, [date(2026, 12, 6)]) == empty
