"""What a conversation asked last, and the corrected queries offered as buttons.

Kept in the database, not in memory, so any number of web processes share them. A
conversation's query is forgotten after a day: a follow-up the next morning starts afresh.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from bot.query import Query
from bot.store.schema import conversations, offers

# How long a follow-up can lean on the previous question.
REMEMBERED = timedelta(days=1)


def previous_query(conn: Connection, key: str, now: datetime) -> Query | None:
    row = conn.execute(
        select(conversations.c.query).where(
            conversations.c.key == key, conversations.c.updated_at >= now - REMEMBERED
        )
    ).first()
    return Query.from_dict(json.loads(row.query)) if row else None


def remember(conn: Connection, key: str, query: Query, now: datetime) -> None:
    """Store the conversation's latest query (one row per conversation, replaced)."""
    stored = json.dumps(query.stored())
    changed = conn.execute(
        update(conversations).where(conversations.c.key == key).values(query=stored, updated_at=now)
    ).rowcount
    if not changed:
        conn.execute(insert(conversations).values(key=key[:200], query=stored, updated_at=now))
    conn.execute(delete(conversations).where(conversations.c.updated_at < now - REMEMBERED))


def save_offer(conn: Connection, label: str, query: Query, now: datetime) -> int:
    return conn.execute(
        insert(offers).values(created_at=now, label=label[:200], query=json.dumps(query.stored()))
    ).inserted_primary_key[0]


def load_offer(conn: Connection, offer_id: int) -> tuple[str, Query] | None:
    row = conn.execute(select(offers).where(offers.c.id == offer_id)).first()
    return (row.label, Query.from_dict(json.loads(row.query))) if row else None
