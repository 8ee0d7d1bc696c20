"""Writing parsed frames: one snapshot per (source, capture) group, all in one transaction.

Rows are coded (series, day, metric), sorted into the tables' key order and written through
bot.store.bulk (multi-row inserts on SQLite, binary COPY on PostgreSQL): appends in key
order are several times cheaper than SQLAlchemy's per-row inserts in file order.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    exists,
    insert,
    literal,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.errors import BadInput
from bot.store import bulk, comparison, learned, recapture, restaged
from bot.store.identity import name_problem, resolve_journeys, resolve_series
from bot.store.pending import PendingAppends
from bot.store.schema import current_values, snapshots, superseded_values

_HASHED_COLUMNS = ["journey", "journey_id", "action", "channel", "day", "metric", "value"]
_SERIES_COLUMNS = ["journey", "journey_id", "action", "channel"]
_SERIES_WHAT = ["journey name", "journey id", "action", "channel"]


@dataclass(frozen=True)
class SnapshotReport:
    """What one ingested (or skipped) snapshot holds, for the reply to whoever sent it."""

    source: str
    captured_at: datetime
    origin: str
    rows: int
    journeys: tuple[str, ...]
    metrics: tuple[str, ...]
    first_day: date
    last_day: date
    snapshot_id: int
    # True when the same content was stored before: nothing was written.
    duplicate: bool = False
    # days with numbers stored (a file may skip days between its first and last)
    day_count: int = 0

    @property
    def days(self) -> int:
        return self.day_count

    def to_dict(self) -> dict:
        return {
            "snapshot_id": self.snapshot_id,
            "source": self.source,
            "captured_at": self.captured_at.isoformat(),
            "origin": self.origin,
            "rows": self.rows,
            "journeys": list(self.journeys),
            "metrics": list(self.metrics),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.day_count,
            "duplicate": self.duplicate,
        }


def content_hash(source: str, group: pd.DataFrame) -> str:
    """Identifies the numbers of a snapshot regardless of when they were captured.

    Each column is hashed as its distinct values plus the codes that point at them, which
    never turns a million strings into Python objects.
    """
    digest = hashlib.sha256(source.encode())
    for column in _HASHED_COLUMNS:
        codes, uniques = pd.factorize(group[column])
        digest.update(np.ascontiguousarray(codes, dtype=np.int64).tobytes())
        digest.update("\x1f".join(map(str, uniques)).encode())
    return digest.hexdigest()


def save_frame(
    conn: Connection,
    frame: pd.DataFrame,
    origin: str,
    ingested_at: datetime,
    timezone: str | None = None,
    provenance: dict | None = None,
) -> list[SnapshotReport]:
    """Store a validated canonical frame inside the caller's transaction; `timezone` is the
    calendar its days are in, when the origin said, and `provenance` the snapshot row's
    provenance columns (both recorded with the snapshot)."""
    if frame["source"].nunique() == 1 and frame["captured_at"].nunique() == 1:
        # The usual case: one capture of one product, written without copying the frame.
        source, captured = frame["source"].iloc[0], frame["captured_at"].iloc[0]
        return [
            _save_group(
                conn,
                source,
                captured.to_pydatetime(),
                frame,
                origin,
                ingested_at,
                timezone,
                provenance,
            )
        ]
    groups = frame.groupby(["source", "captured_at"], sort=True).indices
    return [
        _save_group(
            conn,
            source,
            captured.to_pydatetime(),
            frame.iloc[rows],
            origin,
            ingested_at,
            timezone,
            provenance,
        )
        for (source, captured), rows in groups.items()
    ]


def _series_codes(conn: Connection, group: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the journey key and the series id, resolving each distinct series once."""
    codes = group.groupby(_SERIES_COLUMNS, sort=False).ngroup().to_numpy()
    _, first_rows = np.unique(codes, return_index=True)
    distinct = group.iloc[first_rows][_SERIES_COLUMNS]
    keys = resolve_journeys(conn, zip(distinct["journey"], distinct["journey_id"], strict=True))
    journey_keys = np.array(
        [keys[(j, i)] for j, i in zip(distinct["journey"], distinct["journey_id"], strict=True)]
    )
    ids = resolve_series(
        conn,
        zip(journey_keys.tolist(), distinct["action"], distinct["channel"], strict=True),
    )
    series_ids = np.array(
        [
            ids[(k, a, c)]
            for k, a, c in zip(
                journey_keys.tolist(), distinct["action"], distinct["channel"], strict=True
            )
        ]
    )
    return journey_keys[codes], series_ids[codes]


