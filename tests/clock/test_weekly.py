"""Weekly schedules: what people type, and the fire times the clock keeps across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock.weekly import Weekly, parse_timezone, parse_weekly
from bot.errors import BadInput


def _fires(weekly: Weekly, start: datetime, count: int) -> list[str]:
    """The next `count` fire times after `start`, in UTC, from the real CronTrigger."""
    trigger, fires, fire = weekly.trigger(), [], None
    for _ in range(count):
        fire = trigger.get_next_fire_time(fire, fire or start)
        fires.append(f"{fire.astimezone(UTC):%a %Y-%m-%d %H:%M}Z {fire:%H:%M %Z}")
    return fires


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # Europe: summer time starts Sun Mar 29 2026, ends Sun Oct 25 2026.
        ("Europe/Berlin", datetime(2026, 3, 20, tzinfo=UTC), [
            "Mon 2026-03-23 08:00Z 09:00 CET",
            "Mon 2026-03-30 07:00Z 09:00 CEST",
            "Mon 2026-04-06 07:00Z 09:00 CEST",
        ]),
        ("Europe/Berlin", datetime(2026, 10, 16, tzinfo=UTC), [
            "Mon 2026-10-19 07:00Z 09:00 CEST",
            "Mon 2026-10-26 08:00Z 09:00 CET",
            "Mon 2026-11-02 08:00Z 09:00 CET",
        ]),
        # United States: daylight time starts Sun Mar 8 2026, ends Sun Nov 1 2026.
        ("America/New_York", datetime(2026, 2, 27, tzinfo=UTC), [
            "Mon 2026-03-02 14:00Z 09:00 EST",
            "Mon 2026-03-09 13:00Z 09:00 EDT",
            "Mon 2026-03-16 13:00Z 09:00 EDT",
        ]),
        ("America/New_York", datetime(2026, 10, 23, tzinfo=UTC), [
            "Mon 2026-10-26 13:00Z 09:00 EDT",
            "Mon 2026-11-02 14:00Z 09:00 EST",
            "Mon 2026-11-09 14:00Z 09:00 EST",
        ]),
    ],
)  # fmt: skip
def test_monday_nine_local_stays_nine_local_across_both_dst_changes(zone, start, expected):
    assert _fires(parse_weekly(["mon", "09:00", zone]), start, 3) == expected


def test_last_run_is_the_latest_fire_not_before_the_schedule_was_set():
    weekly = Weekly(0, 9, 0, "Europe/Berlin")
    monday = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST, the first summer Monday
    assert weekly.last_run(monday - timedelta(seconds=1)) == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    assert weekly.last_run(monday) == monday
    assert weekly.last_run(monday + timedelta(days=3)) == monday
    assert (
        weekly.last_run(monday + timedelta(days=3), not_before=monday + timedelta(hours=1)) is None
    )
    assert weekly.next_run(monday + timedelta(seconds=1)) == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)


def test_the_period_is_the_iso_week_in_the_schedules_own_zone():
    # Monday 00:30 in Tokyo is still Sunday in UTC: the week is Tokyo's.
    tokyo = Weekly(0, 0, 30, "Asia/Tokyo")
    fire = tokyo.next_run(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 11, 29, 15, 30, tzinfo=UTC)
    assert tokyo.period(fire) == "2026-W49"
    assert Weekly(6, 23, 0, "UTC").period(datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == "2026-W48"


def test_a_schedule_reads_days_times_and_zones_as_people_type_them():
    assert parse_weekly(["Monday", "9:05", "europe/berlin"]) == Weekly(0, 9, 5, "Europe/Berlin")
    assert parse_weekly(["fri", "17:30", "UTC"]) == Weekly(4, 17, 30, "UTC")
    assert parse_weekly(["Thurs", "00:00", "Asia/Kolkata"]).describe() == (
        "Thursdays 00:00 Asia/Kolkata"
    )


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["mon", "09:00", "EST"], "'EST' is an abbreviation, not a time zone name"),
        (["mon", "09:00", "EST"], "Use a name such as America/New_York."),
        (["mon", "09:00", "+02:00"], "'+02:00' is an offset, not a time zone"),
        (["mon", "09:00", "UTC+2"], "'UTC+2' is an offset, not a time zone"),
        (["mon", "09:00", "Mars/Olympus"], "'Mars/Olympus' is not an IANA time zone name."),
        (["mon", "09:00", "Europe/Berln"], "Did you mean Europe/Berlin?"),
        (["mon", "09:00", "US/Eastern"], "'US/Eastern' is a legacy alias or a fixed offset"),
        (["mon", "09:00", "Etc/GMT+2"], "'Etc/GMT+2' is a legacy alias or a fixed offset"),
        (["funday", "09:00", "UTC"], "'funday' is not a day of the week"),
        (["mon", "25:00", "UTC"], "'25:00' is not a time of day: use 24-hour HH:MM"),
        (["mon", "9am", "UTC"], "'9am' is not a time of day"),
        (["mon", "09:00"], "a schedule is a day, a time and a time zone"),
    ],
)
def test_anything_but_a_day_a_time_and_an_iana_zone_is_refused_saying_why(words, message):
    with pytest.raises(BadInput) as refused:
        parse_weekly(words)
    assert message in str(refused.value)


def test_utc_is_accepted_under_its_names():
    assert parse_timezone("UTC") == "UTC"
    assert parse_timezone("etc/utc") == "Etc/UTC"
