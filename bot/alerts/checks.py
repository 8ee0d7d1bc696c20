"""The check after a snapshot: what the reconciliation says about the settled days it changed.

One reconciliation of the affected journeys over the alert window (the 30 days ending
today, the default question's range, so an alert and the answer to "why don't the numbers
match?" agree), then, per journey, the cells the check may judge:

- days the change touched (a snapshot's first to last day; a dropped snapshot's too);
- settled in *both* products' captures: each side's current value was captured at least the
  metric's settling age after the day (a CJA capture from the next morning still lacks part
  of the day, however old the day is by now). A side with no row counts as captured by the
  latest snapshot of that source that covered the day; a day no snapshot of a source has
  covered yet is not judged at all (an AJO export that arrives before CJA's is not missing
  data in CJA).

Of those cells it keeps the amounts of the causes that need someone to act. Nothing here
decides whether that is an episode: bot.alerts.episodes does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.metrics import METRICS, metric_facts
from bot.query import Query
from bot.reconcile import MetricResult, attributions, metrics_needed
from bot.reconcile.registry import REGISTRY
from bot.reconcile.safe_range import settle_days
from bot.store import SnapshotReport, Store
from bot.store.episodes import GapDay

# The causes an alert is about (the registry names their alerts); the documented ones (lag,
# retries, data source) need nobody.
ALERT_CAUSES: tuple[str, ...] = tuple(cause.name for cause in REGISTRY if cause.alert)
# Days a check looks at, ending today: the default question's range.
WINDOW_DAYS = 30


class Reconciler(Protocol):
    """What a check reads through: the answers' Parity (bot.answers.service)."""

    store: Store
    settings: Settings

    def history(self, today: date, metrics: tuple[str, ...]) -> pd.DataFrame: ...

    def reconcile(self, query: Query, today: date) -> tuple[MetricResult, ...]: ...


@dataclass(frozen=True)
class Change:
    """Days whose stored numbers changed: a snapshot landed, or one was dropped."""

    source: str
    journeys: tuple[str, ...]  # as the snapshot named them
    first_day: date
    last_day: date
    snapshot_id: int | None = None

    @classmethod
    def of(cls, report: SnapshotReport) -> Change:
        return cls(
            report.source, report.journeys, report.first_day, report.last_day, report.snapshot_id
        )


@dataclass(frozen=True)
class JourneyCheck:
    """What one check judged of one journey: the (metric, day) cells it could judge, and
    among them the gaps of each alert cause."""

    journey: str
    checked: frozenset[tuple[str, date]]
    gaps: tuple[tuple[str, GapDay], ...] = ()  # (cause, gap)

    def gaps_of(self, cause: str) -> tuple[GapDay, ...]:
        return tuple(gap for c, gap in self.gaps if c == cause)

    @property
    def metrics(self) -> tuple[str, ...]:
        seen = {metric for metric, _ in self.checked}
        return tuple(m for m in METRICS if m in seen)


def window(today: date) -> tuple[date, date]:
    return today - timedelta(days=WINDOW_DAYS - 1), today


def check(
    parity: Reconciler,
    changes: Sequence[Change],
    today: date,
    metrics: Sequence[str] = (),
    journeys: Collection[str] | None = None,
) -> list[JourneyCheck]:
    """Judge the settled days `changes` touched, per journey; `metrics` empty: all of them,
    `journeys` (display names) None: every journey."""
    start, end = window(today)
    touched = _touched_days(parity.store, changes, start, end)
    if journeys is not None:
        names = parity.store.journey_names()
        touched = {k: days for k, days in touched.items() if names.get(k) in journeys}
    if not touched:
        return []
    names = parity.store.journey_names()
    keys = sorted(touched)
    wanted = tuple(m for m in METRICS if m in metrics) if metrics else ()
    needed = metrics_needed(wanted)
    margin = timedelta(days=1)
    frame = parity.store.comparison(start - margin, end + margin, needed, keys)
    if frame.empty:
        return []
    query = Query("reconcile", start, end, wanted, tuple(names[k] for k in keys))
    history = parity.history(today, needed)
    calendars = parity.store.calendars(parity.settings.timezone)
    hours = parity.store.ajo_hours(start - margin, end + margin, needed, keys)
    found = attributions(frame, query, today, parity.settings, history, calendars, hours=hours)
    captured = _capture_days(parity, start, end, needed, keys)
    cells: dict[int, list[tuple[str, pd.DataFrame]]] = {key: [] for key in keys}
    for metric, (rules, attribution) in found.items():
        if metric_facts(metric).evidence_only:
            continue
        judged = _judged(attribution.cells, metric, settle_days(metric, rules), captured, touched)
        for key, group in judged.groupby("journey_key"):
            cells[key].append((metric, group))
    return [_journey_check(names[key], parts) for key, parts in cells.items() if parts]


