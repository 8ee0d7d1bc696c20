"""What the clock is doing, for people: schedules and next runs, heartbeat, recorded problems.

One frozen object read from the store, shown by `status` (CLI, Slack, App Home) and by
`/parity digest`. A clock that stopped is otherwise invisible: digests just stop coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock.weekly import Weekly
from bot.config import Settings
from bot.store import Store
from bot.store.runs import Heartbeat, Run, digest_key
from bot.store.schedules import StoredSchedule

# Problems older than this are history, not news.
PROBLEMS_SHOWN_FOR = timedelta(days=7)
# The heartbeat is stale after this many missed beats.
MISSED_BEATS = 3


@dataclass(frozen=True)
class ScheduleView:
    channel_id: str
    weekly: Weekly
    skip_unchanged: bool
    next_run: datetime  # in the schedule's zone
    hours_until_next: float
    last_run: Run | None

    @classmethod
    def of(cls, stored: StoredSchedule, last: Run | None, now: datetime) -> ScheduleView:
        weekly = Weekly(stored.weekday, stored.hour, stored.minute, stored.timezone)
        following = weekly.next_run(now)
        hours = (following - now).total_seconds() / 3600
        return cls(stored.channel_id, weekly, stored.skip_unchanged, following, hours, last)

    def to_dict(self) -> dict:
        return {
            "channel": self.channel_id,
            "schedule": self.weekly.describe(),
            "skip_unchanged": self.skip_unchanged,
            "next_run": self.next_run.isoformat(),
            "last_run": _run_dict(self.last_run),
        }


def _run_dict(run: Run | None) -> dict | None:
    if run is None:
        return None
    return {
        "job": run.job_key,
        "period": run.period,
        "status": run.status,
        "scheduled_for": run.scheduled_for.isoformat(),
        "attempts": run.attempts,
        "error": run.error,
        "given_up": run.given_up,
    }


@dataclass(frozen=True)
class ClockStatus:
    now: datetime
    heartbeat: Heartbeat | None
    stale_after_seconds: int
    schedules: tuple[ScheduleView, ...]
    pulls: tuple[str, ...]
    problems: tuple[Run, ...]

    @property
    def beat_age_hours(self) -> float | None:
        if self.heartbeat is None:
            return None
        return (self.now - self.heartbeat.beat_at).total_seconds() / 3600

    @property
    def stale(self) -> bool:
        """No heartbeat, or none for three sync intervals: the clock is not running."""
        age = self.beat_age_hours
        return age is None or age * 3600 > self.stale_after_seconds

    @property
    def exited(self) -> bool:
        """The last clock exited after its sweep (`clock --once`, or a stopped process)."""
        return self.heartbeat is not None and self.heartbeat.exited

    @property
    def running(self) -> bool:
        """A clock is running: a fresh heartbeat from a process that has not exited."""
        return self.heartbeat is not None and not self.exited and not self.stale

    @property
    def needed(self) -> bool:
        """Whether anything depends on the clock (a digest schedule or a pull)."""
        return bool(self.schedules or self.pulls)

    def to_dict(self) -> dict:
        beat = self.heartbeat
        return {
            "heartbeat_at": beat.beat_at.isoformat() if beat else None,
            "owner": beat.owner if beat else None,
            "stale": self.stale,
            "running": self.running,
            "stopped_at": beat.stopped_at.isoformat() if beat and beat.stopped_at else None,
            "schedules": [s.to_dict() for s in self.schedules],
            "pulls": list(self.pulls),
            "problems": [_run_dict(run) for run in self.problems],
        }


def schedule_views(store: Store, now: datetime) -> tuple[ScheduleView, ...]:
    records = store.scheduling
    return tuple(
        ScheduleView.of(s, records.latest_run(digest_key(s.channel_id)), now)
        for s in records.schedules()
    )


def clock_status(store: Store, settings: Settings, now: datetime) -> ClockStatus:
    records = store.scheduling
    return ClockStatus(
        now=now,
        heartbeat=records.heartbeat(),
        stale_after_seconds=MISSED_BEATS * settings.clock_sync_seconds,
        schedules=schedule_views(store, now),
        pulls=tuple(sorted(settings.pulls)),
        problems=tuple(records.recent_problems(now - PROBLEMS_SHOWN_FOR)),
    )
