"""`store.scheduling`: the clock's records behind one object, one transaction per call.

Kept apart from `Store`'s snapshot methods so the scheduler's vocabulary (schedules, runs,
heartbeat) reads as one piece; see bot.store.runs for the rules that make runs happen once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.store import runs, schedules
from bot.store.runs import Heartbeat, Run
from bot.store.schedules import StoredSchedule


class ClockRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- digest schedules ---

    def save_schedule(self, schedule: StoredSchedule) -> bool:
        """Create or replace the channel's schedule; True when it is new."""
        with self.engine.begin() as conn:
            return schedules.save_schedule(conn, schedule)

    def delete_schedule(self, channel_id: str) -> bool:
        with self.engine.begin() as conn:
            return schedules.delete_schedule(conn, channel_id)

    def schedules(self) -> list[StoredSchedule]:
        with self.engine.connect() as conn:
            return schedules.schedules(conn)

    def schedule(self, channel_id: str) -> StoredSchedule | None:
        return next((s for s in self.schedules() if s.channel_id == channel_id), None)

    # --- runs ---

    def claim(
        self, job_key: str, period: str, scheduled_for: datetime, now: datetime, lease: timedelta
    ) -> Run | None:
        """The run, claimed for this process; None when it is not ours to do."""
        with self.engine.begin() as conn:
            return runs.claim(conn, job_key, period, scheduled_for, now, lease)

    def record_skip(
        self, job_key: str, period: str, scheduled_for: datetime, now: datetime, why: str
    ) -> bool:
        with self.engine.begin() as conn:
            return runs.record_skip(conn, job_key, period, scheduled_for, now, why)

    def step_done(self, run_id: int, steps: int, message_ts: str | None = None) -> None:
        with self.engine.begin() as conn:
            runs.step_done(conn, run_id, steps, message_ts)

    def finish(
        self, run_id: int, now: datetime, status: str = runs.POSTED, note: str | None = None
    ) -> None:
        with self.engine.begin() as conn:
            runs.finish(conn, run_id, now, status, note)

    def fail(self, run_id: int, now: datetime, error: str, retry_at: datetime | None) -> None:
        with self.engine.begin() as conn:
            runs.fail(conn, run_id, now, error, retry_at)

    def expire(self, now: datetime, grace: timedelta, lease: timedelta) -> int:
        with self.engine.begin() as conn:
            return runs.expire(conn, now, grace, lease)

    def run(self, job_key: str, period: str) -> Run | None:
        with self.engine.connect() as conn:
            return runs.run_of(conn, job_key, period)

    def retryable(self, key_prefix: str, now: datetime) -> list[Run]:
        with self.engine.connect() as conn:
            return runs.retryable(conn, key_prefix, now)

    def latest_run(self, job_key: str) -> Run | None:
        with self.engine.connect() as conn:
            return runs.latest_run(conn, job_key)

    def recent_problems(self, since: datetime, limit: int = 10) -> list[Run]:
        with self.engine.connect() as conn:
            return runs.recent_problems(conn, since, limit)

    # --- heartbeat ---

    def beat(self, now: datetime, started_at: datetime, owner: str) -> None:
        with self.engine.begin() as conn:
            runs.beat(conn, now, started_at, owner)

    def stopped(self, now: datetime, owner: str) -> None:
        with self.engine.begin() as conn:
            runs.stopped(conn, now, owner)

    def heartbeat(self) -> Heartbeat | None:
        with self.engine.connect() as conn:
            return runs.heartbeat(conn)
