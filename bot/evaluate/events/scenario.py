"""One event-level scenario: the core's inputs as the store would hand them, the truth by
switching mechanisms off one at a time, and the last day each metric is final.

The truth: with every mechanism on, CJA shows what it shows at the latest capture; then
each mechanism is switched off in turn (bot.evaluate.events.counting.MECHANISMS: lag,
retries, the backfill, the time zone, the filter, the data source, the missing dataset) and
the change in AJO - CJA at each step is that cause's amount. With all off the two products
agree exactly, so the amounts add up to the gap. One label follows the causes' definitions
rather than the order: on a journey's days behind a data-view filter, its data-source noise
is unexplained too (no method can tell 1 % of drift from 1 % more of the filter; the
day-level generator does the same). A missing dataset, switched off last, takes the whole
gap of the cells it empties.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.connectors.ajo_datasets import METRIC_COLUMNS
from bot.evaluate.captures import fold_history
from bot.evaluate.events import counting, journeys, messages
from bot.evaluate.events.counting import MECHANISMS, Cells, Layout
from bot.evaluate.events.messages import METRICS
from bot.evaluate.events.world import World, draw_world, receive
from bot.evaluate.events.zones import EPOCH, EPOCH_DAY, day_number, local_day, midnight
from bot.evaluate.scenarios import NAMES, Scenario
from bot.query import Query
from bot.reconcile.registry import CAUSES
from bot.store.calendars import Calendars, SourceCalendar, same_clock
from bot.store.hourly import AjoHours, hour_number

INJECTABLE = ("timezone", "missing_data", "duplicate_data", "unexplained")
# A day is final when what is still to come changes it by no more than this share.
FINAL_SHARE = 0.005
HORIZON_DAYS = 30
# Share of scenarios whose CJA exports name the channel (a breakdown by Channel (AJO)).
CJA_NAMES_CHANNEL = 0.5


def build(
    rng: np.random.Generator, injected: tuple[str, ...], name: str, hourly: bool = False
) -> Scenario:
    """One scenario with these mechanisms injected; lag, retries and the data source's
    noise are always there (lag and retries only show on young days). `hourly`: AJO's
    numbers come with their counts per UTC hour, as a Query Service pull at the latest
    capture keeps them (drawing nothing: the scenario is otherwise the same)."""
    world = draw_world(rng, "timezone" in injected)
    drawn = journeys.draw(rng, world.first, world.last)
    records = messages.simulate(rng, drawn, world.first, world.last)
    received, facts = receive(rng, records, world, len(drawn), injected)
    report_day = local_day(records.event, world.reporting)
    layout = Layout(world.first, world.last - world.first + 1, len(drawn))
    cells = Cells.of(records, layout, report_day, received.view_day)

    receipts: dict[frozenset[str], tuple] = {}

    def shown(capture: float, off: frozenset[str] = frozenset()):
        if off not in receipts:
            receipts[off] = counting.receipt(records, received, off)
        return (
            counting.ajo(records, cells, layout, capture),
            counting.cja(receipts[off], cells, layout, capture, off),
        )

    ajo_now, cja_now = shown(world.capture)
    truth = _truth(ajo_now, cja_now, lambda off: shown(world.capture, off)[1])
    if "filter" in facts:
        journey, since, _ = facts["filter"]
        behind = np.arange(layout.days) + layout.first >= since
        truth["unexplained"][:, journey, behind] += truth["datasource"][:, journey, behind]
        truth["datasource"][:, journey, behind] = 0
    exists = _exists(drawn, layout, world)
    retries = None
    if rng.random() < 0.5:  # AJO's Retries metric exported in half the scenarios
        retries = counting.ajo_retries(records, cells, layout, world.capture)
    frame, truth_frame = _frames(world, layout, exists, ajo_now, cja_now, truth, drawn, retries)
    channels = np.array([journey.channel for journey in drawn])
    # AJO's exports name each series' channel; CJA's only when broken down by Channel (AJO),
    # in half the scenarios (drawn apart, so the scenarios' other draws stay as they were).
    cja_named = np.random.default_rng(int(world.capture * 3600)).random() < CJA_NAMES_CHANNEL
    history = _history(world, layout, exists, (ajo_now, cja_now), shown, channels, cja_named)
    ajo_final, cja_final = shown(np.inf)
    final = _final_days(world, layout, exists, (ajo_now, cja_now), (ajo_final, cja_final))
    keys = [journey.key for journey in drawn]
    per_journey = _final_days(
        world, layout, exists, (ajo_now, cja_now), (ajo_final, cja_final), keys
    )
    metrics = tuple(m for m in METRICS if any(m in j.metrics for j in drawn))
    return Scenario(
        name=name,
        injected=injected,
        frame=frame,
        history=history,
        truth=truth_frame,
        query=Query("reconcile", world.start, world.end, metrics),
        today=world.today,
        names={j.key: NAMES[i % len(NAMES)] for i, j in enumerate(drawn)},
        calendars=_pulled(_calendars(rng, world), world) if hourly else _calendars(rng, world),
        final_days={m: final.get(m) for m in metrics},
        journey_final_days={m: per_journey.get(m, {}) for m in metrics},
        # AJO's exports name each journey's channel (the store keeps it per series).
        channels={j.key: (j.channel,) for j in drawn},
        hours=_hours(records, drawn, world) if hourly else None,
        captured_at=EPOCH + pd.Timedelta(hours=world.capture).to_pytimedelta(),
        reporting=world.reporting,
    )


def _pulled(calendars: Calendars | None, world: World) -> Calendars:
    """The calendars with AJO's zone recorded, as a Query Service pull records it (its days
    are cut in the reporting zone, PARITY_TIMEZONE)."""
    taken = EPOCH + pd.Timedelta(hours=world.capture).to_pytimedelta()
    ajo = SourceCalendar("ajo", world.reporting, taken, "AEP Query Service", True)
    cja = calendars.sources if calendars is not None else ()
    return Calendars(world.reporting, (ajo, *cja))


def _hours(records, drawn, world: World) -> AjoHours:
    """AJO's counts per journey, metric and UTC hour at the latest capture, for the metrics
    Query Service counts (not Delivered), over the days a pull at that capture stores:
    from the reporting zone's midnight before the stored days to the one ending today."""
    counted = np.array([METRICS.index(m) for m in METRICS if m in METRIC_COLUMNS])
    stored_first = day_number(world.start) - 1
    first, end = midnight(np.array([stored_first, world.last + 1]), world.reporting)
    hour = np.floor(records.event).astype(np.int64)
    kept = (
        (records.event < world.capture)
        & np.isin(records.metric, counted)
        & (hour >= first)
        & (hour < end)
    )
    code = (records.journey[kept].astype(np.int64) * len(METRICS) + records.metric[kept]) * (
        1 << 20
    ) + (hour[kept] - int(first))
    unique, value = np.unique(code, return_counts=True)
    journey, metric = np.divmod(unique >> 20, len(METRICS))
    offset = hour_number(EPOCH.replace(tzinfo=None))
    counts = pd.DataFrame(
        {
            "journey_key": np.array([j.key for j in drawn], dtype=np.int64)[journey],
            "metric": np.array(METRICS)[metric],
            "hour": (unique & ((1 << 20) - 1)) + int(first) + offset,
            "value": value.astype(np.int64),
        }
    )
    taken = EPOCH + pd.Timedelta(hours=world.capture).to_pytimedelta()
    covered = np.arange(int(first), int(end)) + offset
    return AjoHours(counts, covered, ((0, taken),))


