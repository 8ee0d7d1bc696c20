"""The exactly-once guard every scheduled or triggered run goes through, and what runs need.

Every run goes through `guarded`, which decides with the time the run was scheduled for and
an explicit `now`:

- later than the misfire grace (the clock was down): a 'skipped' row records it; no post;
- otherwise the run is claimed by inserting its (job, period) row; whoever fails to insert
  leaves it alone, so two clocks, the cron job and the sweep, or a restart never run it twice;
- a claim whose process died is taken over after a lease; a failed attempt is retried after
  a back-off, up to PARITY_JOB_ATTEMPTS; then the failure is recorded and status shows it.

Digests, pulls (bot.clock.jobs), alert checks and deliveries (bot.clock.alerting) all come
here; nothing here sleeps or reads the wall clock to decide, so tests drive it with the
times they choose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.answers.service import Parity
from bot.clock.pulls import PullFunction
from bot.config import Settings
from bot.errors import ParityError
from bot.ops import telemetry
from bot.ops.activity import acting
from bot.slack.client import WebClient, describe_error
from bot.store import Store
from bot.store.runs import POSTED, SKIPPED, Run
from bot.timing import Clock

log = logging.getLogger(__name__)

# A claim older than this, not finished, belongs to a process that died.
LEASE = timedelta(minutes=10)
# Waits before the second, third... attempt of a failed run.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))


@dataclass(frozen=True)
class Runtime:
    """What runs need; built once by the clock (or a test) and handed to every run."""

    settings: Settings
    store: Store
    client: WebClient | None = None  # None: no Slack token, digests cannot be posted
    pulls: Mapping[str, PullFunction] = field(default_factory=dict)
    # The time runs are decided and recorded at; by default the settings' clock.
    clock: Clock | None = None

    def __post_init__(self) -> None:
        if self.clock is None:
            object.__setattr__(self, "clock", self.settings.clock())

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.settings.misfire_grace_seconds)

    @cached_property
    def parity(self) -> Parity:
        """One Parity for every run, so its result and history caches serve them all (five
        channels due the same minute share one computation)."""
        return Parity(self.store, self.settings, self.clock)

    def reporting_day(self, now: datetime) -> date:
        """The date of `now` in the reporting calendar: the digest's "today".

        A pinned PARITY_TODAY is for questions and replays; scheduled runs follow `now`.
        """
        return now.astimezone(ZoneInfo(self.settings.timezone)).date()


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt to run: posted | skipped | late | busy | retrying | failed."""

    status: str
    job_key: str
    period: str
    detail: str = ""


class SkipRun(Exception):
    """Raised by a run's work to finish it as 'skipped' (nothing changed since last week)."""


def guarded(
    runtime: Runtime,
    job_key: str,
    period: str,
    scheduled_for: datetime,
    now: datetime,
    work: Callable[[Run], str | None],
) -> Outcome:
    """Run `work` for (job, period) unless it is too late, done, or someone else's."""
    outcome = _guarded(runtime, job_key, period, scheduled_for, now, work)
    telemetry.JOB_RUNS.labels(telemetry.job_kind(job_key), outcome.status).inc()
    return outcome


def _guarded(
    runtime: Runtime,
    job_key: str,
    period: str,
    scheduled_for: datetime,
    now: datetime,
    work: Callable[[Run], str | None],
) -> Outcome:
    records = runtime.store.scheduling
    late = now - scheduled_for > runtime.grace
    # A settled period is answered by one read; claiming or skipping it would only fail on
    # its row, a failing write per schedule at every sweep.
    settled = records.run(job_key, period)
    if settled is not None and (settled.status in (POSTED, SKIPPED) or settled.given_up):
        return Outcome("late" if late else "busy", job_key, period)
    if late:
        why = (
            f"missed: due {scheduled_for.astimezone(UTC):%Y-%m-%d %H:%M} UTC, and the clock "
            f"was not running until {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
            f"(more than the {runtime.grace} grace)"
        )
        if records.record_skip(job_key, period, scheduled_for, now, why):
            log.warning("%s %s %s", job_key, period, why)
            return Outcome("skipped", job_key, period, why)
        return Outcome("late", job_key, period)
    run = records.claim(job_key, period, scheduled_for, now, LEASE)
    if run is None:
        return Outcome("busy", job_key, period)
    try:
        with acting("job", f"clock job {job_key} {period}", id=f"run-{run.id}"):
            note = work(run)
    except SkipRun as skip:
        records.finish(run.id, runtime.now(), SKIPPED, str(skip))
        return Outcome("skipped", job_key, period, str(skip))
    except ParityError as error:  # told as it is; trying again cannot help
        records.fail(run.id, runtime.now(), str(error), None)
        return Outcome("failed", job_key, period, str(error))
    except Exception as error:
        log.exception("%s %s attempt %d failed", job_key, period, run.attempts)
        retry = None
        if run.attempts < runtime.settings.job_attempts:
            retry = now + BACKOFF[min(run.attempts, len(BACKOFF)) - 1]
        records.fail(run.id, runtime.now(), describe_error(error), retry)
        return Outcome("retrying" if retry else "failed", job_key, period, describe_error(error))
    records.finish(run.id, runtime.now(), POSTED, note)
    return Outcome("posted", job_key, period, note or "")
