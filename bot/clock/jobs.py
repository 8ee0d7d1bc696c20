"""Scheduled runs, each done at most once per period: weekly digests and snapshot pulls.

Every run goes through bot.clock.guard's `guarded` (re-exported here): late runs are
recorded as skipped, a (job, period) row is the claim, a dead claim is taken over, a failed
attempt is retried. The clock (bot.clock.process) and `python -m bot digest` both come here;
a pull's snapshots go through the alert checks (bot.clock.alerting) like any other.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.answers.digest import build_digest
from bot.answers.render import digest_parts
from bot.clock import alerting
from bot.clock.guard import BACKOFF, LEASE, Outcome, Runtime, SkipRun, guarded
from bot.clock.weekly import Weekly, last_fire
from bot.config import Settings
from bot.errors import ConfigError
from bot.slack.digest import digest_chart, digest_messages, post_digest
from bot.store.runs import Run, digest_key, pull_key
from bot.store.schedules import StoredSchedule

__all__ = ["BACKOFF", "LEASE", "Outcome", "Runtime", "SkipRun", "guarded"]  # and the runs below

log = logging.getLogger(__name__)

# --- the weekly digest --------------------------------------------------------------------


def weekly_of(schedule: StoredSchedule) -> Weekly:
    return Weekly(schedule.weekday, schedule.hour, schedule.minute, schedule.timezone)


def run_digest(
    runtime: Runtime, schedule: StoredSchedule, scheduled_for: datetime, now: datetime
) -> Outcome:
    """Post the channel's digest for the week of `scheduled_for`, once."""
    period = weekly_of(schedule).period(scheduled_for)

    def work(run: Run) -> str | None:
        if runtime.client is None:
            raise ConfigError("SLACK_BOT_TOKEN is not set, so the clock cannot post digests.")
        digest = build_digest(
            runtime.parity, runtime.reporting_day(now), now, channel=schedule.channel_id
        )
        if schedule.skip_unchanged and digest.unchanged and not run.steps_done:
            raise SkipRun("nothing changed since last week")
        parts = digest_parts(digest)  # rendered once: the headline is stored, then posted
        answer_id = runtime.store.save_answer(  # the buttons re-run the stored query
            user_id="",
            channel_id=schedule.channel_id,
            question=f"weekly digest {period}",
            query=digest.query,
            headline=parts[0],
        )
        messages = digest_messages(digest, answer_id, can_post=False, parts=parts)
        chart = digest_chart(digest) if run.steps_done <= len(messages) else None
        return post_digest(
            runtime.client, runtime.store.scheduling, run, schedule.channel_id, messages, chart
        )

    return guarded(runtime, digest_key(schedule.channel_id), period, scheduled_for, now, work)


def due_digests(runtime: Runtime, now: datetime) -> list[Outcome]:
    """Run every digest whose latest time has come and that is not done: catch-up, retries.

    A schedule's times before it was last set do not count: setting Monday 09:00 on a
    Tuesday means next Monday, not a post now.
    """
    outcomes = []
    for schedule in runtime.store.scheduling.schedules():
        due = weekly_of(schedule).last_run(now, not_before=schedule.updated_at)
        if due is not None:
            outcomes.append(run_digest(runtime, schedule, due, now))
    return outcomes


# --- snapshot pulls -----------------------------------------------------------------------


def pull_trigger(settings: Settings, name: str) -> CronTrigger:
    return CronTrigger.from_crontab(settings.pulls[name], timezone=ZoneInfo(settings.timezone))


def run_pull(runtime: Runtime, name: str, scheduled_for: datetime, now: datetime) -> Outcome:
    """Run one configured pull for its scheduled time, once; its snapshots are then checked
    for alerts like any other."""
    period = f"{scheduled_for.astimezone(UTC):%Y-%m-%dT%H:%M}Z"

    def work(run: Run) -> str | None:
        pull = runtime.pulls.get(name)
        if pull is None:
            raise ConfigError(f"no connector provides the pull '{name}'")
        holder = f"{socket.gethostname()}:{os.getpid()}:clock"
        # One pull of a source at a time: a refresh on demand may be running it right now.
        if runtime.store.alerts.acquire_pull(name, holder, now, LEASE) is None:
            raise RuntimeError(f"another process is pulling {name} right now")
        outcome = "failed"
        try:
            until = runtime.reporting_day(now)
            since = until - timedelta(days=runtime.settings.pull_days - 1)
            result = pull(runtime.settings, runtime.store, since, until, now)
            outcome = _pulled(result) or "done"
        finally:
            runtime.store.alerts.release_pull(name, holder, runtime.now(), outcome)
        if isinstance(result, list | tuple):
            alerting.after_snapshots(runtime, result)
        return outcome

    return guarded(runtime, pull_key(name), period, scheduled_for, now, work)


def _pulled(result: object) -> str | None:
    """The run's note: what a pull stored (connectors return their snapshot reports)."""
    if result is None:
        return None
    if isinstance(result, list | tuple):
        new = [r for r in result if not getattr(r, "duplicate", False)]
        ids = " ".join(f"#{r.snapshot_id}" for r in new if hasattr(r, "snapshot_id"))
        stored = f"{len(new)} new snapshot(s)" + (f" ({ids})" if ids else "")
        return f"{stored}, {len(result) - len(new)} unchanged"
    return str(result)[:500]


def due_pulls(runtime: Runtime, now: datetime) -> list[Outcome]:
    """Run every configured pull whose latest time (within twice the grace) is not done."""
    outcomes = []
    for name in sorted(runtime.settings.pulls):
        trigger = pull_trigger(runtime.settings, name)
        due = last_fire(trigger, now, lookback=2 * runtime.grace)
        if due is not None:
            outcomes.append(run_pull(runtime, name, due, now))
    return outcomes


def sweep(runtime: Runtime, now: datetime) -> list[Outcome]:
    """Everything due and not done, after giving up runs that can no longer happen in time:
    digests, pulls, and alert checks and deliveries a process left undone."""
    runtime.store.scheduling.expire(now, runtime.grace, LEASE)
    return due_digests(runtime, now) + due_pulls(runtime, now) + alerting.due(runtime, now)
