"""Two clocks sharing one database post a week's digest once: the claim row decides."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import jobs
from bot.slack.client import make_client
from bot.store import Store
from bot.timing import Clock
from tests.builders import frame
from tests.clock.conftest import DUE, clock_settings_for, schedule, top_level_posts

ROOT = Path(__file__).resolve().parents[2]


def _prepared(database_url: str, fake):
    """A store with two weeks of numbers and one schedule; settings pointing at it."""
    settings = clock_settings_for(database_url, fake)
    store = Store.open(database_url)
    store.save(
        frame(*(
            {"source": source, "day": f"2026-11-{day:02d}", "value": value,
             "journey": journey, "captured_at": "2026-11-29T20:00:00Z"}
            for journey in ("Welcome Series", "Cart Abandon")
            for day in range(16, 30)
            for source, value in (("ajo", 1000), ("cja", 900 if day % 3 else 1000))
        )),
        "two-clocks.csv",
    )  # fmt: skip
    schedule(store)
    store.close()
    return settings


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_url")


def test_two_clocks_sweeping_at_the_same_moment_post_once(shared_url, fake):
    settings = _prepared(shared_url, fake)
    start = threading.Barrier(2)
    outcomes: list[jobs.Outcome] = []

    def clock() -> None:
        store = Store.open(settings.database_url)  # its own engine and connections
        runtime = jobs.Runtime(settings, store, make_client(settings), {}, Clock.fixed(DUE))
        try:
            start.wait(timeout=30)
            outcomes.extend(jobs.sweep(runtime, DUE + timedelta(seconds=5)))
        finally:
            store.close()

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(o.status for o in outcomes) == ["busy", "posted"]
    assert len(top_level_posts(fake)) == 1


@pytest.mark.postgres
def test_two_clock_processes_against_one_postgresql_post_once(postgres_url, fake):
    settings = _prepared(postgres_url, fake)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARITY_", "SLACK_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=settings.database_url,
        SLACK_BOT_TOKEN=settings.slack_bot_token,
        SLACK_API_URL=settings.slack_api_url,
    )
    command = [sys.executable, "-m", "bot", "clock", "--once", "--now", "2026-11-30T08:00:05Z"]
    processes = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    printed = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    assert sorted(printed) == [
        "digest:C0DIGEST 2026-W49 busy\n",
        "digest:C0DIGEST 2026-W49 posted\n",
    ]
    assert len(top_level_posts(fake)) == 1
