"""Journey identity across sources: by journey id when an export has one, else by name."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, insert, select, update

from bot.store.concurrency import insert_or_skip
from bot.store.schema import journeys, series


def name_key(name: str) -> str:
    """Lower-case words only, so spelling variants of one name meet."""
    return " ".join(re.findall(r"[0-9a-z]+", name.casefold()))


def resolve_journeys(
    conn: Connection, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Map (name, journey_id) pairs to journey keys, creating journeys as needed.

    A journey id wins over a name; a name-only row joins the journey of that name; an id
    seen for the first time adopts a stored journey of the same name that has no id yet
    (CJA exports often lack ids that AJO's have).
    """
    rows = conn.execute(select(journeys.c.id, journeys.c.name_key, journeys.c.external_id))
    by_id: dict[str, int] = {}
    by_name: dict[str, list[tuple[int, str | None]]] = {}
    for key, nkey, external_id in rows:
        if external_id:
            by_id[external_id] = key
        by_name.setdefault(nkey, []).append((key, external_id))

    resolved: dict[tuple[str, str], int] = {}
    for name, external_id in sorted(set(pairs), key=lambda p: (p[1] == "", p)):
        nkey = name_key(name)
        candidates = by_name.get(nkey, [])
        if external_id and external_id in by_id:
            key = by_id[external_id]
        elif external_id and (idless := [k for k, ext in candidates if not ext]):
            key = idless[0]
            conn.execute(
                update(journeys).where(journeys.c.id == key).values(external_id=external_id)
            )
            candidates.remove((key, None))
            candidates.append((key, external_id))
            by_id[external_id] = key
        elif not external_id and candidates:
            key = min(k for k, _ in candidates)
        else:
            key = conn.execute(
                insert(journeys).values(name=name, name_key=nkey, external_id=external_id or None)
            ).inserted_primary_key[0]
            by_name.setdefault(nkey, []).append((key, external_id or None))
            if external_id:
                by_id[external_id] = key
        resolved[(name, external_id)] = key
    return resolved


def resolve_series(
    conn: Connection, triples: Iterable[tuple[int, str, str]]
) -> dict[tuple[int, str, str], int]:
    """Map (journey_key, action, channel) to series ids, creating the missing ones."""
    wanted = set(triples)
    known = {
        (row.journey_key, row.action, row.channel): row.id
        for row in conn.execute(select(series))
        if (row.journey_key, row.action, row.channel) in wanted
    }
    for journey_key, action, channel in sorted(wanted - known.keys()):
        # uq_series: a series another writer stored meanwhile is used, never duplicated.
        conn.execute(
            insert_or_skip(conn, series).values(
                journey_key=journey_key, action=action, channel=channel
            )
        )
        known[(journey_key, action, channel)] = conn.scalar(
            select(series.c.id).where(
                series.c.journey_key == journey_key,
                series.c.action == action,
                series.c.channel == channel,
            )
        )
    return known
