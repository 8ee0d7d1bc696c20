"""Generated AJO/CJA comparisons with known causes, for scoring the reconciliation core.

Each scenario draws its own journeys (2-6, email, push or SMS, from tens to tens of
thousands of sends a day, each with its own intraday profile, weekday pattern, trend and
day-to-day noise), a 30-day range, and a set of injected causes. CJA starts as a copy of
AJO's truth and each cause changes one side, in a fixed order; what each change did to
AJO - CJA is recorded per (journey, day, metric) as that cause's true amount, so the true
amounts add up to the gap exactly, like the core's.

Causes, as they happen in real stores:
- datasource (always): each journey's CJA drifts by up to 1.6 %, with day-to-day spread;
- retries: AJO's Sent counts a share of email sends still retried for 1-3.5 days; AJO's
  Retries metric is exported in half the scenarios;
- unexplained: a data-view filter that drops 4-25 % of one journey, or a partial outage
  over one to three days;
- timezone: CJA's calendar 1-10 hours behind or ahead; each journey's events move by the
  share of its intraday profile in those hours;
- duplicate_data: CJA (or, less often, AJO) doubled over a run of 2-12 settled days, for
  one journey or all (a dataset added twice);
- processing_lag: CJA has only part of the last 1-4 days; past snapshots (a random capture
  cadence, or too few to learn from) show how long values move;
- missing_data: the tracking dataset left out (opens, clicks, unsubscribes all 0), a
  journey or a metric missing from an export, or export days missing.

Two labels follow the causes' definitions rather than the order of the changes, because no
method could see otherwise: on a cell one side lacks, the whole gap is missing data (what
else happened to data that is not there is invisible; AJO's exported retries count stays
retries); and in a journey behind a data-view filter, its drift is unexplained too (the
data-source band is, by definition, a journey's residual within the tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.evaluate import captures
from bot.evaluate.builder import (
    CAUSES,
    RANGE_DAYS,
    TODAY,
    TRACKING,
    Builder,
    draw_journeys,
)
from bot.query import Query
from bot.store.calendars import Calendars
from bot.store.hourly import AjoHours

NAMES = (
    "Welcome Series", "Cart Abandon Reminder", "Onboarding Push", "Win-back Offer",
    "Black Friday Promo", "Order Confirmation SMS", "Birthday Email", "Price Drop Alert",
    "Re-engagement", "Loyalty Points Update", "Appointment Reminder SMS", "Back in Stock",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Scenario:
    """One generated comparison: the core's inputs, and the truth to score it against."""

    name: str
    injected: tuple[str, ...]
    frame: pd.DataFrame  # the comparison frame, a day wider than the query on each side
    history: pd.DataFrame  # the settling history, as the store would return it
    truth: pd.DataFrame  # journey_key, day, metric, one column per cause
    query: Query
    today: date
    names: dict[int, str]
    # The time zones a pull recorded for the days (event-level scenarios only).
    calendars: Calendars | None = None
    # Per metric, the last day of the range final in both products (event-level only).
    final_days: dict[str, date | None] | None = None
    # Per metric and journey key, the same for that journey alone (event-level only).
    journey_final_days: dict[str, dict[int, date | None]] | None = None
    # Journey key -> its channels, as the store's series name them (event-level only).
    channels: dict[int, tuple[str, ...]] | None = None
    # AJO's hourly counts, as a Query Service pull keeps them (event-level, when asked).
    hours: AjoHours | None = None
    # When CJA's latest numbers were captured (event-level only; the store knows it).
    captured_at: datetime | None = None
    # The zone AJO's days are cut in, which a team sets PARITY_TIMEZONE to (event-level
    # only; None: the settings' own, as the day-level generator has no zone).
    reporting: str | None = None

    def settings(self, base: Settings) -> Settings:
        """The settings an answer on this scenario runs with: today pinned to the scenario's,
        and the reporting zone its days are cut in (Rules.reporting reads it where no pull
        recorded the calendars: the time-zone fit's and yesterday's freshness' zone)."""
        return replace(base, today_override=self.today, timezone=self.reporting or base.timezone)


