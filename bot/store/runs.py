"""The clock's memory: claimed runs and the heartbeat (schedules: bot.store.schedules).

Exactly-once rests on one rule: a run is claimed by inserting its (job, period) row, in the
transaction that decides to run it. Whoever inserts first runs it; everyone else gets an
IntegrityError and leaves it alone. A claim is taken over only when its owner evidently died
(a 'claimed' row older than the lease) or when a failed attempt is due for its retry; that
takeover is one conditional UPDATE, so of two clocks trying at once, one wins.
Times are stored as naive UTC, like every other timestamp in the store; these functions take
and return aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.schema import clock_heartbeat, job_runs

CLAIMED, POSTED, FAILED, SKIPPED = "claimed", "posted", "failed", "skipped"


def digest_key(channel_id: str) -> str:
    """Per channel, not per schedule row: re-setting a schedule never re-posts a week."""
    return f"digest:{channel_id}"


def pull_key(name: str) -> str:
    return f"pull:{name}"


INTERRUPTED = "interrupted: the clock stopped while running and was not back within the grace"


def db_time(moment: datetime) -> datetime:
    """Aware -> naive UTC, as stored."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime | None) -> datetime | None:
    """Naive UTC, as stored -> aware."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def load(cls, row):
    """A dataclass from a row, its naive UTC datetimes made aware."""
    values = dict(row._mapping)
    for f in fields(cls):
        if isinstance(values.get(f.name), datetime):
            values[f.name] = values[f.name].replace(tzinfo=UTC)
    return cls(**{f.name: values[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class Run:
    """One (job, period) row: a claim, and what became of it."""

    id: int
    job_key: str
    period: str
    status: str
    scheduled_for: datetime
    attempts: int
    claimed_at: datetime
    finished_at: datetime | None
    retry_at: datetime | None
    error: str | None
    steps_done: int
    message_ts: str | None

    @property
    def given_up(self) -> bool:
        return self.status == FAILED and self.retry_at is None

    @property
    def kind(self) -> str:
        """digest | pull | alerts (a check) | alert (a delivery)."""
        return self.job_key.partition(":")[0]

    @property
    def subject(self) -> str:
        """The digest's channel id, the pull's name, "check", or the alert episode's id."""
        return self.job_key.partition(":")[2]


@dataclass(frozen=True)
class Heartbeat:
    beat_at: datetime
    started_at: datetime
    owner: str
    stopped_at: datetime | None = None

    @property
    def exited(self) -> bool:
        """The clock that beat last has exited since: its beat was a last sweep."""
        return self.stopped_at is not None and self.stopped_at >= self.beat_at


# --- runs ---------------------------------------------------------------------------------


def _run(conn: Connection, job_key: str, period: str) -> Run | None:
    row = conn.execute(
        select(job_runs).where(job_runs.c.job_key == job_key, job_runs.c.period == period)
    ).first()
    return load(Run, row) if row else None


def claim(
    conn: Connection,
    job_key: str,
    period: str,
    scheduled_for: datetime,
    now: datetime,
    lease: timedelta,
) -> Run | None:
    """Claim the run, or None when it is done, given up, or someone else is running it."""
    now, scheduled_for = db_time(now), db_time(scheduled_for)
    try:
        with conn.begin_nested():
            conn.execute(
                insert(job_runs).values(
                    job_key=job_key,
                    period=period,
                    status=CLAIMED,
                    scheduled_for=scheduled_for,
                    attempts=1,
                    claimed_at=now,
                    steps_done=0,
                )
            )
    except IntegrityError:
        runs = job_runs.c
        taken_over = conn.execute(
            update(job_runs)
            .where(
                runs.job_key == job_key,
                runs.period == period,
                or_(
                    and_(runs.status == CLAIMED, runs.claimed_at < now - lease),
                    and_(runs.status == FAILED, runs.retry_at <= now),
                ),
            )
            .values(status=CLAIMED, attempts=runs.attempts + 1, claimed_at=now, retry_at=None)
        )
        if taken_over.rowcount != 1:
            return None
    return _run(conn, job_key, period)


def record_skip(
    conn: Connection, job_key: str, period: str, scheduled_for: datetime, now: datetime, why: str
) -> bool:
    """Record a run that will not happen; False when the period already has a row."""
    now, scheduled_for = db_time(now), db_time(scheduled_for)
    try:
        with conn.begin_nested():
            conn.execute(
                insert(job_runs).values(
                    job_key=job_key,
                    period=period,
                    status=SKIPPED,
                    scheduled_for=scheduled_for,
                    attempts=0,
                    claimed_at=now,
                    finished_at=now,
                    error=why[:1000],
                    steps_done=0,
                )
            )
    except IntegrityError:
        return False
    return True


