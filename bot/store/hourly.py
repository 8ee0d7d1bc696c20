"""AJO's counts per UTC hour, kept from Query Service pulls for the time-zone diagnosis.

A data view in another zone than the reporting one counts each event on the day its own
clock says. Daily numbers only show that as a swing to fit; AJO's hourly counts show it
exactly: re-cut them into the data view's days and the difference is what moved
(bot.reconcile.hourly). A pull writes them in the snapshot's own transaction, replacing
every hour it counted (for every series: a journey absent from the pull had no events);
a question reads the hours whose latest pull's snapshot is not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, delete, func, insert, select

from bot.store import bulk
from bot.store.identity import resolve_journeys, resolve_series
from bot.store.schema import hourly_counts, hourly_spans, snapshots

_EPOCH = datetime(1970, 1, 1)
_HOUR = np.timedelta64(1, "h")
# Hours read on each side of a question's days: a data view's day may start up to 14 hours
# before the reporting zone's and the comparison frame is a day wider than the question.
_MARGIN_DAYS = 3


def hour_number(moment: datetime | np.ndarray) -> int | np.ndarray:
    """Whole hours since 1970-01-01 00:00 UTC of a naive UTC datetime (or datetime64)."""
    if isinstance(moment, datetime):
        return int((moment.replace(tzinfo=None) - _EPOCH) // timedelta(hours=1))
    return (np.asarray(moment).astype("datetime64[h]") - np.datetime64(_EPOCH, "h")) // _HOUR


@dataclass(frozen=True, eq=False)
class PulledHours:
    """One pull's hourly counts: `rows` has journey, journey_id, channel, metric, utc_hour
    (naive UTC) and value (hours without events may be left out); [first_hour, end_hour)
    is every UTC hour the pull counted."""

    rows: pd.DataFrame
    first_hour: datetime
    end_hour: datetime


@dataclass(frozen=True, eq=False)
class AjoHours:
    """AJO's hourly counts a question can use: per journey, metric and UTC hour (`hour` in
    whole hours since 1970 UTC), and the hours they cover (counted by a pull whose snapshot
    stands: an hour inside and absent from `counts` had no events)."""

    counts: pd.DataFrame  # journey_key, metric, hour, value
    covered: np.ndarray  # sorted hour numbers covered
    # (snapshot id, captured_at) of the pulls the covered hours come from, latest last
    pulls: tuple[tuple[int, datetime], ...]

    def covers(self, first: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Per [first, end) hour span, whether every hour in it is covered."""
        runs = _runs(self.covered)
        where = np.searchsorted(runs[:, 0], first, side="right") - 1 if len(runs) else None
        if where is None:
            return np.zeros(len(first), dtype=bool)
        inside = where >= 0
        ends = runs[np.maximum(where, 0), 1]
        return inside & (ends >= end)


def _runs(hours: np.ndarray) -> np.ndarray:
    """[run, (first, end)]: consecutive hours merged."""
    if not len(hours):
        return np.zeros((0, 2), dtype=np.int64)
    breaks = np.flatnonzero(np.diff(hours) != 1)
    starts = np.r_[hours[0], hours[breaks + 1]]
    ends = np.r_[hours[breaks] + 1, hours[-1] + 1]
    return np.column_stack([starts, ends])


