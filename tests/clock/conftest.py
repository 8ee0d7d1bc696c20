"""The clock against a real store and the fake Slack Web API, with time chosen by each test.

Nothing here sleeps: runs are called with the time they were scheduled for and the `now`
the test picks, through the same functions APScheduler calls.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock.jobs import Runtime
from bot.config import Settings
from bot.slack.client import make_client
from bot.store import Store
from bot.store.schedules import StoredSchedule
from bot.timing import Clock
from tests.handlers.conftest import TODAY, demo_db, fake  # noqa: F401 - shared fixtures
from tests.handlers.fake_slack import BOT_TOKEN

# Monday Nov 30 2026, 09:00 in Berlin: the first digest after the demo's last day.
DUE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
CHANNEL = "C0DIGEST"
SET_AT = DUE - timedelta(days=10)


class Wall:
    """A wall clock the test sets: what the runtime's clock reads."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def clock_settings_for(database_url: str, slack, **overrides) -> Settings:
    return Settings(
        database_url=database_url,
        today_override=TODAY,
        slack_bot_token=BOT_TOKEN,
        slack_api_url=slack.api_url,
        **overrides,
    )


@pytest.fixture
def clock_settings(tmp_path, fake, demo_db) -> Settings:  # noqa: F811
    database = tmp_path / "parity.db"
    shutil.copy(demo_db, database)
    return clock_settings_for(f"sqlite:///{database}", fake)


@pytest.fixture
def store(clock_settings):
    store = Store.open(clock_settings.database_url)
    yield store
    store.close()


@pytest.fixture
def wall():
    return Wall(DUE)


@pytest.fixture
def runtime(clock_settings, store, wall) -> Runtime:
    clock = Clock(source=wall)
    return Runtime(clock_settings, store, make_client(clock_settings), {}, clock)


def schedule(
    store: Store,
    channel: str = CHANNEL,
    day: int = 0,
    at: tuple[int, int] = (9, 0),
    zone: str = "Europe/Berlin",
    *,
    skip_unchanged: bool = False,
    set_at: datetime = SET_AT,
) -> StoredSchedule:
    stored = StoredSchedule(channel, day, *at, zone, skip_unchanged, "U1", set_at, set_at)
    store.scheduling.save_schedule(stored)
    return stored


def top_level_posts(slack, channel: str = CHANNEL) -> list:
    return [
        c
        for c in slack.named("chat.postMessage")
        if c.params["channel"] == channel and not c.params.get("thread_ts")
    ]
