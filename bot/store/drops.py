"""Dropping a snapshot, and undoing the drop: its numbers leave (or rejoin) every answer.

A snapshot loaded by mistake (the wrong export, a test file) replaced, for every key it
holds, the value everyone's answers read. Dropping it restores, key by key, the value of
the latest capture before it that is not dropped (or no value, where it was the first); its
own numbers stay in the history table, so the drop can be undone exactly. Both directions
are one operation: re-elect the current value of every key the snapshot holds, among the
captures not dropped, the latest capture winning (ties: the later ingest), as the writer
elects it at ingest. Each drop and undo is recorded: who, when.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union,
    update,
)

from bot.errors import BadInput
from bot.formatting import as_date
from bot.store import comparison, learned
from bot.store.schema import current_values, series, snapshot_drops, snapshots, superseded_values

DROP, UNDO = "drop", "undo"


def drop(conn: Connection, snapshot_id: int, by: str, at: datetime) -> None:
    """Take a snapshot's numbers out of every answer (inside the caller's transaction)."""
    _change(conn, snapshot_id, DROP, by, at)


def undo(conn: Connection, snapshot_id: int, by: str, at: datetime) -> None:
    """Put a dropped snapshot's numbers back where its capture time says they belong."""
    _change(conn, snapshot_id, UNDO, by, at)


def _change(conn: Connection, snapshot_id: int, action: str, by: str, at: datetime) -> None:
    row = conn.execute(
        select(snapshots.c.source, snapshots.c.dropped_at).where(snapshots.c.id == snapshot_id)
    ).first()
    if row is None:
        raise BadInput(f"there is no snapshot #{snapshot_id}")
    if action == DROP and row.dropped_at is not None:
        raise BadInput(f"snapshot #{snapshot_id} is already dropped")
    if action == UNDO and row.dropped_at is None:
        raise BadInput(f"snapshot #{snapshot_id} is not dropped")
    first, last = _collect_keys(conn, snapshot_id)
    if first is not None:
        # What the snapshot's numbers taught about settling changes with it: taken out
        # here, as it stood, and folded again once the drop or undo is done.
        learned.forget(conn, row.source, _keys, first, last)
    stamp = at.replace(tzinfo=None)
    dropped = {"dropped_at": stamp, "dropped_by": by[:500]} if action == DROP else {
        "dropped_at": None, "dropped_by": None
    }  # fmt: skip
    conn.execute(update(snapshots).where(snapshots.c.id == snapshot_id).values(**dropped))
    conn.execute(
        insert(snapshot_drops).values(snapshot_id=snapshot_id, action=action, by=by[:500], at=stamp)
    )
    _reelect(conn, row.source)
    if first is not None:
        comparison.recompute(conn, first, last)  # the cells follow the values they sum
        learned.relearn(conn, row.source, _keys, first, last)
    _keys.drop(conn)


def _collect_keys(conn: Connection, snapshot_id: int) -> tuple[date | None, date | None]:
    """Fill `_keys` with every key the snapshot holds; their first and last days."""
    cv, sv, k = current_values.c, superseded_values.c, _keys.c
    _keys.create(conn, checkfirst=True)
    conn.execute(delete(_keys))
    held = union(
        select(cv.metric, cv.day, cv.series_id).where(cv.snapshot_id == snapshot_id),
        select(sv.metric, sv.day, sv.series_id).where(sv.snapshot_id == snapshot_id),
    )
    h = held.subquery("held")
    # With its journey, a key finds its current value along current_values' primary key.
    keyed = select(h.c.metric, h.c.day, h.c.series_id, series.c.journey_key).join(
        series, series.c.id == h.c.series_id
    )
    conn.execute(insert(_keys).from_select(["metric", "day", "series_id", "journey_key"], keyed))
    first, last = conn.execute(select(func.min(k.day), func.max(k.day))).one()
    if first is None:
        return None, None
    return as_date(first), as_date(last)


def _reelect(conn: Connection, source: str) -> None:
    """Re-elect the current value of every key in `_keys`, set-wise in SQL."""
    cv, sv, k = current_values.c, superseded_values.c, _keys.c
    # 1. Every current value of those keys joins the history...
    in_current = and_(cv.metric == k.metric, cv.day == k.day, cv.series_id == k.series_id)
    current = (
        select(cv.snapshot_id, cv.metric, cv.day, cv.series_id, cv.value)
        .select_from(current_values.join(_keys, in_current))
        .where(cv.source == source)
    )
    columns = ["snapshot_id", "metric", "day", "series_id", "value"]
    conn.execute(insert(superseded_values).from_select(columns, current))
    conn.execute(
        delete(current_values).where(
            cv.source == source, exists(select(literal(1)).where(in_current))
        )
    )
    # 2. ...and the latest capture not dropped, per key, becomes current again.
    s = snapshots.c
    in_history = and_(sv.metric == k.metric, sv.day == k.day, sv.series_id == k.series_id)
    ranked = (
        select(
            sv.snapshot_id, sv.metric, sv.day, sv.series_id, sv.value, s.captured_at,
            func.row_number().over(
                partition_by=(sv.metric, sv.day, sv.series_id),
                order_by=(s.captured_at.desc(), s.id.desc()),
            ).label("rank"),
        )
        .select_from(
            superseded_values.join(_keys, in_history).join(snapshots, s.id == sv.snapshot_id)
        )
        .where(s.source == source, s.dropped_at.is_(None))
        .subquery()
    )  # fmt: skip
    r = ranked.c
    winners = (
        select(
            r.metric, r.day, series.c.journey_key, r.series_id, literal(source, String),
            r.value, r.snapshot_id, r.captured_at,
        )
        .select_from(ranked.join(series, series.c.id == r.series_id))
        .where(r.rank == 1)
    )  # fmt: skip
    conn.execute(
        insert(current_values).from_select([c.name for c in current_values.columns], winners)
    )
    # 3. What became current leaves the history (a value lives in exactly one table).
    conn.execute(
        delete(superseded_values).where(
            exists(
                select(literal(1)).where(
                    cv.snapshot_id == sv.snapshot_id,
                    cv.metric == sv.metric,
                    cv.day == sv.day,
                    cv.series_id == sv.series_id,
                    cv.source == source,
                )
            ),
            exists(select(literal(1)).where(in_history)),
        )
    )


# Per transaction: the keys of the snapshot being dropped or restored.
_keys = Table(
    "drop_keys",
    MetaData(),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("journey_key", Integer, nullable=False),
    # Keyed: every current and historical row of the source is probed against these keys,
    # an index lookup each instead of a scan of the keys (quadratic on a big snapshot).
    PrimaryKeyConstraint("metric", "day", "series_id"),
    prefixes=["TEMPORARY"],
)
