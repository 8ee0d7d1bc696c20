"""The clock process: APScheduler runs the weekly digests and the snapshot pulls.

`python -m bot clock` (the Procfile's `clock` line) is the only place a scheduler starts;
importing this module, serving Slack or running any other command starts nothing.

At start the clock registers one job per digest schedule (from the database) and per
configured pull (from PARITY_PULLS), with stable ids (`digest:C123`, `pull:cja`),
`replace_existing`, the schedule's own time zone, `coalesce`, `max_instances=1` and the
misfire grace. A sweep every PARITY_CLOCK_SYNC_SECONDS writes the heartbeat, re-reads the
schedules (so one set in Slack is picked up without a restart) and runs whatever is due and
not done: a digest missed while the clock was down, a retry, a run whose process died. All
of these end in bot.clock.jobs' guard, which is what makes a week's digest go out exactly once:
APScheduler's own misfire handling only sees a clock that is running, and cannot see the
database another clock shares.

Job functions are module-level and take primitive arguments (a channel id, a pull name), as
APScheduler's job stores require; they reach the clock through `_clock`, set by
`ClockProcess.start` in the one process that runs it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import jobs, pulls
from bot.clock.weekly import Weekly, last_fire
from bot.config import Settings
from bot.store import Store
from bot.store.runs import digest_key, pull_key

log = logging.getLogger(__name__)

SWEEP_JOB = "clock:sweep"
_clock: ClockProcess | None = None


def _current() -> ClockProcess:
    if _clock is None:
        raise RuntimeError("the clock is not running in this process (python -m bot clock)")
    return _clock


def digest_job(channel_id: str) -> None:
    """APScheduler's weekly job for one channel: post the digest that has just come due."""
    runtime = _current().runtime
    now = runtime.now()
    schedule = runtime.store.scheduling.schedule(channel_id)
    if schedule is None:  # turned off since; the next sweep removes the job
        return
    due = jobs.weekly_of(schedule).last_run(now, not_before=schedule.updated_at)
    if due is not None:
        _report([jobs.run_digest(runtime, schedule, due, now)])


def pull_job(name: str) -> None:
    """APScheduler's job for one configured pull."""
    runtime = _current().runtime
    now = runtime.now()
    due = last_fire(jobs.pull_trigger(runtime.settings, name), now, lookback=runtime.grace)
    if due is not None:
        _report([jobs.run_pull(runtime, name, due, now)])


def _report(outcomes: list[jobs.Outcome]) -> None:
    """Log what happened; a run someone else has (busy) or one long past (late) is noise."""
    for done in (o for o in outcomes if o.status not in ("busy", "late")):
        log.info("%s %s: %s %s", done.job_key, done.period, done.status, done.detail)


def sweep_job() -> None:
    clock = _current()
    clock.sweep(clock.runtime.now())


class ClockProcess:
    """One scheduler, kept in line with the schedules table, and the sweep."""

    def __init__(self, runtime: jobs.Runtime, scheduler: BaseScheduler) -> None:
        self.runtime = runtime
        self.scheduler = scheduler
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = runtime.now()
        self._digests: dict[str, Weekly] = {}

    def _options(self) -> dict:
        return {
            "replace_existing": True,
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": self.runtime.settings.misfire_grace_seconds,
        }

    def sync(self) -> None:
        """Make the digest jobs match the table: add new ones, re-time changed, drop removed."""
        wanted = {digest_key(s.channel_id): s for s in self.runtime.store.scheduling.schedules()}
        for job_id, schedule in wanted.items():
            weekly = jobs.weekly_of(schedule)
            if self._digests.get(job_id) == weekly:
                continue
            self.scheduler.add_job(
                digest_job,
                weekly.trigger(),
                args=[schedule.channel_id],
                id=job_id,
                name=f"weekly digest for {schedule.channel_id}: {weekly.describe()}",
                **self._options(),
            )
            self._digests[job_id] = weekly
            log.info("digest job %s: %s", job_id, weekly.describe())
        for job_id in set(self._digests) - set(wanted):
            with contextlib.suppress(JobLookupError):  # already gone is what we want
                self.scheduler.remove_job(job_id)
            del self._digests[job_id]
            log.info("digest job %s removed", job_id)

    def register_pulls(self) -> None:
        settings = self.runtime.settings
        for name in sorted(settings.pulls):
            self.scheduler.add_job(
                pull_job,
                jobs.pull_trigger(settings, name),
                args=[name],
                id=pull_key(name),
                name=f"{name} pull: {settings.pulls[name]} ({settings.timezone})",
                **self._options(),
            )

    def sweep(self, now: datetime) -> list[jobs.Outcome]:
        """Heartbeat, schedule changes, then everything due and not done."""
        self.runtime.store.scheduling.beat(now, self.started_at, self.owner)
        self.sync()
        outcomes = jobs.sweep(self.runtime, now)
        _report(outcomes)
        return outcomes

    def start(self, *, paused: bool = False) -> None:
        """Register every job and run; blocks with a BlockingScheduler."""
        global _clock
        _clock = self
        self.register_pulls()
        self.sync()
        self.scheduler.add_job(
            sweep_job,
            IntervalTrigger(seconds=self.runtime.settings.clock_sync_seconds, timezone=UTC),
            id=SWEEP_JOB,
            name="sweep: heartbeat, schedule changes, catch-up and retries",
            next_run_time=self.runtime.now(),  # at once: catch up on what was missed
            **self._options(),
        )
        self.scheduler.start(paused=paused)

    def stop(self) -> None:
        global _clock
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if _clock is self:
            _clock = None


def run_clock(
    settings: Settings, *, once: bool = False, now: datetime | None = None
) -> list[jobs.Outcome]:
    """The clock process; with `once`, one sweep (at `now`) and exit, as from cron."""
    from bot.slack.client import make_client  # Slack only where the clock posts

    registry = pulls.discover()
    pulls.check_configured(settings, registry)
    clock = settings.clock().at(now)
    store = Store.open(settings.database_url, clock)
    client = make_client(settings) if settings.slack_bot_token else None
    runtime = jobs.Runtime(settings, store, client, registry, clock)
    try:
        if once:
            process = ClockProcess(runtime, BackgroundScheduler(timezone=UTC))
            try:
                return process.sweep(clock.now())
            finally:  # status then says "last sweep at …", not "running"
                store.scheduling.stopped(clock.now(), process.owner)
        process = ClockProcess(runtime, BlockingScheduler(timezone=UTC))
        signal.signal(signal.SIGTERM, lambda *_: process.stop())
        log.info("clock %s started", process.owner)
        try:
            process.start()
        finally:
            store.scheduling.stopped(clock.now(), process.owner)
        return []
    finally:
        store.close()
