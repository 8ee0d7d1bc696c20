"""Alert episodes in the database: read, and written under two rules that make a change
happen once whatever runs it:

- a new episode is an insert under the unique (channel, journey, cause, generation): of two
  processes opening the same one, the second gets an IntegrityError and decides again from
  what the first wrote;
- a change is one UPDATE conditional on the revision it was decided from, so a change
  decided on a stale read is refused and decided again.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, String, cast, delete, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.episodes import OPEN, Episode, Event, Figure, GapDay, Revision
from bot.store.runs import aware, db_time
from bot.store.schema import alert_episode_days, alert_episodes, alert_events, job_runs

# --- reading ------------------------------------------------------------------------------

_COLUMNS = (
    "id", "channel_id", "journey", "cause", "generation", "status", "revision", "opened_at",
    "updated_at", "first_day", "last_day", "threshold_pct", "resolved_at", "resolved_by",
    "acknowledged_by", "acknowledged_at", "muted_until", "muted_by", "message_ts", "answer_id",
)  # fmt: skip


def _episode(row, days: tuple[GapDay, ...] = ()) -> Episode:
    values = {name: getattr(row, name) for name in _COLUMNS}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = aware(value)
    figures = tuple(Figure.from_dict(f) for f in json.loads(row.figures))
    return Episode(**values, figures=figures, days=days)


def _days(conn: Connection, episode_id: int) -> tuple[GapDay, ...]:
    d = alert_episode_days.c
    rows = conn.execute(
        select(d.metric, d.day, d.ajo, d.cja, d.amount)
        .where(d.episode_id == episode_id)
        .order_by(d.metric, d.day)
    )
    return tuple(GapDay(*row) for row in rows)


def latest(conn: Connection, channel_id: str, journey: str, cause: str) -> Episode | None:
    """The channel's latest episode of this journey and cause (open or not), with its days."""
    e = alert_episodes.c
    row = conn.execute(
        select(alert_episodes)
        .where(e.channel_id == channel_id, e.journey == journey, e.cause == cause)
        .order_by(e.generation.desc())
        .limit(1)
    ).first()
    return _episode(row, _days(conn, row.id)) if row else None


def episode(conn: Connection, episode_id: int) -> Episode | None:
    row = conn.execute(select(alert_episodes).where(alert_episodes.c.id == episode_id)).first()
    return _episode(row, _days(conn, row.id)) if row else None


def open_episodes(conn: Connection, channel_id: str | None = None) -> list[Episode]:
    """Open episodes, the largest first (without their days)."""
    e = alert_episodes.c
    statement = select(alert_episodes).where(e.status == OPEN)
    if channel_id:
        statement = statement.where(e.channel_id == channel_id)
    found = [_episode(row) for row in conn.execute(statement.order_by(e.opened_at, e.id))]
    return sorted(found, key=lambda ep: -ep.amount)


def active_between(
    conn: Connection, start: datetime, end: datetime, channel_id: str | None = None
) -> list[Episode]:
    """Episodes open at some time between `start` and `end`: the digest's week."""
    e = alert_episodes.c
    statement = select(alert_episodes).where(
        e.opened_at < db_time(end),
        or_(e.status == OPEN, e.resolved_at >= db_time(start)),
    )
    if channel_id:
        statement = statement.where(e.channel_id == channel_id)
    return [_episode(row) for row in conn.execute(statement.order_by(e.opened_at, e.id))]


def events(
    conn: Connection, episode_id: int | None = None, since: datetime | None = None
) -> list[Event]:
    v = alert_events.c
    statement = select(alert_events).order_by(v.at, v.id)
    if episode_id is not None:
        statement = statement.where(v.episode_id == episode_id)
    if since is not None:
        statement = statement.where(v.at >= db_time(since))
    return [_event(row) for row in conn.execute(statement)]


def _event(row) -> Event:
    return Event(row.episode_id, row.revision, row.kind, aware(row.at), row.note, row.snapshot_id)


def undelivered(conn: Connection, since: datetime) -> list[Event]:
    """Events since `since` whose delivery no process has claimed (one died before it)."""
    v, r = alert_events.c, job_runs.c
    claimed = select(r.id).where(
        r.job_key == literal("alert:", String) + cast(v.episode_id, String),
        r.period == literal("r", String) + cast(v.revision, String),
    )
    rows = conn.execute(
        select(alert_events).where(v.at >= db_time(since), ~claimed.exists()).order_by(v.at, v.id)
    )
    return [_event(row) for row in rows]


# --- writing ------------------------------------------------------------------------------


# Where the message is, set by its delivery alone: a change never writes over it.
_DELIVERY = ("message_ts", "answer_id")


def _values(ep: Episode) -> dict:
    values = {name: getattr(ep, name) for name in _COLUMNS if name not in ("id", *_DELIVERY)}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = db_time(value)
    values["figures"] = json.dumps([f.to_dict() for f in ep.figures])
    return values


def _write_days(conn: Connection, episode_id: int, days: tuple[GapDay, ...]) -> None:
    conn.execute(delete(alert_episode_days).where(alert_episode_days.c.episode_id == episode_id))
    if days:
        conn.execute(
            insert(alert_episode_days),
            [
                {"episode_id": episode_id, "metric": d.metric, "day": d.day, "ajo": d.ajo,
                 "cja": d.cja, "amount": d.amount}
                for d in days
            ],
        )  # fmt: skip


def _write_event(conn: Connection, ep: Episode, kind: str, note: str, snapshot: int | None):
    conn.execute(
        insert(alert_events).values(
            episode_id=ep.id,
            revision=ep.revision,
            kind=kind,
            at=db_time(ep.updated_at),
            snapshot_id=snapshot,
            note=note[:1000],
        )
    )


def insert_episode(
    conn: Connection, ep: Episode, kind: str, note: str, snapshot: int | None = None
) -> Episode | None:
    """Store a new episode; None when another process stored this generation first."""
    try:
        with conn.begin_nested():
            new_id = conn.execute(insert(alert_episodes).values(_values(ep))).inserted_primary_key[
                0
            ]
            stored = replace(ep, id=new_id)
            _write_days(conn, new_id, ep.days)
            _write_event(conn, stored, kind, note, snapshot)
    except IntegrityError:
        return None
    return stored


def update_episode(
    conn: Connection, ep: Episode, kind: str, note: str, snapshot: int | None = None
) -> bool:
    """Store `ep` (revision n+1) over revision n; False when someone else changed it first."""
    e = alert_episodes.c
    changed = conn.execute(
        update(alert_episodes)
        .where(e.id == ep.id, e.revision == ep.revision - 1)
        .values(_values(ep))
    ).rowcount
    if changed != 1:
        return False
    _write_days(conn, ep.id, ep.days)
    _write_event(conn, ep, kind, note, snapshot)
    return True


def set_delivery(conn: Connection, episode_id: int, message_ts: str, answer_id: int | None):
    """Where the episode's message is (set once, when it is first posted)."""
    conn.execute(
        update(alert_episodes)
        .where(alert_episodes.c.id == episode_id)
        .values(message_ts=message_ts, answer_id=answer_id)
    )


def write(conn: Connection, revision: Revision) -> Revision | None:
    """Store a decided revision; None when another process changed the episode first."""
    ep = revision.episode
    if revision.is_new:
        stored = insert_episode(conn, ep, revision.kind, revision.note, revision.snapshot_id)
        return replace(revision, episode=stored) if stored else None
    if update_episode(conn, ep, revision.kind, revision.note, revision.snapshot_id):
        return revision
    return None