def _truth(ajo_now, cja_now, cja_without) -> dict[str, np.ndarray]:
    truth = {cause: np.zeros_like(ajo_now) for cause in CAUSES}
    before, off = cja_now, frozenset()
    for mechanism in MECHANISMS:
        off = off | {mechanism}
        after = cja_without(off)
        truth[mechanism] += after - before  # AJO - CJA fell by what CJA gained
        before = after
    if not np.array_equal(before, ajo_now):
        raise AssertionError("with every mechanism off the two products must agree")
    return truth


def _exists(drawn, layout: Layout, world: World) -> np.ndarray:
    """[metric, journey, day]: rows both products export (from launch to today)."""
    exists = np.zeros(layout.shape, dtype=bool)
    days = np.arange(layout.days) + layout.first
    for index, journey in enumerate(drawn):
        for metric in journey.metrics:
            exists[METRICS.index(metric), index] = days >= journey.first_day
    return exists & (days <= world.last)


def _frames(world, layout, exists, ajo_now, cja_now, truth, drawn, retries):
    days = np.arange(layout.days) + layout.first
    lo, hi = day_number(world.start), day_number(world.end)
    stored = (days >= lo - 1) & (days <= min(hi + 1, world.last))
    in_range = (days >= lo) & (days <= hi)
    m, j, d = np.nonzero(exists & stored)
    dates = pd.to_datetime(EPOCH_DAY) + pd.to_timedelta(days[d], unit="D")
    keys = np.array([journey.key for journey in drawn])[j]
    frame = pd.DataFrame(
        {
            "journey_key": keys,
            "day": dates,
            "metric": np.array(METRICS)[m],
            "ajo": ajo_now[m, j, d],
            "cja": cja_now[m, j, d],
            "ajo_rows": 1,
            "cja_rows": 1,
        }
    )
    if retries is not None:
        email = [i for i, journey in enumerate(drawn) if journey.channel == "email"]
        rows = [(i, x) for i in email for x in np.flatnonzero(stored & exists[0, i])]
        if rows:
            ji, dx = map(np.array, zip(*rows, strict=True))
            extra = pd.DataFrame(
                {
                    "journey_key": np.array([journey.key for journey in drawn])[ji],
                    "day": pd.to_datetime(EPOCH_DAY) + pd.to_timedelta(days[dx], unit="D"),
                    "metric": "retries",
                    "ajo": retries[ji, dx],
                    "cja": 0,
                    "ajo_rows": 1,
                    "cja_rows": 0,
                }
            )
            frame = pd.concat([frame, extra], ignore_index=True)
    m, j, d = np.nonzero(exists & in_range)
    truth_frame = pd.DataFrame(
        {
            "journey_key": np.array([journey.key for journey in drawn])[j],
            "day": pd.to_datetime(EPOCH_DAY) + pd.to_timedelta(days[d], unit="D"),
            "metric": np.array(METRICS)[m],
            **{cause: truth[cause][m, j, d] for cause in CAUSES},
        }
    )
    frame = frame.astype({"day": "datetime64[us]"}).reset_index(drop=True)
    return frame, truth_frame.astype({"day": "datetime64[us]"})


