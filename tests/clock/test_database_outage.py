"""The running clock process while PostgreSQL goes away and comes back: its sweeps fail and
are logged, the scheduler keeps running, and once the database is back the digest that came
due meanwhile is posted, once, without a restart."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock.jobs import Runtime, weekly_of
from bot.clock.process import ClockProcess
from bot.evaluate.demo import generate
from bot.slack.client import make_client
from bot.store import Store
from bot.store.runs import digest_key
from bot.timing import Clock
from tests.clock.conftest import CHANNEL, clock_settings_for, schedule, top_level_posts
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


@pytest.fixture
def now() -> datetime:
    """The running scheduler keeps the wall clock's time (a stopped clock far from it would
    have it step through every second in between), so this test runs at the real time."""
    return datetime.now(UTC)


@pytest.fixture
def direct(postgres_url, now):
    """The database as the test sees it, never cut: the demo's numbers, ending today."""
    store = Store.open(postgres_url)
    for frame in generate(now.date()):
        store.save(frame, "demo")
    yield store
    store.close()


@pytest.fixture
def proxy(postgres_url):
    target = urlparse(postgres_url.replace("+psycopg", ""))
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    yield proxy
    proxy.stop()


def test_the_clock_rides_out_a_database_outage_and_posts_the_due_digest_once(
    postgres_url, direct, proxy, fake, now
):
    due = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    settings = clock_settings_for(proxy.url_for(postgres_url), fake, clock_sync_seconds=1)
    store = Store.open(settings.database_url)
    runtime = Runtime(settings, store, make_client(settings), {}, Clock())
    process = ClockProcess(runtime, BackgroundScheduler(timezone=UTC))
    process.start()
    try:
        _wait_until(lambda: direct.scheduling.heartbeat() is not None, 20, "first sweep")
        proxy.cut()
        # Set while the clock cannot read the table: due a minute ago, set long before.
        at, set_at = (due.hour, due.minute), due - timedelta(days=10)
        stored = schedule(direct, day=due.weekday(), at=at, zone="UTC", set_at=set_at)
        time.sleep(3.0)  # sweeps fail meanwhile
        assert top_level_posts(fake) == []
        assert process.scheduler.running
        proxy.restore()
        _wait_until(lambda: len(top_level_posts(fake)) == 1, 30, "the digest after the outage")
        time.sleep(3.0)  # more sweeps: the week is done, nothing is posted again
    finally:
        process.stop()
        store.close()
    assert len(top_level_posts(fake)) == 1
    period = weekly_of(stored).period(due)
    run = direct.scheduling.run(digest_key(CHANNEL), period)
    assert run.status == "posted"
    assert run.attempts == 1
    assert proxy.refused > 0