def _touched_days(
    store: Store, changes: Iterable[Change], start: date, end: date
) -> dict[int, set[date]]:
    """Journey key -> the days of the window the changes touched."""
    touched: dict[int, set[date]] = {}
    for change in changes:
        first, last = max(change.first_day, start), min(change.last_day, end)
        if first > last:
            continue
        days = {first + timedelta(days=i) for i in range((last - first).days + 1)}
        for key in store.journeys_named(change.journeys):
            touched.setdefault(key, set()).update(days)
    return touched


def _capture_days(
    parity: Reconciler, start: date, end: date, metrics: tuple[str, ...], keys: list[int]
) -> tuple[pd.DataFrame, Mapping[tuple[str, str, date], date]]:
    """When each side's current values were captured (as reporting days), and, per source,
    metric and day, the latest capture of a snapshot that covered them (for sides with no
    row: a snapshot that covered the day and the metric and has no row for the journey)."""
    zone = ZoneInfo(parity.settings.timezone)
    times = parity.store.capture_times(start, end, metrics, keys)
    times["captured_day"] = (
        times["captured_at"].dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    ).dt.normalize()
    covered: dict[tuple[str, str, date], date] = {}
    for snapshot in parity.store.coverage(start, end):
        captured = snapshot.captured_at.astimezone(zone).date()
        day = max(snapshot.first_day, start)
        while day <= min(snapshot.last_day, end):
            for metric in snapshot.metrics:
                key = (snapshot.source, metric, day)
                covered[key] = max(covered.get(key, captured), captured)
            day += timedelta(days=1)
    return times, covered


def _judged(
    cells: pd.DataFrame,
    metric: str,
    settle: int,
    captured: tuple[pd.DataFrame, Mapping[tuple[str, str, date], date]],
    touched: Mapping[int, set[date]],
) -> pd.DataFrame:
    """The cells of one metric a check may judge (see the module docstring)."""
    times, covered = captured
    mine = times.loc[times["metric"] == metric]
    judged = cells
    for side in ("ajo", "cja"):
        days = mine.loc[mine["source"] == side, ["journey_key", "day", "captured_day"]]
        judged = judged.merge(
            days.rename(columns={"captured_day": f"{side}_captured"}),
            on=["journey_key", "day"],
            how="left",
        )
        # A side with no row: the latest snapshot that covered the day and the metric.
        fallback = [covered.get((side, metric, d.date())) for d in judged["day"]]
        judged[f"{side}_captured"] = judged[f"{side}_captured"].fillna(
            pd.Series(pd.to_datetime(fallback), index=judged.index)
        )
    oldest = np.minimum(
        (judged["ajo_captured"] - judged["day"]).dt.days.to_numpy(dtype=float, na_value=-1),
        (judged["cja_captured"] - judged["day"]).dt.days.to_numpy(dtype=float, na_value=-1),
    )
    pairs = zip(judged["journey_key"], judged["day"], strict=True)
    in_change = np.array([d.date() in touched.get(k, ()) for k, d in pairs], dtype=bool)
    return judged.loc[(oldest >= settle) & in_change]


def _journey_check(journey: str, parts: list[tuple[str, pd.DataFrame]]) -> JourneyCheck:
    checked: set[tuple[str, date]] = set()
    gaps: list[tuple[str, GapDay]] = []
    for metric, group in parts:
        days = [d.date() for d in group["day"]]
        checked.update((metric, d) for d in days)
        ajo, cja = group["ajo"].to_numpy(), group["cja"].to_numpy()
        for cause in ALERT_CAUSES:
            amounts = group[cause].to_numpy()
            for i in np.flatnonzero(amounts):
                gap = GapDay(metric, days[i], int(ajo[i]), int(cja[i]), int(amounts[i]))
                gaps.append((cause, gap))
    return JourneyCheck(journey, frozenset(checked), tuple(gaps))