def _refuse_long_names(group: pd.DataFrame) -> None:
    """The parsers refuse long names where the file has them; this holds for every frame,
    so that no backend truncates or throws (PostgreSQL would, SQLite would store them)."""
    for column, what in zip(_SERIES_COLUMNS, _SERIES_WHAT, strict=True):
        for name in group[column].unique():
            if problem := name_problem(what, name):
                raise BadInput(problem)


def _summary(source: str, captured_at: datetime, group: pd.DataFrame, origin: str) -> dict:
    days = group["day"]
    return {
        "source": source,
        "captured_at": captured_at.astimezone(UTC),
        "origin": origin,
        "rows": len(group),
        "journeys": tuple(sorted(group["journey"].unique())),
        "metrics": tuple(sorted(group["metric"].unique())),
        "first_day": days.min().date(),
        "last_day": days.max().date(),
        "days_seen": frozenset(days.unique()),
    }


def _report(summary: dict, snapshot_id: int, duplicate: bool = False) -> SnapshotReport:
    fields = {k: v for k, v in summary.items() if k != "days_seen"}
    return SnapshotReport(
        **fields, snapshot_id=snapshot_id, duplicate=duplicate, day_count=len(summary["days_seen"])
    )


def _stored_snapshot(conn: Connection, source: str, digest: str) -> int | None:
    return conn.scalar(
        select(snapshots.c.id).where(
            snapshots.c.source == source, snapshots.c.content_hash == digest
        )
    )


def _insert_snapshot(
    conn: Connection,
    summary: dict,
    digest: str,
    ingested_at: datetime,
    timezone: str | None = None,
    provenance: dict | None = None,
) -> int:
    return conn.execute(
        insert(snapshots).values(
            **(provenance or {}),
            day_count=len(summary["days_seen"]),
            timezone=timezone,
            source=summary["source"],
            captured_at=summary["captured_at"].replace(tzinfo=None),
            ingested_at=ingested_at,
            origin=summary["origin"][:500],
            content_hash=digest,
            row_count=summary["rows"],
            first_day=summary["first_day"],
            last_day=summary["last_day"],
        )
    ).inserted_primary_key[0]


def _save_group(
    conn: Connection,
    source: str,
    captured_at: datetime,
    group: pd.DataFrame,
    origin: str,
    ingested_at: datetime,
    timezone: str | None = None,
    provenance: dict | None = None,
) -> SnapshotReport:
    _refuse_long_names(group)
    summary = _summary(source, captured_at, group, origin)
    digest = content_hash(source, group)
    existing = _stored_snapshot(conn, source, digest)
    if existing is not None:
        return _report(summary, existing, duplicate=True)
    snapshot_id = _insert_snapshot(conn, summary, digest, ingested_at, timezone, provenance)
    _write_values(conn, snapshot_id, summary, group)
    return _report(summary, snapshot_id)


def save_stream(
    conn: Connection,
    chunks: Iterable[pd.DataFrame],
    origin: str,
    ingested_at: datetime,
    provenance: dict | None = None,
    file_hash: Callable[[], str] | None = None,
    careful: bool = False,
) -> SnapshotReport:
    """One snapshot from a file read in chunks (one capture of one product), in a transaction
    of its own that the caller rolls back on any exception. Known to be a duplicate only at
    the end: AlreadyStored is raised then, and the caller rolls back. (Not a savepoint: on
    SQLite a savepoint journals every stored page a chunk touches, in memory: 4 GB for a
    second 5M-row file.) `file_hash` is asked for at the end (the file is hashed as read).

    Chunks are appended as first captures of their numbers; a number an earlier chunk gave
    again fails that append, and RepeatedNumbers is raised: the caller rolls back and reads
    the file again `careful`ly, every chunk merged and checked for repeats (slower)."""
    try:
        return _save_stream(conn, chunks, origin, ingested_at, provenance, file_hash, careful)
    except (IntegrityError, conn.dialect.dbapi.IntegrityError):  # through the driver too
        if careful:
            raise
        raise RepeatedNumbers from None


