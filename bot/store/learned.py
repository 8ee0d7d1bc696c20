"""What snapshot history teaches about settling, kept up to date as snapshots land.

A number (source, metric, day, series) captured when its day was k days old and captured
again later either moved or did not; the settling history sums, per source, metric,
channel and age, the values seen at that age and how far they moved up to the latest
capture (bot.reconcile.settling learns from it). Folding every observation of the window
for the first question after a pull costs seconds at a thousand journeys; this module keeps
the fold in `settling_moves` instead, by the snapshot of the earlier capture, so a question
sums a few hundred rows of the snapshots captured since its window.

Why the window can be applied afterwards: a value counts only when a later capture within
the horizon has the same number, and that capture is later, so inside any window the value
is in. Its latest capture within the horizon is then the same whatever the window, and so
is what it contributes.

Keeping it exact: a write changes what the numbers it touches taught (their latest value,
which values have a later one), and nothing else. A drop or an undo subtracts the moves of
the numbers it touches, folded from every stored capture of them, and adds them folded
again afterwards. A new capture changes less: it adds one capture to each number it has, so
the writer reads every capture of those numbers once, after the merge, and adds the
difference between the fold with the new capture and without it (`learn_capture`): one
sort of the numbers' captures instead of two folds of two windows each. A first capture of
a number teaches nothing (it has nothing to be compared with), so a first ingest costs
nothing here. A dropped snapshot teaches nothing and is left out of every fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.reader import HISTORY_COLUMNS, day_quarter, moves_by, observed_age
from bot.store.schema import (
    all_observations,
    current_values,
    settling_moves,
    snapshots,
    superseded_values,
)
from bot.store.schema import series as series_table

# The oldest age, in days, at which a capture is compared (bot.reconcile's horizon).
HORIZON_DAYS = 30
MOVES = ("series", "volume", "change", "abs_change")
_OBSERVED = ("snapshot_id", "metric", "day", "series_id", "value")


def moves(observations, horizon_days: int = HORIZON_DAYS, since: datetime | None = None):
    """`observations` ((snapshot_id, metric, day, series_id, value) rows) folded: per earlier
    capture's snapshot, metric, channel and age, the values a later capture within
    `horizon_days` saw again and how far they moved to the latest one. Only captures from
    `since` (naive UTC) are read when it is given (the window of a fold from scratch)."""
    o, s = observations.c, snapshots.c
    age = observed_age(observations)
    conditions = [s.dropped_at.is_(None), age >= 0, age <= horizon_days]
    if since is not None:
        conditions.append(s.captured_at >= since)
    return moves_by(observations, o.snapshot_id, conditions)


def _observations_of(source: str, keys: Table, first: date, last: date):
    """Every stored capture of `source`'s numbers listed in `keys` (metric, day, series_id,
    and journey_key when it has one, which lets current values be found by their key)."""
    cv, sv, s, k = current_values.c, superseded_values.c, snapshots.c, keys.c
    in_current = [cv.metric == k.metric, cv.day == k.day, cv.series_id == k.series_id]
    if "journey_key" in k:
        in_current.append(cv.journey_key == k.journey_key)
    # History by snapshot, the first column of its key: the source's snapshots of those days.
    holding = select(s.id).where(s.source == source, s.first_day <= last, s.last_day >= first)
    in_history = and_(sv.metric == k.metric, sv.day == k.day, sv.series_id == k.series_id)
    return union_all(
        select(*(cv[c] for c in _OBSERVED))
        .select_from(keys.join(current_values, and_(*in_current)))
        .where(cv.source == source),
        select(*(sv[c] for c in _OBSERVED))
        .select_from(keys.join(superseded_values, in_history))
        .where(sv.snapshot_id.in_(holding), sv.day >= first, sv.day <= last),
    ).subquery("observations")


def add(conn: Connection, folded) -> None:
    """Add moves (rows of the kept table's columns, one per key) to the kept ones."""
    _add(conn, folded, 1)


def _add(conn: Connection, folded, sign: int) -> None:
    """Add (or, with sign -1, subtract) folded moves to the kept ones."""
    f = folded.subquery("folded")
    rows = select(
        f.c.snapshot_id,
        f.c.metric,
        f.c.channel,
        f.c.age_days,
        *(literal(sign, BigInteger) * f.c[name] for name in MOVES),
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(settling_moves).from_select(
        [c.name for c in settling_moves.columns], rows
    )
    m = settling_moves.c
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[c.name for c in settling_moves.primary_key.columns],
            set_={name: m[name] + statement.excluded[name] for name in MOVES},
        )
    )
    if sign < 0:
        conn.execute(settling_moves.delete().where(m.series == 0))


# PostgreSQL's memory for the fold's window sort (work_mem), for the writing transaction: at
# the 4 MB default a daily pull's numbers spill to disk (the store's reads set the same).
SORT_MEMORY = "128MB"


