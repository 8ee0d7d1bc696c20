"""A re-capture's staged numbers beside the current values they replace, as numpy columns.

The writer has a snapshot's numbers in key order as columns already. One join with
current_values, reading three columns back per staged number (the replaced value's
snapshot, value and capture time), is all a re-capture needs to know: the daily
comparison's moves, snapshot_counts' moves, what the replaced values teach about settling
and the history rows are sums over those columns. Summed in numpy, each is one small write
instead of a `GROUP BY` over every staged number in SQL: the 14-day re-ingest's staged
numbers were joined into `replacing_values` and grouped five times (cells, counts, their
days, settling, the history), about half of its SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    MetaData,
    Table,
    case,
    func,
    literal,
    select,
    true,
)

from bot.store import bulk
from bot.store.reader import whole_days_between
from bot.store.schema import current_values, series, settling_moves

_DAY_US = 86_400_000_000


@dataclass
class Restaged:
    """The staged numbers (in key order: metric, day, journey, series) beside what they
    replace: `old_snapshot` -1 where no current value has the key; `later` where the
    current value was captured after the staged one; `old_age` the replaced capture's age
    in whole days (0 where there is none)."""

    metric: np.ndarray  # names (object)
    day: np.ndarray  # datetime64[D]
    journey_key: np.ndarray
    series_id: np.ndarray
    value: np.ndarray
    old_snapshot: np.ndarray
    old_value: np.ndarray
    later: np.ndarray  # bool
    old_age: np.ndarray
    captured: np.datetime64  # the staged capture's time (naive UTC, us)

    @property
    def has_old(self) -> np.ndarray:
        return self.old_snapshot >= 0

    @property
    def wins(self) -> np.ndarray:
        """Staged numbers replacing a current value captured no later (ties: the later
        ingest wins)."""
        return self.has_old & ~self.later

    def new_age(self) -> np.ndarray:
        return whole_days(np.full(len(self.day), self.captured), self.day)

    def take(self, rows: np.ndarray) -> Restaged:
        return Restaged(*(getattr(self, name)[rows] for name in _COLUMNS), captured=self.captured)


_COLUMNS = (
    "metric",
    "day",
    "journey_key",
    "series_id",
    "value",
    "old_snapshot",
    "old_value",
    "later",
    "old_age",
)
_READ = ("position", "old_snapshot", "old_value", "later", "old_age")


def whole_days(later: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole days from each day to a later timestamp, rounded toward zero: as SQLite's
    `CAST(julianday(a) - julianday(b) AS INTEGER)` and PostgreSQL's `EXTRACT(DAY FROM a -
    b)` count them (bot.store.reader.whole_days_between)."""
    micros = (later.astype("datetime64[us]") - day.astype("datetime64[us]")).astype(np.int64)
    return (np.sign(micros) * (np.abs(micros) // _DAY_US)).astype(np.int64)


def fetch(
    conn: Connection, staging: Table, same_key, columns: dict, captured: datetime
) -> Restaged:
    """`columns` (as staged, with their `position`) beside the current values they would
    replace, read by one join (`same_key`) of `staging` with current_values. Numbers no
    longer staged (an earlier chunk's repeats, taken out) are left out."""
    c, st = current_values.c, staging.c
    later = case((c.captured_at > literal(captured, DateTime), 1), else_=0)
    read = (
        st.position,
        func.coalesce(c.snapshot_id, -1),
        func.coalesce(c.value, 0),
        later,
        func.coalesce(whole_days_between(c.captured_at, st.day), 0),
    )
    joined = staging.outerjoin(current_values, same_key)
    if conn.dialect.name == "sqlite":
        # SQLite hands each value over as a Python int in a tuple (about 1 µs a row): the
        # numbers come as one text, which numpy reads in one pass (as bot.store.reader's
        # grouped read).
        text = conn.scalar(
            select(func.group_concat(func.printf("%d,%d,%d,%d,%d", *read), ",")).select_from(joined)
        )
        values = np.fromstring(text or "", dtype=np.int64, sep=",").reshape(-1, len(_READ))
    else:
        # The driver's tuples: numpy probing SQLAlchemy's rows for an array interface
        # raised and caught a KeyError per row (2 s for 70,000 rows).
        rows = conn.execute(select(*read).select_from(joined)).cursor.fetchall()
        values = np.array(rows, dtype=np.int64).reshape(-1, len(_READ))
        del rows
    values = values[np.argsort(values[:, 0], kind="stable")]
    order = values[:, 0]
    return Restaged(
        metric=np.asarray(columns["metric"], dtype=object)[order],
        day=columns["day"].astype("datetime64[D]")[order],
        journey_key=np.asarray(columns["journey_key"], dtype=np.int64)[order],
        series_id=np.asarray(columns["series_id"], dtype=np.int64)[order],
        value=np.asarray(columns["value"], dtype=np.int64)[order],
        old_snapshot=values[:, 1].copy(),
        old_value=values[:, 2].copy(),
        later=values[:, 3] == 1,
        old_age=values[:, 4].copy(),
        captured=np.datetime64(captured, "us"),
    )


def _runs(*keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys starts, in rows sorted by them."""
    n = len(keys[0])
    new = np.ones(n, dtype=bool)
    if n:
        new[1:] = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    return np.flatnonzero(new)


def _codes(values: np.ndarray) -> np.ndarray:
    return pd.factorize(values, sort=True)[0].astype(np.int64)


def cells(staged: Restaged) -> dict[str, np.ndarray]:
    """Per cell (metric, day, journey), in key order: how far the cell's side moves and
    how many numbers it gains; every cell with a staged number, as the SQL grouped them."""
    new, wins = ~staged.has_old, staged.wins
    moved = np.where(new, staged.value, np.where(wins, staged.value - staged.old_value, 0))
    metric, day = _codes(staged.metric), staged.day.astype(np.int64)
    starts = _runs(metric, day, staged.journey_key)
    return {
        "metric": staged.metric[starts],
        "day": staged.day[starts],
        "journey_key": staged.journey_key[starts],
        "value": np.add.reduceat(moved, starts) if len(starts) else moved[:0],
        "rows": np.add.reduceat(new.astype(np.int64), starts) if len(starts) else moved[:0],
    }


def counts(staged: Restaged, snapshot_id: int) -> dict[str, np.ndarray]:
    """snapshot_counts' moves: per cell and snapshot, the numbers the new snapshot gains
    and those the replaced values' snapshots lose (negative), summed per key."""
    gains, loses = ~staged.has_old | staged.wins, staged.wins
    metric, day = _codes(staged.metric), staged.day.astype(np.int64)
    cell = np.zeros(len(metric), dtype=np.int64)
    starts = _runs(metric, day, staged.journey_key)
    cell[starts] = 1
    cell = np.cumsum(cell) - 1
    snapshot = np.concatenate([np.full(int(gains.sum()), snapshot_id), staged.old_snapshot[loses]])
    rows = np.concatenate([np.flatnonzero(gains), np.flatnonzero(loses)])
    numbers = np.concatenate(
        [np.ones(int(gains.sum()), np.int64), -np.ones(int(loses.sum()), np.int64)]
    )
    order = np.lexsort((snapshot, cell[rows]))
    snapshot, rows, numbers = snapshot[order], rows[order], numbers[order]
    first = _runs(cell[rows], snapshot)
    summed = np.add.reduceat(numbers, first) if len(first) else numbers
    at = rows[first]
    return {
        "metric": staged.metric[at],
        "day": staged.day[at],
        "journey_key": staged.journey_key[at],
        "snapshot_id": snapshot[first],
        "numbers": summed,
    }


def channels(conn: Connection, series_ids: np.ndarray) -> np.ndarray:
    """Each series' channel."""
    wanted = np.unique(series_ids)
    known = dict(conn.execute(select(series.c.id, series.c.channel)).all())
    names = np.array([known[i] for i in wanted.tolist()], dtype=object)
    return names[np.searchsorted(wanted, series_ids)]


def now_compared(conn: Connection, staged: Restaged, horizon: int) -> dict[str, np.ndarray]:
    """What the replaced values teach now that they have a later capture (the staged one),
    per replaced snapshot, metric, channel and age: bot.store.recapture.learn_settling's
    first part, when no staged number has a later capture stored."""
    new_age, old_age = staged.new_age(), staged.old_age
    inside = (
        staged.has_old
        & (new_age >= 0) & (new_age <= horizon) & (old_age >= 0) & (old_age <= horizon)
    )  # fmt: skip
    part = staged.take(np.flatnonzero(inside))
    age = old_age[inside]
    channel = channels(conn, part.series_id) if len(part.series_id) else part.metric
    metric_code, channel_code = _codes(part.metric), _codes(channel)
    order = np.lexsort((age, channel_code, metric_code, part.old_snapshot))
    keys = (part.old_snapshot[order], metric_code[order], channel_code[order], age[order])
    starts = _runs(*keys)
    change = (part.value - part.old_value)[order]

    def summed(values):
        return np.add.reduceat(values, starts) if len(starts) else values

    return {
        "snapshot_id": keys[0][starts],
        "metric": part.metric[order][starts],
        "channel": channel[order][starts],
        "age_days": keys[3][starts],
        "series": summed(np.ones(len(order), dtype=np.int64)),
        "volume": summed(part.old_value[order]),
        "change": summed(change),
        "abs_change": summed(np.abs(change)),
    }


# Per transaction: settling moves summed in numpy, added with the history's in SQL.
moves_staging = Table(
    "staging_moves",
    MetaData(),
    # settling_moves' columns, so the two cannot drift apart; no key: rows are summed in SQL.
    *(Column(c.name, c.type, nullable=False) for c in settling_moves.columns),
    prefixes=["TEMPORARY"],
)


def staged_moves(conn: Connection, moves: dict[str, np.ndarray]):
    """`moves` in a temporary table: a select of its rows."""
    moves_staging.create(conn, checkfirst=True)
    conn.execute(moves_staging.delete())
    if len(moves["snapshot_id"]):
        bulk.insert(conn, moves_staging, moves)
    return select(*moves_staging.c).where(true())


def history_rows(staged: Restaged, snapshot_id: int) -> dict[str, np.ndarray]:
    """The history a re-capture writes: the values it replaces (their snapshots'), and its
    own numbers a later stored capture already replaced; in the history's key order."""
    wins, later = staged.wins, staged.later
    rows = np.concatenate([np.flatnonzero(wins), np.flatnonzero(later)])
    snapshot = np.concatenate([staged.old_snapshot[wins], np.full(int(later.sum()), snapshot_id)])
    value = np.concatenate([staged.old_value[wins], staged.value[later]])
    metric = staged.metric[rows]
    order = np.lexsort((staged.series_id[rows], staged.day[rows], _codes(metric), snapshot))
    return {
        "snapshot_id": snapshot[order],
        "metric": metric[order],
        "day": staged.day[rows][order],
        "series_id": staged.series_id[rows][order],
        "value": value[order],
    }


def edges(staged: Restaged) -> tuple[int | None, int | None, list[str], list[tuple]]:
    """What bot.store.recapture._history_holders reads of the staged numbers: the lowest and
    highest series, the metrics, and the numbers of those two series."""
    if not len(staged.series_id):
        return None, None, [], []
    low, high = int(staged.series_id.min()), int(staged.series_id.max())
    at = np.flatnonzero((staged.series_id == low) | (staged.series_id == high))
    numbers = [
        (m, d, s)
        for m, d, s in zip(
            staged.metric[at].tolist(),
            staged.day[at].astype(object).tolist(),
            staged.series_id[at].tolist(),
            strict=True,
        )
    ]
    return low, high, sorted(set(staged.metric.tolist())), numbers


def replacing_columns(staged: Restaged, channel: np.ndarray) -> dict[str, np.ndarray]:
    """The staged numbers with a replaced value, as recapture.replacing's columns (its
    capture time left NULL: settling's re-comparison does not read it)."""
    return {
        "metric": staged.metric,
        "day": staged.day,
        "journey_key": staged.journey_key,
        "series_id": staged.series_id,
        "value": staged.value,
        "old_snapshot_id": staged.old_snapshot,
        "old_value": staged.old_value,
        "channel": channel,
        "new_age": staged.new_age(),
        "old_age": staged.old_age,
    }
