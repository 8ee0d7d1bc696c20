"""Pull locks: one pull at a time per source, across every process that can start one.

A pull is held by a row (name, holder, claimed_at) while it runs; it is taken by inserting
the row, or by one conditional UPDATE when the last holder finished (long enough ago, for
a refresh on demand) or evidently died (its claim is older than the lease). Of two processes
trying at once, one wins; the other is told who holds it or when the last one finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.runs import aware, db_time
from bot.store.schema import pull_locks


@dataclass(frozen=True)
class PullLock:
    name: str
    holder: str
    claimed_at: datetime
    finished_at: datetime | None
    outcome: str | None

    @property
    def running(self) -> bool:
        return self.finished_at is None


def _lock(row) -> PullLock:
    return PullLock(
        row.name, row.holder, aware(row.claimed_at), aware(row.finished_at), row.outcome
    )


def lock_of(conn: Connection, name: str) -> PullLock | None:
    row = conn.execute(select(pull_locks).where(pull_locks.c.name == name)).first()
    return _lock(row) if row else None


def acquire(
    conn: Connection,
    name: str,
    holder: str,
    now: datetime,
    lease: timedelta,
    cooldown: timedelta = timedelta(0),
) -> PullLock | None:
    """Hold the pull `name`; None when it is held, or finished less than `cooldown` ago."""
    moment = db_time(now)
    values = {"holder": holder[:200], "claimed_at": moment, "finished_at": None, "outcome": None}
    try:
        with conn.begin_nested():
            conn.execute(insert(pull_locks).values(name=name, **values))
    except IntegrityError:
        c = pull_locks.c
        free = c.finished_at.is_not(None)
        if cooldown:
            free = and_(free, c.finished_at <= moment - cooldown)
        taken = conn.execute(
            update(pull_locks)
            .where(
                c.name == name,
                or_(free, and_(c.finished_at.is_(None), c.claimed_at < moment - lease)),
            )
            .values(values)
        ).rowcount
        if taken != 1:
            return None
    return lock_of(conn, name)


def release(conn: Connection, name: str, holder: str, now: datetime, outcome: str) -> None:
    conn.execute(
        update(pull_locks)
        .where(pull_locks.c.name == name, pull_locks.c.holder == holder[:200])
        .values(finished_at=db_time(now), outcome=outcome[:1000])
    )
