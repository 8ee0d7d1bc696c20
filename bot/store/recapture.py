"""What a re-capture changes in the tables kept beside the values, read from the values it
replaces, before the merge. (The staged numbers beside those values are read back once and
summed in numpy: bot.store.restaged. What is left here is settling's re-comparison of the
numbers' earlier captures, over `replacing` when some snapshot's history holds them.)

A daily pull re-captures every number of its last days. Recomputing the cells it touched
from current_values, and folding every capture of its numbers for what they teach about
settling, read each number several times and sorted them all. Joined once with the
current value it replaces (along current_values' key), a staged number already says:

- for the daily comparison, how far its cell moves (new value minus the old, or the whole
  value and one more row where there was none) and, for snapshot_counts, which snapshot
  loses the number and which gains it;
- for the settling history, when the new capture is later than every stored one (a pull
  always is): the replaced value now has a later capture, compared with the new value, and
  every earlier capture of the number is compared with the new value instead of the
  replaced one. (A capture older than a stored one goes through bot.store.learned's fold.)

Each is a join and a `GROUP BY` on the days the capture covers; sums are added to the kept
rows (bot.store.comparison and bot.store.learned keep them the same way).
"""

from __future__ import annotations

from datetime import date, datetime

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
    between,
    exists,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from bot.store import learned
from bot.store.reader import whole_days_between
from bot.store.schema import (
    MAX_NAME_CHARS,
    snapshots,
    superseded_values,
)

# Per transaction: the staged numbers beside the current values they replace, filled by the
# writer (bot.store.restaged) only when some snapshot's history holds them, for settling's
# re-comparison of their earlier captures.
replacing = Table(
    "replacing_values",
    MetaData(),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("old_snapshot_id", Integer),
    Column("old_value", BigInteger),
    Column("old_captured_at", DateTime),
    # The series' channel, and the ages (whole days) of the staged and the replaced
    # captures: computed once, and plain columns for PostgreSQL's estimates (an
    # expression's are guesses, which chose a nested loop over series per row).
    Column("channel", String(MAX_NAME_CHARS), nullable=False),
    Column("new_age", Integer, nullable=False),
    Column("old_age", Integer),
    prefixes=["TEMPORARY"],
)


def learn_settling(
    conn: Connection,
    source: str,
    captured: datetime,
    first: date,
    last: date,
    now=None,
    holding: list[int] | None = None,
) -> None:
    """Before the merge, when no staged number has a capture later than `captured`: add
    what the new capture teaches, and what it changes in what the earlier ones taught.
    `now`, if given, is what the replaced values teach (summed by the writer, a select of
    the settling_moves columns), and `holding` the snapshots whose history to re-compare
    (`replacing` is read only if some are)."""
    r, sv, s = replacing.c, superseded_values.c, snapshots.c
    horizon = learned.HORIZON_DAYS
    # The replaced value (never a dropped snapshot's: a drop re-elects the current value)
    # now has a later capture: the new one.
    now_compared = (
        now
        if now is not None
        else (
            select(
                r.old_snapshot_id.label("snapshot_id"),
                r.metric,
                r.channel,
                r.old_age.label("age_days"),
                func.count().label("series"),
                func.sum(r.old_value).label("volume"),
                func.sum(r.value - r.old_value).label("change"),
                func.sum(func.abs(r.value - r.old_value)).label("abs_change"),
            )
            .where(between(r.new_age, 0, horizon), between(r.old_age, 0, horizon))
            .group_by(r.old_snapshot_id, r.metric, r.channel, r.old_age)
        )
    )
    # Earlier captures were compared with the replaced value, the latest; now with the new.
    if holding is None:
        holding = _history_holders(conn, source, first, last)
    earlier_age = whole_days_between(s.captured_at, sv.day)
    same_number = and_(sv.metric == r.metric, sv.day == r.day, sv.series_id == r.series_id)
    zero = literal(0, BigInteger)
    recompared = (
        select(
            sv.snapshot_id,
            r.metric,
            r.channel,
            earlier_age.label("age_days"),
            zero,
            zero,
            func.sum(r.value - r.old_value),
            func.sum(func.abs(r.value - sv.value) - func.abs(r.old_value - sv.value)),
        )
        .select_from(
            _LeftFirst(replacing, superseded_values, same_number).join(
                snapshots, s.id == sv.snapshot_id
            )
        )
        .where(
            sv.snapshot_id.in_(holding),
            sv.day >= first,
            sv.day <= last,
            s.dropped_at.is_(None),
            r.old_value.is_not(None),
            between(r.new_age, 0, horizon),
            between(earlier_age, 0, horizon),
        )
        .group_by(sv.snapshot_id, r.metric, r.channel, earlier_age)
    )
    both = union_all(now_compared, *([recompared] if holding else [])).subquery("both")
    b = both.c
    key = (b.snapshot_id, b.metric, b.channel, b.age_days)
    moves = select(*key, *(func.sum(b[n]).label(n) for n in learned.MOVES)).group_by(*key)
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        # Without statistics on the history (a store just filled, autovacuum not yet by),
        # PostgreSQL looked the history up per staged number by snapshot and day range
        # only: one chunk of a re-capture ran for over ten minutes at 1,000 journeys (its
        # hash join: seconds). Hash joins are the right plan at any size here.
        conn.execute(text("SET LOCAL enable_nestloop = off"))
        # A join kind switched off weighs its plans with a huge cost, over jit_above_cost:
        # PostgreSQL compiled the statement (about 2 s per chunk, of 0.1 s executed).
        conn.execute(text("SET LOCAL jit = off"))
        # Estimating one joined row, it sorted them all (a million at 250 journeys after
        # a few pulls: external merge on disk) to group them into a few hundred moves;
        # hashed in memory, the statement takes half the time. (The history's hash table
        # takes about 90 MB then, the writer's sort memory as learn_capture sets it.)
        conn.execute(text("SET LOCAL enable_sort = off"))
        conn.execute(text(f"SET LOCAL work_mem = '{learned.SORT_MEMORY}'"))
    learned.add(conn, moves)
    if postgres:
        conn.execute(text("SET LOCAL enable_nestloop = DEFAULT"))
        conn.execute(text("SET LOCAL jit = DEFAULT"))
        conn.execute(text("SET LOCAL enable_sort = DEFAULT"))