def _history(world, layout, exists, latest, shown, channels, cja_named) -> pd.DataFrame:
    """Earlier captures folded as bot.store.reader.settling_history does: per source, metric,
    series channel ('' for CJA's unless `cja_named`) and age in whole days and in quarter
    days (from the day's UTC midnight, as the store counts), how much the values seen then
    still moved by the latest capture."""
    days = np.arange(layout.days) + layout.first
    parts = []
    for capture in world.captures:
        hours = capture - days * 24.0
        age = np.floor(hours / 24).astype(np.int64)
        quarters = np.floor(hours / 6).astype(np.int64)
        seen = exists & ((age >= 0) & (age <= HORIZON_DAYS))[None, None, :]
        for source, then, now in zip(("ajo", "cja"), shown(capture), latest, strict=True):
            m, j, d = np.nonzero(seen)
            parts.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "metric": np.array(METRICS)[m],
                        "channel": channels[j] if source == "ajo" or cja_named else "",
                        "age_days": age[d],
                        "age_quarters": quarters[d],
                        "value": then[seen],
                        "latest": now[seen],
                    }
                )
            )
    return fold_history(pd.concat(parts, ignore_index=True) if parts else None)


def _final_days(world, layout, exists, now, final, keys=None) -> dict:
    """Per metric, the last day of the range up to which every day is final in both products
    (what is still to come moves it by at most FINAL_SHARE); None when the first is not.
    With `keys` (the journeys' keys in order), the same per journey: metric -> key -> day,
    for each journey exporting the metric."""
    days = np.arange(layout.days) + layout.first
    in_range = (days >= day_number(world.start)) & (days <= day_number(world.end))
    result = {}
    for index, metric in enumerate(METRICS):
        if not exists[index].any():
            continue
        if keys is None:
            result[metric] = _last_final(days, in_range, now, final, index, slice(None))
            continue
        result[metric] = {
            key: _last_final(days, in_range, now, final, index, [j])
            for j, key in enumerate(keys)
            if exists[index, j].any()
        }
    return result


def _last_final(days, in_range, now, final, index, journeys) -> date | None:
    """The last day of the range up to which every day of these journeys' sum is final."""
    moving = np.zeros(len(days))
    total = np.zeros(len(days))
    for shown, done in zip(now, final, strict=True):
        moving += np.abs(done[index][journeys] - shown[index][journeys]).sum(axis=0)
        total += done[index][journeys].sum(axis=0)
    unsettled = (moving > FINAL_SHARE * total) & in_range
    first_unsettled = np.flatnonzero(unsettled)
    cut = first_unsettled[0] if len(first_unsettled) else np.flatnonzero(in_range)[-1] + 1
    last = days[cut - 1] if cut - 1 >= np.flatnonzero(in_range)[0] else None
    return None if last is None else EPOCH_DAY + timedelta(days=int(last))


def _calendars(rng: np.random.Generator, world: World) -> Calendars | None:
    """Half the shifted data views, and a third of the others, had their zone recorded by a
    pull (GET /data/dataviews/{id}?expansion=timezoneDesignator)."""
    recorded = rng.random() < (0.5 if world.view != world.reporting else 0.3)
    if not recorded:
        return None
    taken = EPOCH + pd.Timedelta(hours=world.capture).to_pytimedelta()
    source = SourceCalendar(
        "cja", world.view, taken, "cja-api", same_clock(world.view, world.reporting)
    )
    return Calendars(world.reporting, (source,))
