"""`python -m bot alerts --replay`: the checks over the stored snapshots, as if live.

The snapshots are fed again, one at a time in the order they were captured, into a scratch
store (a temporary SQLite file), each at its own capture time; after each, the same checks
and decisions run as after a live ingest, and what would have been posted is printed. The
store is only read: its episodes, runs and Slack are untouched. Its watches are used (with
none, one `all` watch in a stand-in channel), so thresholds can be tuned against history.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from bot.alerts.checks import Change
from bot.alerts.episodes import tells_thread
from bot.alerts.runner import run_checks
from bot.answers.service import Parity
from bot.config import Settings
from bot.ingest.frame import CANONICAL_COLUMNS, FRAME_DTYPES
from bot.store import Store
from bot.store.captures import StoredSnapshot
from bot.store.episodes import Revision
from bot.store.watches import ALL, Watch
from bot.timing import Clock

REPLAY_CHANNEL = "replay"


@dataclass(frozen=True)
class Told:
    """One revision, and what Slack would have seen of it: a new message (post), an edit in
    place (edit), an edit and a line in the thread (line), or nothing (silent: muted, or
    resolved before anyone was told)."""

    revision: Revision
    action: str

    @classmethod
    def of(cls, revision: Revision, now: datetime, posted: set[int]) -> Told:
        episode = revision.episode
        if episode.id not in posted:
            if episode.muted(now) or not episode.is_open:
                return cls(revision, "silent")
            posted.add(episode.id)
            return cls(revision, "post")
        return cls(revision, "line" if tells_thread(episode, revision.kind, now) else "edit")


@dataclass(frozen=True)
class Step:
    """One snapshot fed again, and the episodes' changes it made."""

    snapshot: StoredSnapshot
    told: tuple[Told, ...]


def _frame(store: Store, snapshot: StoredSnapshot) -> pd.DataFrame:
    rows = store.snapshot_rows(snapshot.id)
    rows["source"] = snapshot.source
    rows["captured_at"] = pd.Timestamp(snapshot.captured_at)
    return rows[list(CANONICAL_COLUMNS)].astype(FRAME_DTYPES)


def replay(store: Store, settings: Settings, watches: list[Watch] | None = None) -> Iterator[Step]:
    """Feed `store`'s snapshots in capture order into a scratch store; yield each step."""
    watches = store.alerts.watches() if watches is None else watches
    # Each snapshot is judged on the day it was captured, whatever PARITY_TODAY says.
    settings = replace(settings, today_override=None)
    with tempfile.TemporaryDirectory(prefix="parity-replay-") as folder:
        scratch = Store.open(f"sqlite:///{Path(folder) / 'replay.db'}")
        try:
            _watch(scratch, watches)
            posted: set[int] = set()
            for snapshot in store.snapshots_in_order():
                clock = Clock.fixed(snapshot.captured_at, settings.timezone)
                scratch.clock = clock
                reports = scratch.save(_frame(store, snapshot), snapshot.origin)
                parity = Parity(scratch, settings, clock)
                changes = [Change.of(r) for r in reports if not r.duplicate]
                revisions = run_checks(parity, changes, clock.now(), clock.today())
                told = tuple(Told.of(r, clock.now(), posted) for r in revisions)
                yield Step(snapshot, told)
        finally:
            scratch.close()


def _watch(scratch: Store, watches: list[Watch]) -> None:
    stand_in = [Watch(0, REPLAY_CHANNEL, ALL, (), None, "replay", None, None)]  # type: ignore[arg-type]
    for watch in watches or stand_in:
        scratch.alerts.save_watch(
            channel_id=watch.channel_id,
            journey=watch.journey,
            metrics=watch.metrics,
            threshold_pct=watch.threshold_pct,
            user=watch.created_by,
            now=scratch.clock.now(),
        )
