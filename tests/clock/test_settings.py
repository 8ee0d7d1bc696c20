"""The clock's settings: read from the environment, every bad one named."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def test_pulls_and_clock_settings_are_read_from_the_environment():
    settings = load_settings(
        {
            "PARITY_PULLS": "cja=0 */6 * * *;  ajo = 30 5 * * 1-5 ;",
            "PARITY_CLOCK_SYNC_SECONDS": "30",
            "PARITY_MISFIRE_GRACE_SECONDS": "1800",
            "PARITY_JOB_ATTEMPTS": "5",
            "PARITY_SNAPSHOT_MAX_AGE_HOURS": "26",
            "PARITY_PULL_DAYS": "10",
        }
    )
    assert dict(settings.pulls) == {"cja": "0 */6 * * *", "ajo": "30 5 * * 1-5"}
    assert (
        settings.clock_sync_seconds,
        settings.misfire_grace_seconds,
        settings.job_attempts,
        settings.snapshot_max_age_hours,
        settings.pull_days,
    ) == (30, 1800, 5, 26, 10)


def test_defaults_grace_an_hour_and_try_three_times():
    settings = load_settings({})
    assert (settings.misfire_grace_seconds, settings.job_attempts, dict(settings.pulls)) == (
        3600,
        3,
        {},
    )


def test_bad_pulls_are_named_with_what_is_wrong():
    with pytest.raises(ConfigError) as refused:
        load_settings({"PARITY_PULLS": "cja=0 */6 * *; CJA=0 6 * * *", "PARITY_JOB_ATTEMPTS": "0"})
    message = str(refused.value)
    assert "'0 */6 * *' is not a crontab for cja: Wrong number of fields; got 4, expected 5" in (
        message
    )
    assert "PARITY_JOB_ATTEMPTS='0': must be 1 or more" in message