class AlreadyStored(Exception):
    """The file's numbers are a stored snapshot's: roll back, and report that one."""

    def __init__(self, report: SnapshotReport) -> None:
        super().__init__(report.snapshot_id)
        self.report = report


class RepeatedNumbers(Exception):
    """A file read in chunks gives some number twice (in different chunks)."""


def _save_stream(
    conn, chunks, origin, ingested_at, provenance, file_hash, careful
) -> SnapshotReport:
    digest = hashlib.sha256()
    summary: dict | None = None
    snapshot_id = 0
    written: set[int] = set()  # the series earlier chunks gave numbers of
    # First captures gathered over chunks, appended together (bot.store.pending); a
    # careful read merges every chunk through the staging table instead.
    pending = None if careful else PendingAppends()
    for chunk in chunks:
        if chunk.empty:
            continue
        if chunk["source"].nunique() != 1 or chunk["captured_at"].nunique() != 1:
            raise ValueError("a file read in chunks must hold one capture of one product")
        _refuse_long_names(chunk)
        source, captured = chunk["source"].iloc[0], chunk["captured_at"].iloc[0].to_pydatetime()
        part = _summary(source, captured, chunk, origin)
        if summary is None:
            summary = part
            placeholder = f"pending:{uuid.uuid4().hex}"
            snapshot_id = _insert_snapshot(
                conn, summary, placeholder, ingested_at, None, provenance
            )
        elif (source, part["captured_at"]) != (summary["source"], summary["captured_at"]):
            raise ValueError("a file read in chunks must hold one capture of one product")
        else:
            summary = _merged(summary, part)
        digest.update(content_hash(source, chunk).encode())
        _write_values(conn, snapshot_id, summary, chunk, written, careful, pending)
        del chunk  # before the next one is parsed: where an ingest's memory peaks
    if summary is None:
        raise BadInput("the file holds no numbers")
    _flush(conn, snapshot_id, summary, pending)
    final = digest.hexdigest()
    existing = _stored_snapshot(conn, summary["source"], final)
    if existing is not None:
        raise AlreadyStored(_report(summary, existing, duplicate=True))
    conn.execute(
        update(snapshots)
        .where(snapshots.c.id == snapshot_id)
        .values(
            content_hash=final,
            row_count=summary["rows"],
            first_day=summary["first_day"],
            last_day=summary["last_day"],
            day_count=len(summary["days_seen"]),
            **({"file_hash": file_hash()} if file_hash is not None else {}),
        )
    )
    return _report(summary, snapshot_id)


def _merged(seen: dict, part: dict) -> dict:
    return {
        **seen,
        "rows": seen["rows"] + part["rows"],
        "journeys": tuple(sorted({*seen["journeys"], *part["journeys"]})),
        "metrics": tuple(sorted({*seen["metrics"], *part["metrics"]})),
        "first_day": min(seen["first_day"], part["first_day"]),
        "last_day": max(seen["last_day"], part["last_day"]),
        "days_seen": seen["days_seen"] | part["days_seen"],
    }