def _history_holders(
    conn: Connection, source: str, first: date, last: date, staged=None
) -> list[int]:
    """`source`'s snapshots with history rows that can be a staged number's. Each staged
    number probes the history once per snapshot listed: a re-capture's own snapshot, or one
    whose history so far is of other numbers (a file's earlier chunks' numbers), would be
    probed for nothing. Listed: a snapshot with history of the staged metrics and days and
    of a series strictly inside the staged series' range, or (a chunk's first and last
    series, which the chunks before and after it share) of one of those series' numbers.
    `staged`: (lowest series, highest, metrics, the edge series' numbers) when the writer
    has them (bot.store.restaged.edges), else read from `replacing`."""
    r, sv, s = replacing.c, superseded_values.c, snapshots.c
    if staged is not None:
        low, high, metrics, edges = staged
    else:
        low, high = conn.execute(select(func.min(r.series_id), func.max(r.series_id))).one()
    if low is None:
        return []
    if staged is None:
        metrics = list(conn.scalars(select(r.metric).distinct()))
        edges = conn.execute(
            select(r.metric, r.day, r.series_id).where(r.series_id.in_({low, high}))
        ).all()
    in_range = and_(sv.metric.in_(metrics), sv.day >= first, sv.day <= last)
    inside = exists().where(
        sv.snapshot_id == s.id, in_range, sv.series_id > low, sv.series_id < high
    )
    overlapping = and_(s.source == source, s.first_day <= last, s.last_day >= first)
    found = conn.execute(select(s.id, inside).where(overlapping).order_by(s.id)).all()
    return [i for i, has_inside in found if has_inside or _holds_any(conn, i, edges)]


def _holds_any(conn: Connection, snapshot_id: int, numbers: list) -> bool:
    """Whether snapshot `snapshot_id`'s history holds any of `numbers` (metric, day,
    series_id), looked up by the history's whole key a few hundred at a time. (A row-value
    `IN` list searched SQLite's key by the snapshot alone and tested each of its history
    rows against the list: every row of the snapshot read when none was there.) Written as
    the driver's SQL: SQLAlchemy compiled a `VALUES` list of 300 rows anew for every call
    (0.1 s each, twice per chunk of a re-captured file)."""
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    # SQLite: the listed numbers stay the outer loop (see _LeftFirst); PostgreSQL has no
    # CROSS JOIN with a condition, and plans with its statistics.
    joined = "CROSS JOIN" if sqlite else "JOIN"
    for at in range(0, len(numbers), 300):
        part = numbers[at : at + 300]
        rows = ", ".join([f"({mark}, {mark}, {mark})"] * len(part))
        statement = (
            f"WITH listed (metric, day, series_id) AS (VALUES {rows}) "
            f"SELECT 1 FROM listed {joined} superseded_values ON "
            f"superseded_values.snapshot_id = {mark} "
            "AND superseded_values.metric = listed.metric "
            "AND superseded_values.day = listed.day "
            "AND superseded_values.series_id = listed.series_id LIMIT 1"
        )
        flat = [
            value
            for metric, day, series_id in part
            for value in (metric, day.isoformat() if sqlite else day, series_id)
        ]
        if conn.exec_driver_sql(statement, (*flat, snapshot_id)).first() is not None:
            return True
    return False


class _LeftFirst(Join):
    """A join SQLite runs with its left side outside: each staged number looks up its
    earlier captures by the history's whole key. Left to itself SQLite (no statistics) read
    every history row of each snapshot holding the days (its key starts with the snapshot)
    and probed the staged numbers: for every chunk of a file read in chunks, 8 s of a
    14-day re-ingest's CPU at 1,000 journeys. PostgreSQL plans with its statistics."""

    inherit_cache = True


@compiles(_LeftFirst)
def _join(join, compiler, **kw):
    return compiler.visit_join(join, **kw)


@compiles(_LeftFirst, "sqlite")
def _join_left_first(join, compiler, **kw):
    # SQLite's documented way: the left table of a CROSS JOIN stays the outer loop.
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"