def save(conn: Connection, snapshot_id: int, pulled: PulledHours) -> int:
    """Write one pull's hours (inside the snapshot's transaction): its span, then its
    counts in place of every earlier pull's for those hours. Returns the rows written."""
    first, end = hour_number(pulled.first_hour), hour_number(pulled.end_hour)
    span = conn.execute(
        insert(hourly_spans).values(snapshot_id=snapshot_id, first_hour=first, end_hour=end)
    ).inserted_primary_key[0]
    h = hourly_counts.c
    conn.execute(delete(hourly_counts).where(h.hour >= first, h.hour < end))
    rows = pulled.rows.loc[pulled.rows["value"] > 0]
    if rows.empty:
        return 0
    series = rows[["journey", "journey_id", "channel"]].drop_duplicates()
    keys = resolve_journeys(conn, zip(series["journey"], series["journey_id"], strict=True))
    triples = [
        (keys[(j, i)], "", c)
        for j, i, c in zip(series["journey"], series["journey_id"], series["channel"], strict=True)
    ]
    ids = resolve_series(conn, triples)
    journey_key = [keys[(j, i)] for j, i in zip(rows["journey"], rows["journey_id"], strict=True)]
    series_id = [ids[(k, "", c)] for k, c in zip(journey_key, rows["channel"], strict=True)]
    hour = hour_number(rows["utc_hour"].to_numpy(dtype="datetime64[us]"))
    inside = (hour >= first) & (hour < end)
    summed = (
        pd.DataFrame(
            {
                "metric": rows["metric"].to_numpy(),
                "hour": hour,
                "series_id": series_id,
                "journey_key": journey_key,
                "value": rows["value"].to_numpy(dtype=np.int64),
            }
        )
        .loc[inside]
        .groupby(["metric", "hour", "series_id", "journey_key"], as_index=False)["value"]
        .sum()
    )
    bulk.insert(
        conn,
        hourly_counts,
        {
            "metric": summed["metric"].to_numpy(dtype=object),
            "hour": summed["hour"].to_numpy(dtype=np.int64),
            "series_id": summed["series_id"].to_numpy(dtype=np.int64),
            "journey_key": summed["journey_key"].to_numpy(dtype=np.int64),
            "value": summed["value"].to_numpy(dtype=np.int64),
        },
        {"span_id": span},
    )
    return len(summed)


def read(
    conn: Connection,
    start: date,
    end: date,
    metrics: tuple[str, ...] = (),
    journey_keys: tuple[int, ...] = (),
) -> AjoHours | None:
    """AJO's hourly counts around the days `start`..`end` (a margin each side), per journey
    and metric; None when no standing pull counted any of those hours."""
    low = hour_number(datetime.combine(start, datetime.min.time()) - timedelta(days=_MARGIN_DAYS))
    high = hour_number(datetime.combine(end, datetime.min.time()) + timedelta(days=_MARGIN_DAYS))
    sp, s = hourly_spans.c, snapshots.c
    spans = conn.execute(
        select(sp.id, sp.snapshot_id, sp.first_hour, sp.end_hour, s.captured_at, s.dropped_at)
        .join(snapshots, snapshots.c.id == sp.snapshot_id)
        .where(sp.end_hour > low, sp.first_hour < high)
        .order_by(sp.id)
    ).all()
    if not spans:
        return None
    owner = np.full(high - low, -1, dtype=np.int64)
    for index, span in enumerate(spans):
        owner[max(span.first_hour - low, 0) : max(span.end_hour - low, 0)] = index
    standing = np.array([span.dropped_at is None for span in spans])
    covered = (owner >= 0) & standing[np.maximum(owner, 0)]
    if not covered.any():
        return None
    used = sorted(set(owner[covered].tolist()))
    h = hourly_counts.c
    conditions = [h.hour >= low, h.hour < high]
    if metrics:
        conditions.append(h.metric.in_(list(metrics)))
    if journey_keys:
        conditions.append(h.journey_key.in_(list(journey_keys)))
    rows = conn.execute(
        select(h.journey_key, h.metric, h.hour, func.sum(h.value).label("value"))
        .join(hourly_spans, hourly_spans.c.id == h.span_id)
        .join(snapshots, snapshots.c.id == hourly_spans.c.snapshot_id)
        .where(and_(*conditions), snapshots.c.dropped_at.is_(None))
        .group_by(h.journey_key, h.metric, h.hour)
        .order_by(h.journey_key, h.metric, h.hour)
    ).all()
    counts = pd.DataFrame(rows, columns=["journey_key", "metric", "hour", "value"])
    counts = counts.astype({"journey_key": np.int64, "hour": np.int64, "value": np.int64})
    pulls = tuple((spans[i].snapshot_id, spans[i].captured_at.replace(tzinfo=UTC)) for i in used)
    return AjoHours(counts, np.flatnonzero(covered) + low, tuple(dict.fromkeys(pulls)))
