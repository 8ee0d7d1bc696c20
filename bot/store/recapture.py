"""What a re-capture changes in the tables kept beside the values, read from the values it
replaces, before the merge.

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
    Connection,
    DateTime,
    Integer,
    Table,
    and_,
    between,
    case,
    exists,
    func,
    literal,
    select,
    union_all,
)

from bot.store import comparison, learned
from bot.store.reader import whole_days_between
from bot.store.schema import (
    current_values,
    series,
    snapshots,
    superseded_values,
)


def later_stored(conn: Connection, staging: Table, same_key, captured: datetime) -> bool:
    """Whether some staged number has a current value captured after `captured`."""
    c = current_values.c
    joined = staging.join(current_values, same_key)
    later = select(exists(select(c.value).select_from(joined).where(c.captured_at > captured)))
    return bool(conn.scalar(later))


def update_cells(
    conn: Connection,
    staging: Table,
    same_key,
    source: str,
    snapshot_id: int,
    captured: datetime,
    first: date,
    last: date,
) -> None:
    """Before the merge: add to the daily comparison and to snapshot_counts what the staged
    values change (a staged value replaces a current one captured no later than it)."""
    c, st = current_values.c, staging.c
    joined = staging.outerjoin(current_values, same_key)
    new, wins = c.value.is_(None), c.captured_at <= captured
    moved = func.sum(case((new, st.value), (wins, st.value - c.value), else_=0))
    added = func.sum(case((new, 1), else_=0))
    zero = literal(0, BigInteger)
    sides = {source: moved, f"{source}_rows": added}
    cell = (st.metric, st.day, st.journey_key)
    rows = (
        select(
            *cell,
            *(sides.get(name, zero) for name in ("ajo", "cja", "ajo_rows", "cja_rows")),
        )
        .select_from(joined)
        .group_by(*cell)
    )
    comparison.add(conn, rows, source)
    gained = (
        select(*cell, literal(snapshot_id, Integer), func.count())
        .select_from(joined)
        .where(new | wins)
        .group_by(*cell)
    )
    lost = (
        select(*cell, c.snapshot_id, -func.count())
        .select_from(staging.join(current_values, same_key))
        .where(wins)
        .group_by(*cell, c.snapshot_id)
    )
    comparison.count(conn, gained, first, last)
    comparison.count(conn, lost, first, last)


def learn_settling(
    conn: Connection,
    staging: Table,
    same_key,
    source: str,
    captured: datetime,
    first: date,
    last: date,
) -> None:
    """Before the merge, when no staged number has a capture later than `captured`: add
    what the new capture teaches, and what it changes in what the earlier ones taught."""
    c, st, sv, s, sr = current_values.c, staging.c, superseded_values.c, snapshots.c, series.c
    horizon = learned.HORIZON_DAYS
    at = literal(captured, DateTime)
    new_age = whole_days_between(at, st.day)
    replaced_age = whole_days_between(c.captured_at, st.day)
    # The replaced value (never a dropped snapshot's: a drop re-elects the current value)
    # now has a later capture: the new one.
    replaced = (
        select(
            c.snapshot_id,
            st.metric,
            sr.channel,
            replaced_age.label("age_days"),
            func.count().label("series"),
            func.sum(c.value).label("volume"),
            func.sum(st.value - c.value).label("change"),
            func.sum(func.abs(st.value - c.value)).label("abs_change"),
        )
        .select_from(staging.join(current_values, same_key).join(series, sr.id == st.series_id))
        .where(between(new_age, 0, horizon), between(replaced_age, 0, horizon))
        .group_by(c.snapshot_id, st.metric, sr.channel, replaced_age)
    )
    # Earlier captures were compared with the replaced value, the latest; now with the new.
    holding = select(s.id).where(s.source == source, s.first_day <= last, s.last_day >= first)
    earlier_age = whole_days_between(s.captured_at, sv.day)
    same_number = and_(sv.metric == st.metric, sv.day == st.day, sv.series_id == st.series_id)
    zero = literal(0, BigInteger)
    earlier = (
        select(
            sv.snapshot_id,
            st.metric,
            sr.channel,
            earlier_age.label("age_days"),
            zero,
            zero,
            func.sum(st.value - c.value),
            func.sum(func.abs(st.value - sv.value) - func.abs(c.value - sv.value)),
        )
        .select_from(
            staging.join(current_values, same_key)
            .join(superseded_values, same_number)
            .join(snapshots, s.id == sv.snapshot_id)
            .join(series, sr.id == st.series_id)
        )
        .where(
            sv.snapshot_id.in_(holding),
            sv.day >= first,
            sv.day <= last,
            s.dropped_at.is_(None),
            between(new_age, 0, horizon),
            between(earlier_age, 0, horizon),
        )
        .group_by(sv.snapshot_id, st.metric, sr.channel, earlier_age)
    )
    both = union_all(replaced, earlier).subquery("both")
    b = both.c
    key = (b.snapshot_id, b.metric, b.channel, b.age_days)
    moves = select(*key, *(func.sum(b[name]).label(name) for name in learned.MOVES)).group_by(*key)
    learned.add(conn, moves)
