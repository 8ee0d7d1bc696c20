"""What Parity remembers of conversations: events taken on and answers given.

Kept in the database, not in memory, so any number of web processes share it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.query import Query
from bot.store.schema import answers, slack_events


def claim_event(conn: Connection, event_id: str, now: datetime, lease: timedelta) -> bool:
    """Take on an event unless it is done or another process is still working on it."""
    try:
        with conn.begin_nested():
            conn.execute(insert(slack_events).values(event_id=event_id, claimed_at=now))
        return True
    except IntegrityError:
        taken_over = conn.execute(
            update(slack_events)
            .where(
                slack_events.c.event_id == event_id,
                slack_events.c.done_at.is_(None),
                slack_events.c.claimed_at < now - lease,
            )
            .values(claimed_at=now)
        )
        return taken_over.rowcount == 1


def finish_event(conn: Connection, event_id: str, now: datetime) -> None:
    conn.execute(
        update(slack_events).where(slack_events.c.event_id == event_id).values(done_at=now)
    )


def release_event(conn: Connection, event_id: str) -> None:
    conn.execute(
        delete(slack_events).where(
            slack_events.c.event_id == event_id, slack_events.c.done_at.is_(None)
        )
    )


def purge_events(conn: Connection, before: datetime) -> int:
    return conn.execute(delete(slack_events).where(slack_events.c.claimed_at < before)).rowcount


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    created_at: datetime
    user_id: str
    channel_id: str
    question: str
    query: Query
    headline: str


def _encode(query: Query) -> str:
    return json.dumps(query.stored())


def _decode(text: str) -> Query:
    return Query.from_dict(json.loads(text))


def save_answer(
    conn: Connection,
    *,
    now: datetime,
    user_id: str,
    channel_id: str,
    question: str,
    query: Query,
    headline: str,
) -> int:
    return conn.execute(
        insert(answers).values(
            created_at=now,
            user_id=user_id,
            channel_id=channel_id,
            question=question[:2000],
            query=_encode(query),
            headline=headline[:500],
        )
    ).inserted_primary_key[0]


def _stored(row) -> StoredAnswer:
    return StoredAnswer(
        id=row.id,
        created_at=row.created_at,
        user_id=row.user_id,
        channel_id=row.channel_id,
        question=row.question,
        query=_decode(row.query),
        headline=row.headline,
    )


def load_answer(conn: Connection, answer_id: int) -> StoredAnswer | None:
    row = conn.execute(select(answers).where(answers.c.id == answer_id)).first()
    return _stored(row) if row else None


def recent_answers(conn: Connection, limit: int = 5) -> list[StoredAnswer]:
    rows = conn.execute(select(answers).order_by(answers.c.id.desc()).limit(limit))
    return [_stored(row) for row in rows]