def _write_values(
    conn: Connection,
    snapshot_id: int,
    summary: dict,
    group: pd.DataFrame,
    written: set[int] | None = None,
    careful: bool = False,
    pending: PendingAppends | None = None,
) -> None:
    """Write `group`'s values; `written`, for a chunk of a file read in chunks: the series
    its earlier chunks gave numbers of (this chunk's are added); `pending`, the first
    captures of earlier chunks not appended yet (this chunk's join them when they are
    first captures too)."""
    journey_keys, series_ids = _series_codes(conn, group)
    day_codes, day_values = pd.factorize(group["day"], sort=True)
    metric_codes, metric_values = pd.factorize(group["metric"], sort=True)
    rows = _in_key_order(
        metric_codes,
        day_codes,
        journey_keys,
        series_ids,
        group["value"].to_numpy(dtype=np.int64),
    )
    del journey_keys, series_ids, day_codes, metric_codes  # a million rows each: free them now
    metric_names = np.asarray(metric_values, dtype=object)
    day_names = np.asarray(day_values, dtype="datetime64[D]")
    starts, sums, counts = comparison.cells(
        rows["metric"], rows["day"], rows["journey"], rows["value"]
    )
    cells = {
        "metric": metric_names[rows["metric"][starts]],
        "day": day_names[rows["day"][starts]],
        "journey_key": rows["journey"][starts],
        "value": sums,
        "rows": counts,
    }
    columns = {
        "metric": metric_names[rows["metric"]],
        "day": day_names[rows["day"]],
        "journey_key": rows["journey"],
        "series_id": rows["series"],
        "value": rows["value"],
    }
    captured = summary["captured_at"].replace(tzinfo=None)
    source = summary["source"]
    if pending is not None and not _overlaps(conn, source, columns, snapshot_id):
        # First captures: gathered, and appended with later chunks'.
        written |= set(np.unique(columns["series_id"]).tolist())
        if pending.add(columns):
            _flush(conn, snapshot_id, summary, pending)
        return
    _flush(conn, snapshot_id, summary, pending)  # the staging path reads what they hold
    _store_values(conn, snapshot_id, source, captured, columns, cells, written, careful)


def _flush(conn: Connection, snapshot_id: int, summary: dict, pending) -> None:
    """Append the gathered first captures; a number two chunks gave makes the caller
    read the file again carefully (as a failed append does)."""
    if pending is None or not pending.parts:
        return
    columns, metric, repeated = pending.take()
    if repeated:
        raise RepeatedNumbers
    days = columns["day"].view(np.int64)
    starts, sums, counts = comparison.cells(metric, days, columns["journey_key"], columns["value"])
    cells = {
        "metric": columns["metric"][starts],
        "day": columns["day"][starts],
        "journey_key": columns["journey_key"][starts],
        "value": sums,
        "rows": counts,
    }
    captured = summary["captured_at"].replace(tzinfo=None)
    _append(conn, snapshot_id, summary["source"], captured, columns, cells)


def _in_key_order(metric, day, journey, series_ids, values) -> dict[str, np.ndarray]:
    """Rows sorted by (metric, day, journey, series), duplicates of one series summed.

    Two spellings of one journey (with and without its id) land on the same series; their
    numbers add up rather than collide.
    """
    order = np.lexsort((series_ids, journey, day, metric))
    metric, day, journey = metric[order], day[order], journey[order]
    series_ids, values = series_ids[order], values[order]
    new_key = np.ones(len(order), dtype=bool)
    new_key[1:] = (np.diff(metric) != 0) | (np.diff(day) != 0) | (np.diff(series_ids) != 0)
    if not new_key.all():
        starts = np.flatnonzero(new_key)
        values = np.add.reduceat(values, starts)
        metric, day, journey, series_ids = (a[starts] for a in (metric, day, journey, series_ids))
    return {"metric": metric, "day": day, "journey": journey, "series": series_ids, "value": values}


def _store_values(
    conn: Connection,
    snapshot_id: int,
    source: str,
    captured: datetime,
    columns: dict,
    cells: dict,
    written: set[int] | None = None,
    careful: bool = False,
) -> None:
    """Write a snapshot's values: straight into current_values when none of its keys is
    stored yet (a first capture), else through a staging table that moves what it replaces
    into the history and keeps older captures' values out of the current ones. The daily
    comparison follows: `cells` (the values summed per cell) are added to it, or the cells
    a re-capture touched are recomputed. A chunk of a file read in chunks (`written`: the
    series its earlier chunks gave) is appended unless another capture has its numbers (a
    repeat of an earlier chunk's then fails the append: see save_stream); merged, or always
    when `careful`, numbers an earlier chunk gave are checked as a whole file's repeats
    are, where it shares a series with an earlier chunk."""
    chunked = written is not None
    chunk_series = set(np.unique(columns["series_id"]).tolist()) if chunked else set()
    # Only a series an earlier chunk gave can be given again (exports overlap).
    repeats = sorted(chunk_series & written) if chunked else []
    if chunked:
        written |= chunk_series
    besides = snapshot_id if chunked else None
    if not careful and not _overlaps(conn, source, columns, besides):
        _append(conn, snapshot_id, source, captured, columns, cells)
        return
    staging.create(conn, checkfirst=True)
    conn.execute(delete(staging))
    positions = np.arange(len(columns["value"]), dtype=np.int64)
    bulk.insert(conn, staging, {**columns, "position": positions})
    if conn.dialect.name == "postgresql":
        # A temporary table has no statistics until analysed: the planner would guess.
        conn.execute(text(f"ANALYZE {staging.name}"))
    first, last = _day_range(columns["day"])
    if repeats:
        _drop_repeats(conn, snapshot_id, source, first, last, repeats)
    # The staged numbers beside the values they replace, read back once; what the capture
    # changes beside the values is summed from them in numpy (bot.store.restaged), before
    # the merge. Settling goes through a fold of every capture of its numbers after the
    # merge when one of them has a later capture stored.
    key = _staged_key(conn, source, first, last)
    staged = restaged.fetch(conn, staging, key, columns, captured)
    later = bool(staged.later.any())
    _move_cells(conn, source, snapshot_id, staged)
    if not later:
        _learn_settling(conn, source, captured, first, last, staged)
    _merge_staging(conn, snapshot_id, source, captured, staged)
    if later:
        learned.learn_capture(conn, source, staging, first, last, snapshot_id, captured)
    staging.drop(conn)