def step_done(conn: Connection, run_id: int, steps: int, message_ts: str | None) -> None:
    """Remember how far a post got (and the first message's ts, to thread the rest)."""
    values: dict = {"steps_done": steps}
    if message_ts:
        values["message_ts"] = message_ts
    conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(values))


def finish(
    conn: Connection, run_id: int, now: datetime, status: str = POSTED, note: str | None = None
) -> None:
    conn.execute(
        update(job_runs)
        .where(job_runs.c.id == run_id)
        .values(status=status, finished_at=db_time(now), error=note[:1000] if note else None)
    )


def fail(
    conn: Connection, run_id: int, now: datetime, error: str, retry_at: datetime | None
) -> None:
    """A failed attempt: retried at `retry_at`, or given up when it is None."""
    conn.execute(
        update(job_runs)
        .where(job_runs.c.id == run_id)
        .values(
            status=FAILED,
            finished_at=db_time(now),
            error=error[:1000],
            retry_at=db_time(retry_at) if retry_at else None,
        )
    )


def expire(conn: Connection, now: datetime, grace: timedelta, lease: timedelta) -> int:
    """Give up runs that can no longer be retried within the grace after their time.

    A claim whose owner died and was not taken over in time, or a retry whose time fell
    beyond the grace, becomes a recorded failure instead of lingering unseen.
    """
    runs, now = job_runs.c, db_time(now)
    late = runs.scheduled_for < now - grace
    dead = conn.execute(
        update(job_runs)
        .where(late, runs.status == CLAIMED, runs.claimed_at < now - lease)
        .values(status=FAILED, finished_at=now, error=INTERRUPTED)
    ).rowcount
    overdue = conn.execute(
        update(job_runs)
        .where(late, runs.status == FAILED, runs.retry_at.is_not(None))
        .values(retry_at=None)
    ).rowcount
    return dead + overdue


def run_of(conn: Connection, job_key: str, period: str) -> Run | None:
    return _run(conn, job_key, period)


def recent_problems(conn: Connection, since: datetime, limit: int = 10) -> list[Run]:
    """Failed and skipped runs scheduled since `since`, the latest first."""
    rows = conn.execute(
        select(job_runs)
        .where(job_runs.c.status.in_([FAILED, SKIPPED]), job_runs.c.scheduled_for >= db_time(since))
        .order_by(job_runs.c.scheduled_for.desc(), job_runs.c.id.desc())
        .limit(limit)
    )
    return [load(Run, row) for row in rows]


def retryable(conn: Connection, key_prefix: str, now: datetime) -> list[Run]:
    """Failed runs of jobs whose key starts with `key_prefix`, due for their next attempt."""
    rows = conn.execute(
        select(job_runs)
        .where(
            job_runs.c.job_key.startswith(key_prefix, autoescape=True),
            job_runs.c.status == FAILED,
            job_runs.c.retry_at <= db_time(now),
        )
        .order_by(job_runs.c.retry_at, job_runs.c.id)
    )
    return [load(Run, row) for row in rows]


def latest_run(conn: Connection, job_key: str) -> Run | None:
    row = conn.execute(
        select(job_runs)
        .where(job_runs.c.job_key == job_key)
        .order_by(job_runs.c.scheduled_for.desc(), job_runs.c.id.desc())
        .limit(1)
    ).first()
    return load(Run, row) if row else None


# --- heartbeat ----------------------------------------------------------------------------


def beat(conn: Connection, now: datetime, started_at: datetime, owner: str) -> None:
    values = {
        "beat_at": db_time(now),
        "started_at": db_time(started_at),
        "owner": owner[:200],
        "stopped_at": None,
    }
    updated = conn.execute(update(clock_heartbeat).where(clock_heartbeat.c.id == 1).values(values))
    if updated.rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(clock_heartbeat).values(id=1, **values))
        except IntegrityError:  # another clock's first beat got there first
            conn.execute(update(clock_heartbeat).where(clock_heartbeat.c.id == 1).values(values))


def stopped(conn: Connection, now: datetime, owner: str) -> None:
    """Record that `owner` exited, unless another clock has beaten since."""
    conn.execute(
        update(clock_heartbeat)
        .where(clock_heartbeat.c.id == 1, clock_heartbeat.c.owner == owner[:200])
        .values(stopped_at=db_time(now))
    )


def heartbeat(conn: Connection) -> Heartbeat | None:
    row = conn.execute(select(clock_heartbeat)).first()
    return load(Heartbeat, row) if row else None