def _datasource(b: Builder) -> None:
    for _, key in b.series():
        rate = b.rng.uniform(-0.016, 0.016) if b.rng.random() < 0.8 else b.rng.uniform(0, 0.016)
        daily = np.clip(rate + b.rng.normal(0, 0.003, len(b.days)), -0.5, 0.5)
        lost = np.rint(b.cja[key] * daily)
        b.change(key, "datasource", "cja", b.cja[key] - lost)


def _retries(b: Builder, measured: bool) -> None:
    share, hours = b.rng.uniform(0.004, 0.04), b.rng.uniform(24, 84)
    for journey, key in b.series(metrics=("sent",)):
        if journey.channel != "email":
            continue
        pending_share = np.clip(1 - (b.age * 24 + b.rng.uniform(0, 12)) / hours, 0, 1) * share
        pending = b.rng.binomial(b.ajo[key], np.where(b.age >= 0, pending_share, 0))
        b.change(key, "retries", "ajo", b.ajo[key] + pending)
        if measured:
            b.retries[journey.key] = pending


def _unexplained(b: Builder) -> None:
    journey = b.journeys[int(b.rng.integers(len(b.journeys)))]
    settled = b.settled(8)
    filtered = b.rng.random() < 0.6
    if filtered:  # a data-view filter dropping a share of the journey
        keep = np.full(len(b.days), 1 - b.rng.uniform(0.04, 0.25))
    else:  # a partial outage on a few days
        keep = np.ones(len(b.days))
        start = int(b.rng.choice(settled[:-3]))
        keep[start : start + int(b.rng.integers(1, 4))] = b.rng.uniform(0.3, 0.75)
    for _, key in b.series(journeys={journey.key}):
        b.change(key, "unexplained", "cja", b.rng.binomial(b.cja[key], keep))
        if filtered:
            # By definition (DESIGN.md) the data-source band is a journey's residual within
            # the tolerance; a journey beyond it is unexplained as a whole, so its drift is
            # too: no method can tell 1 % of drift from 1 % more of the filter.
            truth = b.truth[key]
            truth["unexplained"] += truth["datasource"]
            truth["datasource"][:] = 0


def _timezone(b: Builder) -> None:
    hours = int(b.rng.integers(1, 11))
    behind = b.rng.random() < 0.6
    for journey, key in b.series():
        share = journey.profile[:hours].sum() if behind else journey.profile[24 - hours :].sum()
        moving = b.rng.binomial(b.cja[key], share)
        staying = b.cja[key] - moving
        incoming = np.roll(moving, -1 if behind else 1)
        incoming[-1 if behind else 0] = 0
        b.change(key, "timezone", "cja", staying + incoming)


def _duplicate(b: Builder) -> None:
    side = "cja" if b.rng.random() < 0.8 else "ajo"
    every = b.rng.random() < 0.3
    journeys = None if every else {b.journeys[int(b.rng.integers(len(b.journeys)))].key}
    length = int(b.rng.integers(2, 13))
    settled = b.settled(8)
    start = int(b.rng.choice(settled[: max(len(settled) - length, 1)]))
    run = slice(start, start + length)
    for _, key in b.series(journeys=journeys):
        values = (b.cja if side == "cja" else b.ajo)[key].copy()
        other = (b.ajo if side == "cja" else b.cja)[key]
        # Where the other side is missing, a doubling is invisible to any method: skip it.
        doubled = np.zeros(len(values), dtype=bool)
        doubled[run] = True
        values[doubled & (other > 0)] *= 2
        b.change(key, "duplicate_data", side, values)


