"""The daily comparison table, kept by the writer: both sources per (metric, day, journey);
and beside it, how many current values each snapshot holds per cell (snapshot_counts) and
per (metric, day) over every journey (snapshot_day_counts).

Every question compares cells of (journey, day, metric) with both sources' values summed
over actions and channels. Grouping and pivoting current_values for each question reads
every action's row of both sources (20 rows per cell in a store of 5 actions per journey)
and sorts them; this table holds the cell itself, so a question reads one row per cell
along its primary key (metric, day, journey) or, for a few journeys, its journey index.

The writer keeps it exact with each snapshot, in the snapshot's transaction:

- values stored for the first time (no current value had their key) are added to their
  cells: summed per cell from the snapshot's sorted rows, then one upsert that adds;
- a re-capture replaces values: each cell it touched moves by the new values minus those
  they replace, read before the merge (bot.store.recapture).

Anything else that changes current_values (dropping a snapshot, say) must call `recompute`
for the days it changed, in the same transaction.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.store import bulk
from bot.store.schema import (
    current_values,
    daily_comparison,
    snapshot_counts,
    snapshot_day_counts,
)

# Per transaction: one snapshot's values summed per cell, before they are added.
cell_staging = Table(
    "staging_cells",
    MetaData(),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("rows", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)

# Per transaction: counts per cell and snapshot about to be added to snapshot_counts, kept
# once so that their sums per day need not read the rows they were grouped from again.
count_staging = Table(
    "staging_counts",
    MetaData(),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("snapshot_id", Integer, nullable=False),
    Column("numbers", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)

_CELL = ("metric", "day", "journey_key")
_DAY_KEY = ("metric", "day", "snapshot_id")
_COUNT_KEY = ("metric", "day", "journey_key", "snapshot_id")


def cells(metric: np.ndarray, day: np.ndarray, journey: np.ndarray, values: np.ndarray):
    """Rows sorted by (metric, day, journey, ...) summed per cell: (first row of each cell,
    its sum, its row count). `metric`, `day` and `journey` are integer codes."""
    n = len(values)
    if not n:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    new = np.ones(n, dtype=bool)
    new[1:] = (np.diff(metric) != 0) | (np.diff(day) != 0) | (np.diff(journey) != 0)
    starts = np.flatnonzero(new)
    sums = np.add.reduceat(values, starts)
    rows = np.diff(np.append(starts, n))
    return starts, sums, rows


def _upsert(conn: Connection, rows, set_, table: Table = daily_comparison, key=_CELL) -> None:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table).from_select([c.name for c in table.columns], rows)
    conn.execute(
        statement.on_conflict_do_update(index_elements=list(key), set_=set_(statement.excluded))
    )


def _counted(where, joined=None):
    """Current values per cell and snapshot, filtered by `where`."""
    cv = current_values.c
    statement = select(cv.metric, cv.day, cv.journey_key, cv.snapshot_id, func.count())
    if joined is not None:
        statement = statement.select_from(joined)
    return statement.where(where).group_by(cv.metric, cv.day, cv.journey_key, cv.snapshot_id)


def _insert_counts(conn: Connection, rows) -> None:
    columns = [c.name for c in snapshot_counts.columns]
    conn.execute(snapshot_counts.insert().from_select(columns, rows))


def _sum_days(where) -> object:
    """snapshot_counts summed over journeys per (metric, day, snapshot), filtered by
    `where`: the rows of snapshot_day_counts."""
    sc = snapshot_counts.c
    return (
        select(sc.metric, sc.day, sc.snapshot_id, func.sum(sc.numbers))
        .where(where)
        .group_by(sc.metric, sc.day, sc.snapshot_id)
    )


def _insert_day_counts(conn: Connection, rows) -> None:
    columns = [c.name for c in snapshot_day_counts.columns]
    conn.execute(snapshot_day_counts.insert().from_select(columns, rows))


def add(conn: Connection, rows, source: str) -> None:
    """Add `rows` (the table's columns, one row per cell) to `source`'s side."""
    dc = daily_comparison.c
    _upsert(
        conn,
        rows,
        lambda new: {
            source: dc[source] + new[source],
            f"{source}_rows": dc[f"{source}_rows"] + new[f"{source}_rows"],
        },
    )


def count(conn: Connection, rows) -> None:
    """Add `rows` ((metric, day, journey_key, snapshot_id, numbers), one per cell and
    snapshot) to snapshot_counts; counts that reach zero go."""
    _count_up(conn, rows, emptied=True)


# Cells per statement on SQLite: a statement's journal (the pages it changes, kept so that
# it alone can be undone) is in memory (temp_store=MEMORY), and an upsert of 100,000 cells
# into every (metric, day) of the tables held 90 MB of it, over the 400 MB ingest target.
SQLITE_CELLS = 32_000


def add_staged(conn: Connection, source: str, snapshot_id: int) -> None:
    """Add the cells in `cell_staging` (values whose keys were stored for the first time)
    to `source`'s side of the table, and count them as snapshot `snapshot_id`'s: in slices
    of the staged rows on SQLite (the sums add up the same)."""
    if conn.dialect.name != "sqlite":
        _add_staged(conn, source, snapshot_id, true())
        return
    rowid = literal_column(f"{cell_staging.name}.rowid", Integer)
    bounds = select(func.min(rowid), func.max(rowid)).select_from(cell_staging)
    low, high = conn.execute(bounds).one()
    for start in range(low or 0, (high or -1) + 1, SQLITE_CELLS):
        _add_staged(conn, source, snapshot_id, rowid.between(start, start + SQLITE_CELLS - 1))


def _add_staged(conn: Connection, source: str, snapshot_id: int, where) -> None:
    st = cell_staging.c
    other = "cja" if source == "ajo" else "ajo"
    zero = literal(0, BigInteger)
    columns = {source: st.value, f"{source}_rows": st.rows, other: zero, f"{other}_rows": zero}
    rows = select(
        st.metric,
        st.day,
        st.journey_key,
        columns["ajo"],
        columns["cja"],
        columns["ajo_rows"],
        columns["cja_rows"],
    ).where(where)  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
    add(conn, rows, source)
    # Counted straight from the staged cells (already one row per cell), not staged again.
    sc, sd, snapshot = snapshot_counts.c, snapshot_day_counts.c, literal(snapshot_id, Integer)
    counted = select(st.metric, st.day, st.journey_key, snapshot, st.rows).where(where)
    _upsert(
        conn,
        counted,
        lambda new: {"numbers": sc.numbers + new.numbers},
        table=snapshot_counts,
        key=_COUNT_KEY,
    )
    by_day = select(st.metric, st.day, snapshot, func.sum(st.rows)).where(where)
    _upsert(
        conn,
        by_day.group_by(st.metric, st.day),
        lambda new: {"numbers": sd.numbers + new.numbers},
        table=snapshot_day_counts,
        key=_DAY_KEY,
    )


def count_columns(conn: Connection, columns: dict) -> None:
    """As `count`, the rows given as numpy columns (one row per key, summed)."""
    _count_up(conn, None, emptied=True, columns=columns)


def _count_up(conn: Connection, rows, emptied: bool = False, columns=None) -> None:
    """Add `rows` ((metric, day, journey_key, snapshot_id, numbers)), or `columns` (numpy
    arrays of them), to snapshot_counts, and their sums over journeys to
    snapshot_day_counts; with `emptied`, the counts that lost numbers and reached zero go."""
    count_staging.create(conn, checkfirst=True)
    conn.execute(count_staging.delete())
    names = [c.name for c in count_staging.columns]
    if columns is not None:
        if len(columns["numbers"]):
            bulk.insert(conn, count_staging, columns)
    else:
        conn.execute(count_staging.insert().from_select(names, rows))
    columns = names
    if emptied and conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {count_staging.name}"))  # looked up by key: see below
    st, sc, sd = count_staging.c, snapshot_counts.c, snapshot_day_counts.c
    _upsert(
        conn,
        select(*(st[name] for name in columns)).where(true()),  # SQLite: WHERE before ON
        lambda new: {"numbers": sc.numbers + new.numbers},
        table=snapshot_counts,
        key=_COUNT_KEY,
    )
    by_day = select(st.metric, st.day, st.snapshot_id, func.sum(st.numbers)).group_by(
        st.metric, st.day, st.snapshot_id
    )
    _upsert(
        conn,
        by_day.where(true()),
        lambda new: {"numbers": sd.numbers + new.numbers},
        table=snapshot_day_counts,
        key=_DAY_KEY,
    )
    if emptied:
        for statement in emptied_counts():
            conn.execute(statement)
    count_staging.drop(conn)


def emptied_counts():
    """Deletes of the counts that lost numbers in `count_staging` and reached zero, looked
    up by key: a pass over the capture's days scanned every journey's counts (8 M rows at
    1,000 journeys) for every chunk of a re-captured file."""
    st = count_staging.c
    for table, key in ((snapshot_counts, _COUNT_KEY), (snapshot_day_counts, _DAY_KEY)):
        c = table.c
        losing = select(*(st[name] for name in key)).where(st.numbers < 0).distinct()
        yield table.delete().where(c.numbers == 0, tuple_(*(c[n] for n in key)).in_(losing))


def _summed(where, joined=None):
    """Cells recomputed from current_values (joined with `joined`), filtered by `where`."""
    cv = current_values.c

    def side(source: str, value):
        return func.coalesce(func.sum(case((cv.source == source, value), else_=0)), 0)

    statement = select(
        cv.metric,
        cv.day,
        cv.journey_key,
        side("ajo", cv.value),
        side("cja", cv.value),
        side("ajo", 1),
        side("cja", 1),
    )
    if joined is not None:
        statement = statement.select_from(joined)
    return statement.where(where).group_by(cv.metric, cv.day, cv.journey_key)


def _replace(new) -> dict:
    return {name: new[name] for name in ("ajo", "cja", "ajo_rows", "cja_rows")}


def days_between(conn: Connection, table: Table, first_day: date, last_day: date):
    """`table`'s day between the two, as a join's extra bound: PostgreSQL plans with it;
    SQLite would walk that range along its key for every joined row instead of looking the
    whole key up, so there a unary + keeps the range out of its index choice."""
    day = table.c.day
    if conn.dialect.name == "sqlite":
        day = literal_column(f"+{table.name}.day", Date)
    return and_(day >= first_day, day <= last_day)


def recompute(conn: Connection, first_day: date, last_day: date) -> None:
    """Recompute every cell between `first_day` and `last_day` from current_values (cells
    left without any current value go)."""
    dc, sc, cv = daily_comparison.c, snapshot_counts.c, current_values.c
    conn.execute(daily_comparison.delete().where(dc.day >= first_day, dc.day <= last_day))
    sd = snapshot_day_counts.c
    conn.execute(snapshot_counts.delete().where(sc.day >= first_day, sc.day <= last_day))
    conn.execute(snapshot_day_counts.delete().where(sd.day >= first_day, sd.day <= last_day))
    in_range = and_(cv.day >= first_day, cv.day <= last_day)
    _upsert(conn, _summed(in_range), _replace)
    _insert_counts(conn, _counted(in_range))
    _insert_day_counts(conn, _sum_days(and_(sc.day >= first_day, sc.day <= last_day)))


def rebuild(conn: Connection) -> None:
    """Fill the three tables from every current value (a store upgraded to version 6)."""
    conn.execute(daily_comparison.delete())
    conn.execute(snapshot_counts.delete())
    _upsert(conn, _summed(true()), _replace)
    _insert_counts(conn, _counted(true()))
    rebuild_day_counts(conn)


def rebuild_day_counts(conn: Connection) -> None:
    """Fill snapshot_day_counts from snapshot_counts (a store upgraded to version 9)."""
    conn.execute(snapshot_day_counts.delete())
    _insert_day_counts(conn, _sum_days(true()))
