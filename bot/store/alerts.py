"""`store.alerts`: watches, episodes and pull locks behind one object, one transaction a call.

Kept apart from `Store`'s snapshot methods (like `store.scheduling`); see
bot.store.episode_rows for the rules that make an episode change once, and bot.alerts for
what decides a change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.store import episode_rows as episodes
from bot.store import locks, watches
from bot.store.episodes import Episode, Event, Revision
from bot.store.locks import PullLock
from bot.store.watches import Watch

# Fresh reads before a change that keeps meeting someone else's is given up.
ATTEMPTS = 5


class ConflictingChanges(RuntimeError):
    """An episode kept changing under a decision (a bug, or a storm of processes)."""


class AlertRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- watches ---

    def save_watch(
        self,
        *,
        channel_id: str,
        journey: str,
        metrics: Sequence[str],
        threshold_pct: float | None,
        user: str,
        now: datetime,
    ) -> bool:
        """Create or replace the channel's watch of `journey`; True when it is new."""
        with self.engine.begin() as conn:
            return watches.save_watch(
                conn,
                channel_id=channel_id,
                journey=journey,
                metrics=metrics,
                threshold_pct=threshold_pct,
                user=user,
                now=now,
            )

    def delete_watch(self, channel_id: str, journey: str) -> bool:
        with self.engine.begin() as conn:
            return watches.delete_watch(conn, channel_id, journey)

    def watches(self) -> list[Watch]:
        with self.engine.connect() as conn:
            return watches.watches(conn)

    # --- episodes ---

    def change(
        self,
        channel_id: str,
        journey: str,
        cause: str,
        decide: Callable[[Episode | None], Revision | None],
    ) -> Revision | None:
        """Decide on the latest episode of (channel, journey, cause) and store the result.

        `decide` is handed a fresh read each time: when another process changed the episode
        between the read and the write, the write is refused and the decision made again.
        """
        for _ in range(ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    revision = decide(episodes.latest(conn, channel_id, journey, cause))
                    if revision is None:
                        return None
                    stored = episodes.write(conn, revision)
                    if stored is not None:
                        return stored
            except OperationalError as error:  # SQLite: another writer committed meanwhile
                if "locked" not in str(error) and "busy" not in str(error).lower():
                    raise
        raise ConflictingChanges(f"the {cause} episode of {journey} in {channel_id} kept changing")

    def episode(self, episode_id: int) -> Episode | None:
        with self.engine.connect() as conn:
            return episodes.episode(conn, episode_id)

    def open_episodes(self, channel_id: str | None = None) -> list[Episode]:
        with self.engine.connect() as conn:
            return episodes.open_episodes(conn, channel_id)

    def active_between(
        self, start: datetime, end: datetime, channel_id: str | None = None
    ) -> list[Episode]:
        with self.engine.connect() as conn:
            return episodes.active_between(conn, start, end, channel_id)

    def events(self, episode_id: int | None = None) -> list[Event]:
        with self.engine.connect() as conn:
            return episodes.events(conn, episode_id)

    def events_since(self, since: datetime) -> list[Event]:
        with self.engine.connect() as conn:
            return episodes.events(conn, since=since)

    def undelivered(self, since: datetime) -> list[Event]:
        with self.engine.connect() as conn:
            return episodes.undelivered(conn, since)

    def set_delivery(self, episode_id: int, message_ts: str, answer_id: int | None) -> None:
        with self.engine.begin() as conn:
            episodes.set_delivery(conn, episode_id, message_ts, answer_id)

    # --- pull locks ---

    def acquire_pull(
        self,
        name: str,
        holder: str,
        now: datetime,
        lease: timedelta,
        cooldown: timedelta = timedelta(0),
    ) -> PullLock | None:
        with self.engine.begin() as conn:
            return locks.acquire(conn, name, holder, now, lease, cooldown)

    def release_pull(self, name: str, holder: str, now: datetime, outcome: str) -> None:
        with self.engine.begin() as conn:
            locks.release(conn, name, holder, now, outcome)

    def pull_lock(self, name: str) -> PullLock | None:
        with self.engine.connect() as conn:
            return locks.lock_of(conn, name)