def _lag(b: Builder, days: int) -> np.ndarray:
    """CJA has part of the last `days` days; returns the share it keeps per age in days."""
    by_age = np.ones(32)
    missing = b.rng.uniform(0.1, 0.7)
    for age in range(days):
        by_age[age] = 1 - missing
        missing *= b.rng.uniform(0.05, 0.4)
    keep = np.where(b.age >= 0, by_age[np.clip(b.age, 0, len(by_age) - 1)], 1.0)
    for _, key in b.series():
        b.change(key, "processing_lag", "cja", b.rng.binomial(b.cja[key], keep))
    return by_age


def _missing(b: Builder, before_lag: dict) -> None:
    """A hole in one side. Applied last: on a cell one side lacks, the whole gap is the
    hole, since whatever else happened to that side's data (drift, a time-zone shift, lag,
    a doubling) is not there to be seen; AJO's measured retries stay visible."""
    kinds = ["journey", "metric", "days", "ajo_journey"]
    if set(TRACKING) & set(b.metrics):
        kinds.append("tracking")
    kind = str(b.rng.choice(kinds))
    journey = b.journeys[int(b.rng.integers(len(b.journeys)))].key
    metric = str(b.rng.choice(b.metrics))
    gap = np.zeros(len(b.days), dtype=bool)
    start = int(b.rng.choice(b.settled(2)[:-2]))
    gap[start : start + int(b.rng.integers(2, 6))] = True
    side = "ajo" if kind == "ajo_journey" else "cja"
    for _, key in b.series():
        hit = {
            "tracking": key[1] in TRACKING,
            "journey": key[0] == journey,
            "ajo_journey": key[0] == journey,
            "metric": key[1] == metric,
            "days": True,
        }[kind]
        if not hit:
            continue
        cells = gap if kind == "days" else np.ones(len(b.days), dtype=bool)
        values = (b.ajo if side == "ajo" else b.cja)[key].copy()
        values[cells] = 0
        b.change(key, "missing_data", side, values)
        before_lag[side][key] = np.where(cells, 0, before_lag[side][key])
        truth = b.truth[key]
        for cause in CAUSES:
            if cause != "missing_data" and (cause != "retries" or not b.retries):
                truth["missing_data"][cells] += truth[cause][cells]
                truth[cause][cells] = 0
        if kind != "tracking":  # a dataset left out exports zeros; an export gap, no rows
            b.rows[side][key] = np.where(cells, 0, b.rows[side][key])


# The causes `build` can inject, in the order the plan draws them from; the data source's
# drift is always there. A cause added to the registry is scored once it is added here.
INJECTABLE = (
    "processing_lag", "retries", "timezone", "missing_data", "duplicate_data", "unexplained",
)  # fmt: skip


def build(rng: np.random.Generator, injected: tuple[str, ...], name: str) -> Scenario:
    """One scenario with these causes injected (the data-source drift always is)."""
    journeys = draw_journeys(rng)
    if "processing_lag" in injected:
        end = TODAY
    elif "retries" in injected:
        end = TODAY - timedelta(days=int(rng.integers(1, 4)))
    else:
        end = TODAY - timedelta(days=int(rng.integers(1, 40)))
    b = Builder(rng, journeys, end)
    if "retries" in injected:
        _retries(b, measured=bool(rng.random() < 0.5))
    _datasource(b)
    if "unexplained" in injected:
        _unexplained(b)
    if "timezone" in injected:
        _timezone(b)
    if "duplicate_data" in injected:
        _duplicate(b)
    before_lag = {"ajo": dict(b.ajo), "cja": {k: v.copy() for k, v in b.cja.items()}}
    # CJA never has all of today; with lag injected, the last days are short in the range.
    keep_by_age = _lag(b, int(rng.integers(1, 5)) if "processing_lag" in injected else 1)
    if "missing_data" in injected:
        _missing(b, before_lag)
    history = captures.history(b, before_lag, keep_by_age)
    start = end - timedelta(days=RANGE_DAYS - 1)
    frame, truth = captures.frames(b, start)
    names = {j.key: NAMES[i % len(NAMES)] for i, j in enumerate(journeys)}
    query = Query("reconcile", start, end, tuple(b.metrics))
    return Scenario(name, injected, frame, history, truth, query, TODAY, names)
