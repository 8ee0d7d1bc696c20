"""Read queries. Filtering and aggregation happen in SQL; callers get small frames."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Integer,
    Table,
    and_,
    case,
    func,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from bot.metrics import METRICS
from bot.store.schema import (
    current_values,
    daily_comparison,
    journeys,
    series,
    snapshots,
    superseded_values,
)

# Up to this many journeys, a question reads them through the journey index.
FEW_JOURNEYS = 50
COMPARISON_COLUMNS = ("journey_key", "day", "metric", "ajo", "cja", "ajo_rows", "cja_rows")
HISTORY_COLUMNS = (
    "source", "metric", "channel", "age_days", "series", "volume", "change", "abs_change",
    "age_quarters",
)  # fmt: skip


def _frame(rows: list, columns: Sequence[str]) -> pd.DataFrame:
    """DB-API tuples to a frame: from_records takes them in one pass, twice as fast as
    building the columns first (0.15 s against 0.30 s for the 13-month question's rows)."""
    if not rows:
        return pd.DataFrame(dict.fromkeys(columns, ()))
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _raw_rows(conn: Connection, statement) -> list[tuple]:
    """The DB-API's plain tuples: for wide results, building a Row per tuple costs more
    than the database's own work. Only for columns that need no result processing."""
    return conn.execute(statement).cursor.fetchall()


def _raw_chunks(conn: Connection, statement, size: int = 1 << 16) -> Iterator[list[tuple]]:
    """`_raw_rows` a chunk at a time: every row's tuple held at once was a gigabyte for the
    13-month question at 1,000 journeys (4 M cells), for the moment it took to copy them
    into an array."""
    cursor = conn.execute(statement).cursor
    while chunk := cursor.fetchmany(size):
        yield chunk


def comparison_frame(
    conn: Connection,
    start: date,
    end: date,
    metrics: Sequence[str] = (),
    journey_keys: Sequence[int] = (),
) -> pd.DataFrame:
    """Both sources side by side per (journey, day, metric), summed over actions and channels.

    Read from the daily comparison table the writer keeps (bot.store.comparison): one row
    per cell along its primary key (metric, day, journey), or its journey index when the
    question names journeys. `*_rows` count the stored rows behind each side, to tell a
    reported 0 from no data.

    Every column is read as an integer (the day as days since 1970, the metric as its place
    in METRICS) and the rows become one integer array: a date or a name per row cost the
    driver and pandas as much again as the numbers (13 months at 250 journeys: about 2.1 s
    of CPU against 1.3 s). Many rows from SQLite come as one text per (metric, day) of the
    primary key (`_grouped_read`).
    """
    dc = daily_comparison.c
    names = tuple(metrics) or METRICS
    code = case({name: i for i, name in enumerate(names)}, value=dc.metric, else_=-1)
    statement = select(
        dc.journey_key, epoch_days(dc.day), code, dc.ajo, dc.cja, dc.ajo_rows, dc.cja_rows
    ).where(dc.day >= start, dc.day <= end)
    if metrics:
        statement = statement.where(dc.metric.in_(metrics))
    if journey_keys:
        statement = statement.where(dc.journey_key.in_(journey_keys))
    statement = by_journey_index(statement, daily_comparison, journey_keys, metrics)
    # Many rows from SQLite: one text per (metric, day) holding its cells' numbers.
    few = 0 < len(journey_keys) <= FEW_JOURNEYS
    if not few and conn.dialect.name == "sqlite" and _GROUPED:
        columns = _grouped_read(conn, statement, code)
    else:
        width = len(statement.selected_columns)
        blocks = [np.array(rows, dtype=np.int64) for rows in _raw_chunks(conn, statement)]
        values = np.concatenate(blocks) if blocks else np.zeros((0, width), dtype=np.int64)
        del blocks
        columns = dict(zip(COMPARISON_COLUMNS, values.T, strict=True))
        del values
    if (columns["metric"] < 0).any():
        raise ValueError("a stored metric is not one Parity knows")  # validated at ingest
    columns["day"] = columns["day"].astype("datetime64[D]").astype("datetime64[us]")
    columns["metric"] = _metric_names(columns["metric"], names)
    return pd.DataFrame(columns)


# SQLite hands each value of a row over as a Python int (about 1 µs per cell of seven
# columns at 1,000 journeys, a tuple each). Instead, per (metric, day) of the primary key,
# SQLite writes its cells' numbers (journey, AJO, CJA and the two row counts) as one text,
# which numpy reads in one pass; the day and the metric are the group's, read once. The
# 30-day Sent question's read at 250 journeys (46,500 cells): about 45 -> 26 ms of CPU in
# SQLite and the driver. False: every read as tuples (the tests' reference).
_GROUPED = True
# Groups fetched at once: at 1,000 journeys a group's text is about 30 kB, and every
# group's at once was the 13-month question's cells over again as text.
_GROUPS_PER_FETCH = 64


def _grouped_read(conn: Connection, statement, code) -> dict[str, np.ndarray]:
    """`statement`'s cells as the seven comparison columns, read a group of the primary
    key (metric, day) at a time, in the key's order: the groups and each group's cells
    come in the order the tuples' read gives them (no sort: a test reads the plan)."""
    dc = daily_comparison.c
    cells = func.printf("%d,%d,%d,%d,%d", dc.journey_key, dc.ajo, dc.cja, dc.ajo_rows, dc.cja_rows)
    grouped = statement.with_only_columns(
        code, epoch_days(dc.day), func.count(), func.group_concat(cells, ",")
    ).group_by(dc.metric, dc.day)
    groups, blocks = [], []
    for chunk in _raw_chunks(conn, grouped, _GROUPS_PER_FETCH):
        # A fetch's groups read as one array: an array per group (a few kB each, 4,000 of
        # them for the 13-month question) stayed in the heap's pieces after the read.
        block = np.fromstring(",".join(text for *_, text in chunk), dtype=np.int64, sep=",")
        groups.extend(group for *group, _ in chunk)
        if len(block) != 5 * sum(count for _, _, count in groups[-len(chunk) :]):
            raise ValueError("the daily comparison was not read whole")  # numpy stops there
        blocks.append(block)
    values = np.concatenate(blocks).reshape(-1, 5) if blocks else np.zeros((0, 5), np.int64)
    del blocks
    metric, day, count = np.array(groups, dtype=np.int64).reshape(-1, 3).T
    return {
        "journey_key": values[:, 0].copy(),
        "day": np.repeat(day, count),
        "metric": np.repeat(metric, count),
        "ajo": values[:, 1].copy(),
        "cja": values[:, 2].copy(),
        "ajo_rows": values[:, 3].copy(),
        "cja_rows": values[:, 4].copy(),
    }


def _metric_names(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    """The metric of each row (its place in `names`) as a categorical in name order: a
    byte per row, where a string per row was a quarter of the 13-month frame at 1,000
    journeys, and every copy of a metric's rows took its strings too."""
    ordered = sorted(set(names))
    place = np.array([ordered.index(name) for name in names], dtype=np.int8)
    return pd.Categorical.from_codes(place[codes], categories=ordered)


# SQLite reads a table named by a `by_journey_index` statement through its journey index.
_SQLITE_INDEX = "sqlite"


def by_journey_index(statement, table, journey_keys: Sequence[int], metrics: Sequence[str]):
    """`statement` (reading `table`, its days and any `metrics` filtered) searching
    `table`'s journey index by journey, metric and day on SQLite when it names a few
    journeys. Without `metrics`, every metric Parity knows is named (the same rows: the
    writer stores no other), so that the days narrow the search too.

    Without statistics SQLite would walk every journey's days along the primary key (and
    with one metric it prefers that key, which holds every column); a unary + on the
    metric kept it to the index but searched it by the journey alone, reading every day
    of every metric stored for the journey (one journey's 90 days: 6 ms of 8 in the
    comparison read and in its sources, against about 2 with the whole index key)."""
    if not 0 < len(journey_keys) <= FEW_JOURNEYS:
        return statement
    if not metrics:
        statement = statement.where(table.c.metric.in_(METRICS))
    index = f"ix_{table.name}_journey"
    return statement.with_hint(table, f"INDEXED BY {index}", _SQLITE_INDEX)


@compiles(Table, "sqlite")
def _table_sqlite(element, compiler, **kw):
    """A table with its hint (`by_journey_index`): SQLAlchemy's SQLite compiler drops
    hints, though SQLite reads `INDEXED BY` after a table's name."""
    text = compiler.visit_table(element, **kw)
    hint = (kw.get("fromhints") or {}).get(element)
    if hint and kw.get("asfrom") and not kw.get("ashint"):
        text += f" {hint}"
    return text


class epoch_days(FunctionElement):
    """A date as whole days since 1970-01-01: an integer every driver hands over cheaply."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_days)
def _epoch_standard(element, compiler, **kw):
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({day} - DATE '1970-01-01')"


@compiles(epoch_days, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({day}) - 2440587.5 AS INTEGER)"


class whole_days_between(FunctionElement):
    """Whole days from a date to a later timestamp (a capture's age in days, rounded down).

    Date arithmetic is the one thing SQL dialects spell differently: SQLite counts in Julian
    days, PostgreSQL (and the SQL standard) subtracts into an interval.
    """

    type = Integer()
    inherit_cache = True


@compiles(whole_days_between)
def _days_standard(element, compiler, **kw):
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(DAY FROM ({later} - CAST({earlier} AS TIMESTAMP))) AS INTEGER)"


@compiles(whole_days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class day_quarter(FunctionElement):
    """Which quarter of its day (0-3: the UTC clock's hours over 6) a timestamp falls in: a
    capture's age in quarter days is its age in whole days times 4 plus this."""

    type = Integer()
    inherit_cache = True


@compiles(day_quarter)
def _quarter_standard(element, compiler, **kw):
    (taken,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(EXTRACT(HOUR FROM {taken}) AS INTEGER) / 6)"


@compiles(day_quarter, "sqlite")
def _quarter_sqlite(element, compiler, **kw):
    (taken,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST(strftime('%H', {taken}) AS INTEGER) / 6)"


def settling_history(
    conn: Connection,
    captured_since: datetime,
    max_age_days: int,
    metrics: Sequence[str] = (),
) -> pd.DataFrame:
    """How much each source's values still moved after a capture, per metric and age.

    Every stored number (journey, action, channel, day) seen by a snapshot captured since
    `captured_since`, at most `max_age_days` after its day, is compared with the same
    number in the latest such snapshot. One row per (source, metric, age in whole days, age
    in quarter days): `series` numbers seen again later, their `volume` at that age, and
    the net `change` to their latest value, and the absolute size of those changes (to tell
    drift from jitter). The quarter days say at what hour of the age the capture was taken
    (bot.reconcile.arrival reads late records by it).
    Window functions pair each value with the latest and GROUP BY folds them, so only a few
    hundred rows leave the database however long the history is.
    """
    since = captured_since.astimezone(UTC).replace(tzinfo=None)
    first_day = (since - timedelta(days=max_age_days + 1)).date()
    return folded(conn, _seen_again(since, first_day, metrics), since, max_age_days, metrics)


def folded(conn: Connection, observations, since: datetime, max_age_days: int, metrics):
    """The settling history of `observations` ((snapshot_id, metric, day, series_id, value)
    rows, every stored one or those `_seen_again`) for captures since `since` (naive UTC)."""
    o, s = observations.c, snapshots.c
    age = observed_age(observations)
    # A source needs two captures for anything to be compared; a day more than the horizon
    # before the first capture is too old for every capture (this bound uses the key).
    kept = s.dropped_at.is_(None)  # a dropped snapshot teaches nothing
    compared = (
        select(s.source)
        .where(s.captured_at >= since, kept)
        .group_by(s.source)
        .having(func.count() >= 2)
    )
    conditions = [
        kept,
        s.captured_at >= since,
        s.source.in_(compared),
        o.day >= (since - timedelta(days=max_age_days + 1)).date(),
        age >= 0,
        age <= max_age_days,
    ]
    if metrics:
        conditions.append(o.metric.in_(list(metrics)))
    grouped = moves_by(observations, s.source, conditions, quarters=True)
    statement = grouped.order_by(*grouped.selected_columns[:4], grouped.selected_columns[8])
    frame = pd.DataFrame(conn.execute(statement).all(), columns=list(HISTORY_COLUMNS))
    for column in HISTORY_COLUMNS[3:]:
        frame[column] = frame[column].astype("int64")
    return frame


def observed_age(observations):
    """How many whole days after its day each of `observations` was captured."""
    return whole_days_between(snapshots.c.captured_at, observations.c.day)


def moves_by(observations, by, conditions: Sequence, quarters: bool = False):
    """Per (`by`, metric, channel, age) of `observations` joined to their snapshots where
    `conditions` hold: the values a later capture saw again (`series`), their `volume`,
    and how far they moved to the latest capture, net (`change`) and absolute
    (`abs_change`). The one fold behind both the settling history read at once and the
    one kept at ingest (bot.store.learned), which must agree exactly. `quarters`: per age
    in quarter days too (`age_quarters`, last; the kept fold is per snapshot, whose
    capture time gives it when read)."""
    o, s = observations.c, snapshots.c
    key = (s.source, o.metric, o.series_id, o.day)
    order = (s.captured_at, s.id)
    values = (
        select(
            by.label("by"),
            o.metric,
            o.series_id,
            observed_age(observations).label("age_days"),
            day_quarter(s.captured_at).label("quarter"),
            o.value,
            func.last_value(o.value)
            .over(partition_by=key, order_by=order, rows=(0, None))
            .label("latest"),
            func.count().over(partition_by=key, order_by=order, rows=(1, None)).label("later"),
        )
        .select_from(observations.join(snapshots, o.snapshot_id == s.id))
        .where(and_(*conditions))
        .subquery("seen")
    )
    v, sr = values.c, series.c
    by_quarter = [(v.age_days * 4 + v.quarter).label("age_quarters")] if quarters else []
    return (
        select(
            v.by.label(by.name),
            v.metric,
            sr.channel,
            v.age_days,
            func.count().label("series"),
            func.sum(v.value).label("volume"),
            func.sum(v.latest - v.value).label("change"),
            func.sum(func.abs(v.latest - v.value)).label("abs_change"),
            *by_quarter,
        )
        .select_from(values.join(series, sr.id == v.series_id))
        .where(v.later > 0)
        .group_by(v.by, v.metric, sr.channel, v.age_days, *by_quarter)
    )


def _seen_again(since: datetime, first_day: date, metrics: Sequence[str]):
    """The observations settling can learn from: the values superseded since `since` (on
    days from `first_day`), and the current values of the same numbers.

    A number never superseded since then has one value in the window and is compared with
    nothing, so leaving it out changes no figure; what is left is read from the history and
    looked up by full key in current_values, instead of every current value of the store
    (the numbers a daily pull re-captured, not the 13 months the first ingest wrote).
    """
    sv, cv, s, sr = superseded_values.c, current_values.c, snapshots.c, series.c
    # By snapshot first: superseded_values' key starts with it, and history only grows.
    recent = select(s.id).where(s.captured_at >= since)
    conditions = [sv.snapshot_id.in_(recent), s.captured_at >= since, sv.day >= first_day]
    if metrics:
        conditions.append(sv.metric.in_(list(metrics)))
    earlier = superseded_values.join(snapshots, sv.snapshot_id == s.id)
    moved = (
        select(s.source, sv.metric, sv.day, sr.journey_key, sv.series_id)
        .distinct()
        .select_from(earlier.join(series, sr.id == sv.series_id))
        .where(*conditions)
        .subquery("moved")
    )
    m = moved.c
    same_number = and_(
        cv.metric == m.metric,
        cv.day == m.day,
        cv.journey_key == m.journey_key,
        cv.series_id == m.series_id,
        cv.source == m.source,
    )
    columns = ("snapshot_id", "metric", "day", "series_id", "value")
    return union_all(
        select(*(sv[c] for c in columns)).select_from(earlier).where(*conditions),
        select(*(cv[c] for c in columns)).select_from(current_values.join(moved, same_number)),
    ).subquery("observations")


def journey_names(conn: Connection) -> dict[int, str]:
    """Journey key -> display name."""
    return dict(conn.execute(select(journeys.c.id, journeys.c.name)).all())


@dataclass(frozen=True)
class SourceOverview:
    """How much one source has stored and how fresh it is."""

    source: str
    snapshots: int
    rows: int
    first_day: date | None
    last_day: date | None
    last_captured_at: datetime | None
    last_origin: str | None

    def age_hours(self, now: datetime) -> float | None:
        if self.last_captured_at is None:
            return None
        return (now - self.last_captured_at).total_seconds() / 3600

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "snapshots": self.snapshots,
            "rows": self.rows,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "last_captured_at": self.last_captured_at.isoformat()
            if self.last_captured_at
            else None,
            "last_origin": self.last_origin,
        }


def source_overview(conn: Connection, source: str) -> SourceOverview:
    s = snapshots.c
    count, rows, first_day, last_day, last_captured = conn.execute(
        select(
            func.count(s.id),
            func.coalesce(func.sum(s.row_count), 0),
            func.min(s.first_day),
            func.max(s.last_day),
            func.max(s.captured_at),
        ).where(s.source == source, s.dropped_at.is_(None))
    ).one()
    last_origin = conn.scalar(
        select(s.origin)
        .where(s.source == source, s.dropped_at.is_(None))
        .order_by(s.captured_at.desc(), s.id.desc())
    )
    return SourceOverview(
        source=source,
        snapshots=count,
        rows=int(rows),
        first_day=first_day,
        last_day=last_day,
        last_captured_at=last_captured.replace(tzinfo=UTC) if last_captured else None,
        last_origin=last_origin,
    )


def last_captured(conn: Connection, source: str) -> datetime | None:
    """When the source's latest kept snapshot was captured (UTC), None before any."""
    s = snapshots.c
    latest = conn.scalar(
        select(func.max(s.captured_at)).where(s.source == source, s.dropped_at.is_(None))
    )
    return latest.replace(tzinfo=UTC) if latest else None


def series_channels(conn: Connection) -> list[tuple[int, str]]:
    """Each journey's stored channels, (journey key, channel) once each ('' included)."""
    sr = series.c
    return [(k, c) for k, c in conn.execute(select(sr.journey_key, sr.channel).distinct())]
