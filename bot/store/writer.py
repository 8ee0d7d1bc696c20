"""Writing parsed frames: one snapshot per (source, capture) group, all in one transaction.

Bulk rows go through the DB-API directly (executemany on SQLite, COPY on PostgreSQL):
SQLAlchemy's per-row parameter handling would be several times slower for a million rows.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, DateTime, Integer, String, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.identity import resolve_journeys
from bot.store.schema import current_values, observations, snapshots

_OBSERVATION_COLUMNS = ("snapshot_id", "journey_key", "action", "channel", "day", "metric", "value")
_HASHED_COLUMNS = ["journey", "journey_id", "action", "channel", "day", "metric", "value"]


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

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

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
            "duplicate": self.duplicate,
        }


def content_hash(source: str, group: pd.DataFrame) -> str:
    """Identifies the numbers of a snapshot regardless of when they were captured."""
    digest = hashlib.sha256(source.encode())
    hashed = pd.util.hash_pandas_object(group[_HASHED_COLUMNS], index=False)
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def save_frame(conn: Connection, frame: pd.DataFrame, origin: str) -> list[SnapshotReport]:
    """Store a validated canonical frame inside the caller's transaction."""
    reports = []
    for (source, captured), group in frame.groupby(["source", "captured_at"], sort=True):
        reports.append(_save_group(conn, source, captured.to_pydatetime(), group, origin))
    return reports


def _save_group(
    conn: Connection, source: str, captured_at: datetime, group: pd.DataFrame, origin: str
) -> SnapshotReport:
    captured_utc = captured_at.astimezone(UTC).replace(tzinfo=None)
    digest = content_hash(source, group)
    days = group["day"]
    summary = {
        "source": source,
        "captured_at": captured_at.astimezone(UTC),
        "origin": origin,
        "rows": len(group),
        "journeys": tuple(sorted(group["journey"].unique())),
        "metrics": tuple(sorted(group["metric"].unique())),
        "first_day": days.min().date(),
        "last_day": days.max().date(),
    }
    existing = conn.scalar(
        select(snapshots.c.id).where(
            snapshots.c.source == source, snapshots.c.content_hash == digest
        )
    )
    if existing is not None:
        return SnapshotReport(**summary, snapshot_id=existing, duplicate=True)

    snapshot_id = conn.execute(
        insert(snapshots).values(
            source=source,
            captured_at=captured_utc,
            ingested_at=datetime.now(UTC).replace(tzinfo=None),
            origin=origin[:500],
            content_hash=digest,
            row_count=len(group),
            first_day=summary["first_day"],
            last_day=summary["last_day"],
        )
    ).inserted_primary_key[0]

    pairs = pd.MultiIndex.from_frame(group[["journey", "journey_id"]])
    codes, uniques = pd.factorize(pairs)
    keys_by_pair = resolve_journeys(conn, uniques)
    journey_keys = pd.Series([keys_by_pair[pair] for pair in uniques]).to_numpy()[codes]

    day_codes, unique_days = pd.factorize(days)
    day_text = pd.Index(unique_days.strftime("%Y-%m-%d")).to_numpy()[day_codes]

    table = pa.table(
        {
            "snapshot_id": pa.array([snapshot_id] * len(group), pa.int64()),
            "journey_key": pa.array(journey_keys, pa.int64()),
            "action": pa.array(group["action"].to_numpy(), pa.string()),
            "channel": pa.array(group["channel"].to_numpy(), pa.string()),
            "day": pa.array(day_text, pa.string()),
            "metric": pa.array(group["metric"].to_numpy(), pa.string()),
            "value": pa.array(group["value"].to_numpy(), pa.int64()),
        }
    )
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table)
    else:
        _insert_rows(conn, table)
    _refresh_current(conn, snapshot_id, source, captured_utc)
    return SnapshotReport(**summary, snapshot_id=snapshot_id)


def _insert_rows(conn: Connection, table: pa.Table) -> None:
    placeholders = ", ".join("?" * len(_OBSERVATION_COLUMNS))
    sql = f"INSERT INTO observations ({', '.join(_OBSERVATION_COLUMNS)}) VALUES ({placeholders})"
    cursor = conn.connection.driver_connection.cursor()
    for batch in table.to_batches(max_chunksize=100_000):
        columns = [batch.column(name).to_pylist() for name in _OBSERVATION_COLUMNS]
        cursor.executemany(sql, zip(*columns, strict=True))
    cursor.close()


def _copy_rows(conn: Connection, table: pa.Table) -> None:
    sql = f"COPY observations ({', '.join(_OBSERVATION_COLUMNS)}) FROM STDIN (FORMAT csv)"
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(sql) as copy:
        for batch in table.to_batches(max_chunksize=200_000):
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.Table.from_batches([batch]), buffer, options)
            copy.write(buffer.getbuffer())
    cursor.close()


def _refresh_current(conn: Connection, snapshot_id: int, source: str, captured: datetime) -> None:
    """Point each key of the snapshot at it, unless a later capture already holds that key."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    o = observations.c
    rows = select(
        o.metric,
        o.day,
        o.journey_key,
        o.action,
        o.channel,
        literal(source, String),
        o.value,
        literal(snapshot_id, Integer),
        literal(captured, DateTime),
    ).where(o.snapshot_id == snapshot_id)
    statement = dialect_insert(current_values).from_select(
        [c.name for c in current_values.columns], rows
    )
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in current_values.primary_key.columns],
        set_={
            "value": statement.excluded.value,
            "snapshot_id": statement.excluded.snapshot_id,
            "captured_at": statement.excluded.captured_at,
        },
        where=statement.excluded.captured_at >= current_values.c.captured_at,
    )
    conn.execute(statement)