def _move_cells(conn: Connection, source: str, snapshot_id: int, staged) -> None:
    """Before the merge: add to the daily comparison and to snapshot_counts what the staged
    values change (a staged value replaces a current one captured no later than it)."""
    comparison.cell_staging.create(conn, checkfirst=True)
    conn.execute(delete(comparison.cell_staging))
    bulk.insert(conn, comparison.cell_staging, restaged.cells(staged))
    st = comparison.cell_staging.c
    zero = literal(0, BigInteger)
    sides = {source: st.value, f"{source}_rows": st.rows}
    names = ("ajo", "cja", "ajo_rows", "cja_rows")
    rows = select(st.metric, st.day, st.journey_key, *(sides.get(n, zero) for n in names))
    comparison.add(conn, rows.where(true()), source)  # SQLite: a WHERE before ON CONFLICT
    comparison.cell_staging.drop(conn)
    comparison.count_columns(conn, restaged.counts(staged, snapshot_id))


def _learn_settling(conn, source: str, captured: datetime, first, last, staged) -> None:
    """What the capture teaches about settling (bot.store.recapture.learn_settling): the
    replaced values' part summed here, the re-comparison of earlier captures in SQL over
    `replacing`, filled only when some snapshot's history holds the staged numbers."""
    now = restaged.staged_moves(conn, restaged.now_compared(conn, staged, learned.HORIZON_DAYS))
    holding = recapture._history_holders(conn, source, first, last, restaged.edges(staged))
    if holding:
        new_age = staged.new_age()
        usable = staged.take(
            np.flatnonzero(staged.has_old & (new_age >= 0) & (new_age <= learned.HORIZON_DAYS))
        )
        recapture.replacing.create(conn, checkfirst=True)
        conn.execute(delete(recapture.replacing))
        if len(usable.value):
            channel = restaged.channels(conn, usable.series_id)
            bulk.insert(conn, recapture.replacing, restaged.replacing_columns(usable, channel))
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ANALYZE {recapture.replacing.name}"))
    recapture.learn_settling(conn, source, captured, first, last, now=now, holding=holding)
    restaged.moves_staging.drop(conn)
    if holding:
        recapture.replacing.drop(conn)


def _staged_key(conn: Connection, source: str, first: date, last: date):
    """A staged number and `source`'s current value of the same number, joined on the days
    the capture covers (`first` to `last`) only."""
    c, st = current_values.c, staging.c
    return and_(
        c.metric == st.metric,
        c.day == st.day,
        comparison.days_between(conn, current_values, first, last),
        c.journey_key == st.journey_key,
        c.series_id == st.series_id,
        c.source == source,
    )


