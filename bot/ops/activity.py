"""What this thread is doing, and for whom: a Slack request, a clock job, a command line.

Entry points open an activity; what runs inside reads it without being handed it: log
lines carry its id, and a snapshot stored inside records who loaded it. A context variable,
so each thread (and each request in it) sees its own.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    # "request" (Slack), "job" (the clock), "command" (python -m bot ...)
    kind: str
    id: str
    # Who started it, in words: "python -m bot ingest a.csv", "Slack", "clock job pull:cja"
    by: str
    user: str | None = None
    channel: str | None = None


_current: ContextVar[Activity | None] = ContextVar("parity_activity", default=None)


def current() -> Activity | None:
    return _current.get()


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@contextlib.contextmanager
def acting(
    kind: str, by: str, *, user: str | None = None, channel: str | None = None, id: str = ""
) -> Iterator[Activity]:
    """Run the block as one activity; the previous one (if any) is back afterwards."""
    activity = Activity(kind, id or new_id(), by, user, channel)
    token = _current.set(activity)
    try:
        yield activity
    finally:
        _current.reset(token)
