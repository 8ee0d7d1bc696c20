"""The clock's APScheduler wiring: jobs from the table, picked up live, fired on local time.

A real BackgroundScheduler is started paused, so its jobs, ids, triggers and options are
the real ones while nothing fires on its own; the tests call the job functions APScheduler
would call, at the times they choose.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.answers.render import render
from bot.answers.service import Answer
from bot.clock import jobs, pulls
from bot.clock import process as schedule
from bot.clock.status import clock_status
from bot.errors import ConfigError
from bot.store.runs import digest_key
from tests.clock.conftest import CHANNEL, DUE, top_level_posts
from tests.clock.conftest import schedule as add_schedule

ROOT = Path(__file__).resolve().parents[2]
NEW_YORK = "America/New_York"


@pytest.fixture
def clock(runtime):
    clock = schedule.ClockProcess(runtime, BackgroundScheduler(timezone=UTC))
    clock.start(paused=True)
    yield clock
    clock.stop()


def test_each_schedule_is_one_job_with_a_stable_id_zone_and_misfire_options(runtime, clock):
    add_schedule(runtime.store, CHANNEL, 0, (9, 0), "Europe/Berlin")
    add_schedule(runtime.store, "C0NEWYORK", 0, (9, 0), "America/New_York")
    clock.sweep(DUE - timedelta(hours=1))
    ids = sorted(job.id for job in clock.scheduler.get_jobs())
    assert ids == ["clock:sweep", "digest:C0DIGEST", "digest:C0NEWYORK"]
    job = clock.scheduler.get_job("digest:C0NEWYORK")
    assert job.func is schedule.digest_job
    assert job.args == ("C0NEWYORK",)
    assert job.trigger.timezone == ZoneInfo("America/New_York")
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    after = datetime(2026, 11, 1, tzinfo=UTC)  # the day the US leaves daylight time
    assert job.trigger.get_next_fire_time(None, after) == datetime(
        2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_changes_made_while_the_clock_runs_are_picked_up(runtime, clock):
    clock.sweep(DUE - timedelta(days=2))
    assert clock.scheduler.get_job(digest_key(CHANNEL)) is None
    add_schedule(runtime.store, CHANNEL, 0, (9, 0), "Europe/Berlin")
    clock.sweep(DUE - timedelta(days=2) + timedelta(minutes=1))
    berlin = clock.scheduler.get_job(digest_key(CHANNEL))
    assert str(berlin.trigger) == "cron[day_of_week='mon', hour='9', minute='0']"
    add_schedule(runtime.store, CHANNEL, 4, (17, 30), "Asia/Tokyo")
    clock.sweep(DUE - timedelta(days=2) + timedelta(minutes=2))
    tokyo = clock.scheduler.get_job(digest_key(CHANNEL))
    assert str(tokyo.trigger) == "cron[day_of_week='fri', hour='17', minute='30']"
    assert tokyo.trigger.timezone == ZoneInfo("Asia/Tokyo")
    runtime.store.scheduling.delete_schedule(CHANNEL)
    clock.sweep(DUE - timedelta(days=2) + timedelta(minutes=3))
    assert clock.scheduler.get_job(digest_key(CHANNEL)) is None


@pytest.mark.parametrize(
    ("zone", "mondays", "weeks"),
    [
        # Summer time ends Oct 25 (Europe) and Nov 1 (US): 09:00 local moves by an hour in UTC.
        ("Europe/Berlin", [datetime(2026, 10, 19, 7), datetime(2026, 10, 26, 8)], ["W43", "W44"]),
        (NEW_YORK, [datetime(2026, 10, 26, 13), datetime(2026, 11, 2, 14)], ["W44", "W45"]),
    ],
)  # fmt: skip
def test_the_job_posts_at_nine_local_and_not_a_minute_before(
    runtime, clock, wall, fake, zone, mondays, weeks
):
    mondays = [monday.replace(tzinfo=UTC) for monday in mondays]
    add_schedule(runtime.store, CHANNEL, 0, (9, 0), zone, set_at=mondays[0] - timedelta(days=2))
    clock.sweep(mondays[0] - timedelta(days=1))
    key = digest_key(CHANNEL)
    for monday, week in zip(mondays, weeks, strict=True):
        wall.now = monday - timedelta(minutes=1)
        schedule.digest_job(CHANNEL)
        assert runtime.store.scheduling.run(key, f"2026-{week}") is None
        wall.now = monday
        schedule.digest_job(CHANNEL)
        run = runtime.store.scheduling.run(key, f"2026-{week}")
        assert (run.status, run.scheduled_for) == ("posted", monday)
    assert [c.params["channel"] for c in top_level_posts(fake)] == [CHANNEL, CHANNEL]


def test_the_sweep_beats_and_status_warns_when_the_beat_is_stale(runtime, clock):
    clock.sweep(DUE)
    fresh = clock_status_text(runtime, DUE + timedelta(seconds=30))
    assert f"• Clock: running ({clock.owner}), last heartbeat 0 min ago" in fresh
    stale = clock_status_text(runtime, DUE + timedelta(minutes=4))
    assert f"⚠️ Clock: last heartbeat 4 min ago from {clock.owner}; it seems to have stopped" in (
        stale
    )


def clock_status_text(runtime, now) -> str:
    answer = Answer("status", None, now.date(), now, clock=clock_status(
        runtime.store, runtime.settings, now
    ))  # fmt: skip
    return render("status.j2", "plain", answer=answer)


def test_importing_the_scheduler_or_building_the_app_starts_nothing():
    probe = (
        "import threading, bot.clock.process, bot.app, bot.cli;"
        "from bot.config import Settings;"
        "bot.app.create_app(Settings(database_url='sqlite://', slack_bot_token='xoxb-1'));"
        "print(sorted(t.name for t in threading.enumerate() if 'APScheduler' in t.name"
        " or 'scheduler' in t.name.lower()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert schedule._clock is None


# --- pulls -------------------------------------------------------------------------------


@pytest.fixture
def pulled(runtime):
    """A stub pull that records its calls (and fails when told), scheduled daily at 06:00."""
    calls, failures = [], []

    def pull_stub(settings, store, since, until, now):
        calls.append((since, until, now))
        if failures:
            raise failures.pop(0)
        return [SimpleNamespace(snapshot_id=7, duplicate=False),
                SimpleNamespace(snapshot_id=3, duplicate=True)]  # fmt: skip

    settings = replace(runtime.settings, pulls={"stub": "0 6 * * *"}, pull_days=7)
    stubbed = replace(runtime, settings=settings, pulls={"stub": pull_stub})
    return stubbed, calls, failures


SIX = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def test_a_pull_runs_once_at_its_time_with_its_date_window(pulled):
    runtime, calls, _ = pulled
    assert jobs.due_pulls(runtime, SIX - timedelta(minutes=1)) == []
    (outcome,) = jobs.due_pulls(runtime, SIX + timedelta(seconds=3))
    assert (outcome.status, outcome.period, outcome.detail) == (
        "posted",
        "2026-11-30T06:00Z",
        "1 new snapshot(s) (#7), 1 unchanged",
    )
    assert calls == [(date(2026, 11, 24), date(2026, 11, 30), SIX + timedelta(seconds=3))]
    assert [o.status for o in jobs.due_pulls(runtime, SIX + timedelta(minutes=5))] == ["busy"]
    assert len(calls) == 1


def test_a_failed_pull_is_retried_with_the_same_guards(pulled):
    runtime, calls, failures = pulled
    failures.append(TimeoutError("the API did not answer"))
    (first,) = jobs.due_pulls(runtime, SIX)
    assert (first.status, first.detail) == ("retrying", "TimeoutError: the API did not answer")
    assert [o.status for o in jobs.due_pulls(runtime, SIX + timedelta(seconds=30))] == ["busy"]
    assert [o.status for o in jobs.due_pulls(runtime, SIX + timedelta(minutes=1))] == ["posted"]
    assert len(calls) == 2


def test_a_pull_is_registered_as_a_job_and_its_misses_are_recorded(pulled, wall):
    runtime, calls, _ = pulled
    clock = schedule.ClockProcess(runtime, BackgroundScheduler(timezone=UTC))
    clock.start(paused=True)
    try:
        job = clock.scheduler.get_job("pull:stub")
        assert (job.func, job.args, job.misfire_grace_time) == (schedule.pull_job, ("stub",), 3600)
        wall.now = datetime(2026, 11, 30, 6, 0, 30, tzinfo=UTC)
        schedule.pull_job("stub")
        assert len(calls) == 1
        # Down from 05:00 to 07:30 on Dec 1: the 06:00 pull is recorded as missed, not run.
        (outcome,) = [o for o in clock.sweep(datetime(2026, 12, 1, 7, 30, tzinfo=UTC))
                      if o.job_key == "pull:stub"]  # fmt: skip
        assert outcome.status == "skipped"
        assert len(calls) == 1
    finally:
        clock.stop()


def test_the_registry_finds_pull_functions_and_the_clock_refuses_unknown_ones(
    tmp_path, monkeypatch, runtime
):
    package = tmp_path / "fake_connectors"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cja.py").write_text("def pull_cja(settings, store, since, until, now):\n    pass\n")
    (package / "broken.py").write_text("import not_installed_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = pulls.discover("fake_connectors")
    assert sorted(found) == ["cja"]
    assert pulls.discover("no_such_connectors") == {}
    assert {"ajo", "cja"} <= set(pulls.discover())  # bot/connectors' real pulls are wired
    settings = replace(runtime.settings, pulls={"cja": "0 6 * * *", "ajo": "0 7 * * *"})
    with pytest.raises(ConfigError, match="PARITY_PULLS names ajo, which no connector provides"):
        pulls.check_configured(settings, found)