def forget(conn: Connection, source: str, keys: Table, first: date, last: date) -> None:
    """Before a write that changes the captures of the numbers in `keys` (all `source`'s,
    days from `first` to `last`): take out what they taught."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
    _add(conn, moves(_observations_of(source, keys, first, last)), -1)


def relearn(conn: Connection, source: str, keys: Table, first: date, last: date) -> None:
    """After that write: add what the same numbers teach now."""
    _add(conn, moves(_observations_of(source, keys, first, last)), 1)


def learn_capture(
    conn: Connection,
    source: str,
    keys: Table,
    first: date,
    last: date,
    snapshot_id: int,
    captured: datetime,
) -> None:
    """After snapshot `snapshot_id` (captured at `captured`, naive UTC: the newest snapshot)
    gave the numbers in `keys` a capture each: add what that capture changed in what they
    teach, the fold of their captures with it minus the fold without it, in one pass.

    Per number, its captures within the horizon in order, latest first: with the new one,
    each capture but the latest is compared with the latest; without it, the same, the new
    capture left out. Both are read off one window over the captures: the first and second
    values, whether the new capture is there and first, and whether a capture was taken
    before it (the new snapshot has the highest id, so: not after its time)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
    observations = _observations_of(source, keys, first, last)
    o, s = observations.c, snapshots.c
    age = observed_age(observations)
    latest_first = {
        "partition_by": (o.metric, o.series_id, o.day),
        "order_by": (s.captured_at.desc(), s.id.desc()),
        "rows": (None, None),
    }
    is_new = case((o.snapshot_id == snapshot_id, 1), else_=0)
    seen = (
        select(
            o.snapshot_id,
            o.metric,
            o.series_id,
            age.label("age_days"),
            o.value,
            is_new.label("is_new"),
            # before the new capture: it is later, once it is there
            case((s.captured_at <= captured, 1), else_=0).label("earlier"),
            func.row_number().over(**latest_first).label("place"),
            func.first_value(o.value).over(**latest_first).label("latest"),
            func.nth_value(o.value, literal_column("2")).over(**latest_first).label("runner_up"),
            func.max(is_new).over(**latest_first).label("has_new"),
            func.first_value(is_new).over(**latest_first).label("new_latest"),
        )
        .select_from(observations.join(snapshots, o.snapshot_id == s.id))
        .where(s.dropped_at.is_(None), age >= 0, age <= HORIZON_DAYS)
        .subquery("seen")
    )
    v, sr = seen.c, series_table.c
    # With the new capture: every capture but the latest. Without it: the others, those
    # with a later capture among the others, compared with the latest of the others.
    later_with = case((v.place > 1, 1), else_=0)
    later_without = case((or_(v.is_new == 1, v.place - 1 - v.earlier * v.has_new <= 0), 0), else_=1)
    # (no second capture: nothing is compared without the new one; any number will do)
    latest_without = case((v.new_latest == 1, func.coalesce(v.runner_up, v.latest)), else_=v.latest)

    def net(with_new, without):
        return func.sum(later_with * with_new) - func.sum(later_without * without)

    moved = net(v.latest - v.value, latest_without - v.value)
    folded = (
        select(
            v.snapshot_id,
            v.metric,
            sr.channel,
            v.age_days,
            net(1, 1).label("series"),
            net(v.value, v.value).label("volume"),
            moved.label("change"),
            net(func.abs(v.latest - v.value), func.abs(latest_without - v.value)).label(
                "abs_change"
            ),
        )
        .select_from(seen.join(series_table, sr.id == v.series_id))
        .where(v.has_new == 1)  # the new capture out of the horizon: nothing changed
        .group_by(v.snapshot_id, v.metric, sr.channel, v.age_days)
    )
    _add(conn, folded, 1)
    m = settling_moves.c
    conn.execute(settling_moves.delete().where(m.series == 0))


def rebuild(conn: Connection) -> None:
    """Fold every stored observation afresh (a store upgraded to version 7)."""
    conn.execute(settling_moves.delete())
    _add(conn, moves(all_observations()), 1)


def history(conn: Connection, captured_since: datetime, metrics: Sequence[str] = ()):
    """The settling history of the captures since `captured_since` (the horizon's), as
    bot.store.reader.settling_history returns it: summed from the kept moves."""
    since = captured_since.astimezone(UTC).replace(tzinfo=None)
    m, s = settling_moves.c, snapshots.c
    conditions = [s.captured_at >= since, s.dropped_at.is_(None)]
    if metrics:
        conditions.append(m.metric.in_(list(metrics)))
    # The capture's hour gives each kept row's age in quarter days (a snapshot's days of
    # one age in whole days are one day, captured at that hour of its age).
    quarters = (m.age_days * 4 + day_quarter(s.captured_at)).label("age_quarters")
    group = (s.source, m.metric, m.channel, m.age_days)
    statement = (
        select(*group, *(func.sum(m[name]) for name in MOVES), quarters)
        .select_from(settling_moves.join(snapshots, s.id == m.snapshot_id))
        .where(*conditions)
        .group_by(*group, quarters)
        .having(func.sum(m.series) > 0)
        .order_by(*group, quarters)
    )
    return typed(conn.execute(statement).all())


def typed(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    for column in HISTORY_COLUMNS[3:]:
        frame[column] = frame[column].astype("int64")
    return frame