def _drop_repeats(
    conn: Connection, snapshot_id: int, source: str, first: date, last: date, shared: list[int]
):
    """Numbers an earlier chunk of the same file stored (of the `shared` series, which an
    earlier chunk gave): given again with the same value, a repeat (exports overlap), left
    out; with another, the file contradicts itself: refused, as a file read whole is
    (bot.ingest.build)."""
    c, st = current_values.c, staging.c
    same_number = and_(_staged_key(conn, source, first, last), c.snapshot_id == snapshot_id)
    if len(shared) <= 500:  # beyond that, every staged number is looked up (still exact)
        same_number = and_(same_number, st.series_id.in_(shared))
    clash = conn.execute(
        select(st.metric, st.day, c.value, st.value)
        .select_from(staging.join(current_values, same_number))
        .where(c.value != st.value)
        .limit(1)
    ).first()
    if clash is not None:
        metric, day, earlier, later = clash
        raise BadInput(
            f"{source} {metric} on {str(day)[:10]} appears twice with different values for "
            f"one journey, action and channel: {earlier:,} and {later:,}"
        )
    conn.execute(delete(staging).where(exists(select(literal(1)).where(same_number))))


def _append(conn, snapshot_id: int, source: str, captured: datetime, columns, cells) -> None:
    """First captures of their keys: appended to current_values, their cells added."""
    shared = {"source": source, "snapshot_id": snapshot_id, "captured_at": captured}
    bulk.insert(conn, current_values, columns, shared)
    comparison.cell_staging.create(conn, checkfirst=True)
    conn.execute(delete(comparison.cell_staging))
    bulk.insert(conn, comparison.cell_staging, cells)
    comparison.add_staged(conn, source, snapshot_id)
    comparison.cell_staging.drop(conn)


def _day_range(days: np.ndarray) -> tuple[date, date]:
    return days.min().astype(date), days.max().astype(date)


def _overlaps(conn: Connection, source: str, columns: dict, besides: int | None = None) -> bool:
    """Whether any key of the snapshot already has a current value (of a snapshot other
    than `besides`: the one an earlier chunk of the same file wrote)."""
    c, s = current_values.c, snapshots.c
    metrics = sorted(set(columns["metric"]))
    first, last = _day_range(columns["day"])
    others = select(s.id).where(s.source == source, s.first_day <= last, s.last_day >= first)
    # Most chunks: no other capture of the source has these days at all (a look at the
    # snapshots), rather than a pass over the rows the earlier chunks wrote.
    if besides is not None and conn.execute(others.where(s.id != besides).limit(1)).first() is None:
        return False
    series_ids = np.unique(columns["series_id"]).tolist()
    query = select(c.metric).where(
        c.source == source,
        c.metric.in_(metrics),
        c.day >= first,
        c.day <= last,
    )
    if len(series_ids) <= 500:  # beyond that, a coarser (still safe) test
        query = query.where(c.series_id.in_(series_ids))
    if besides is not None:
        query = query.where(c.snapshot_id != besides)
    return conn.execute(query.limit(1)).first() is not None


def _merge_staging(
    conn: Connection, snapshot_id: int, source: str, captured: datetime, staged
) -> None:
    """Staged values replace older current ones; the replaced and the stale go to history
    (both known from `staged`, the staged values beside the ones they replace: current
    values this capture replaces, ties won by the later ingest, and staged values an
    already stored later capture replaced, history from the start)."""
    st = staging.c
    history = restaged.history_rows(staged, snapshot_id)
    if len(history["value"]):
        bulk.insert(conn, superseded_values, history)
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    rows = select(
        st.metric,
        st.day,
        st.journey_key,
        st.series_id,
        literal(source, String),
        st.value,
        literal(snapshot_id, Integer),
        literal(captured, DateTime),
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
    statement = dialect_insert(current_values).from_select(
        [column.name for column in current_values.columns], rows
    )
    statement = statement.on_conflict_do_update(
        index_elements=[column.name for column in current_values.primary_key.columns],
        set_={
            "value": statement.excluded.value,
            "snapshot_id": statement.excluded.snapshot_id,
            "captured_at": statement.excluded.captured_at,
        },
        where=statement.excluded.captured_at >= current_values.c.captured_at,
    )
    conn.execute(statement)


# Per transaction: the values of the snapshot being written, when some keys overlap.
staging = Table(
    "staging_values",
    MetaData(),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("value", BigInteger, nullable=False),
    # the row's place in the writer's columns: what is read back is matched by it
    Column("position", Integer),
    prefixes=["TEMPORARY"],
)
