"""The conditions one event-level scenario runs under: its zones, days, capture times, and
how CJA receives each record (ingestion delay, data-source noise, a filter, a backfill
ingested twice, a dataset left out of the connection)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.evaluate.events.counting import Cja
from bot.evaluate.events.messages import METRICS, Records
from bot.evaluate.events.zones import day_number, local_day, midnight
from bot.store.calendars import same_clock

REPORTING_ZONES = ("UTC", "Europe/Paris", "America/New_York", "Europe/London")
VIEW_ZONES = (
    "America/Los_Angeles", "America/Chicago", "America/New_York", "America/Denver",
    "Europe/Berlin", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo",
    "Asia/Kolkata",
)  # fmt: skip
RANGE_DAYS = 30
EARLY = 4  # days simulated before the range (neighbours, and zones behind)
LONGEST_DELAY_HOURS = 7 * 24.0


@dataclass(frozen=True)
class World:
    reporting: str  # AJO's days, and Parity's
    view: str  # CJA's data view's days
    today: date
    start: date
    end: date
    capture: float  # the latest capture, hours since EPOCH
    captures: tuple[float, ...]  # earlier captures, oldest first

    @property
    def first(self) -> int:
        return day_number(self.start) - EARLY

    @property
    def last(self) -> int:
        return day_number(self.today)


def draw_world(rng: np.random.Generator, shifted: bool) -> World:
    """Zones, today, the range and the capture times. A shifted data view is in a zone
    keeping another clock than the reporting one; the range holds autumn 2026's daylight
    saving ends (Oct 25 in Europe, Nov 1 in America) more often than not."""
    reporting = str(rng.choice(REPORTING_ZONES))
    view = reporting
    if shifted:
        others = [z for z in VIEW_ZONES if not same_clock(z, reporting)]
        view = str(rng.choice(others))
    today = date(2026, 10, 27) + timedelta(days=int(rng.integers(0, 30)))
    roll = rng.random()
    back = 0 if roll < 0.5 else int(rng.integers(1, 4)) if roll < 0.75 else int(rng.integers(4, 21))
    end = today - timedelta(days=back)
    start = end - timedelta(days=RANGE_DAYS - 1)
    capture = float(midnight(np.array([day_number(today)]), reporting)[0] + rng.uniform(1, 23.5))
    richness = rng.choice(["none", "few", "regular"], p=[0.1, 0.1, 0.8])
    earlier = capture - np.cumsum(rng.uniform(18, 72, size=60))
    earlier = earlier[earlier >= capture - 35 * 24][: 2 if richness == "few" else None]
    if richness == "none":
        earlier = earlier[:0]
    return World(reporting, view, today, start, end, capture, tuple(sorted(earlier)))


def receive(
    rng: np.random.Generator,
    records: Records,
    world: World,
    journeys: int,
    injected: tuple[str, ...],
) -> tuple[Cja, dict]:
    """How CJA receives each record, and what was injected (for the labels and the tests)."""
    n = len(records)
    tail = rng.uniform(0.02, 0.2)
    delay = np.where(
        rng.random(n) < tail,
        rng.lognormal(np.log(rng.uniform(8, 40)), 0.8, n),
        rng.lognormal(np.log(rng.uniform(0.3, 2.5)), 0.6, n),
    )
    utc_day = np.floor(records.event / 24).astype(np.int64)
    rates = np.where(
        rng.random(journeys) < 0.8, rng.uniform(-0.016, 0.016, journeys),
        rng.uniform(0, 0.016, journeys),
    )  # fmt: skip
    wobble = rng.normal(0, 0.003, (journeys, world.last - world.first + 3))
    position = np.clip(utc_day - world.first + 1, 0, wobble.shape[1] - 1)
    drop = rates[records.journey] + wobble[records.journey, position]
    u = rng.random(n)
    noise = np.where(drop > 0, (u >= drop).astype(float), 1.0 + (u < -drop))
    view_day = local_day(records.event, world.view)
    facts: dict = {}
    filtered = np.zeros(n, dtype=bool)
    if "unexplained" in injected:
        journey = int(rng.integers(journeys))
        share = rng.uniform(0.04, 0.25)
        since = day_number(world.start) + int(rng.integers(-20, RANGE_DAYS - 3))
        filtered = (records.journey == journey) & (view_day >= since) & (rng.random(n) < share)
        facts["filter"] = (journey, since, share)
    doubled = np.zeros(n, dtype=bool)
    if "duplicate_data" in injected:
        chosen = np.arange(journeys) if rng.random() < 0.3 else [int(rng.integers(journeys))]
        length = int(rng.integers(2, 11))
        latest = world.last - 8 - length
        begin = int(rng.integers(day_number(world.start), max(latest, day_number(world.start) + 1)))
        doubled = np.isin(records.journey, chosen) & (view_day >= begin)
        doubled &= view_day < begin + length
        facts["backfill"] = (tuple(int(c) for c in chosen), begin, length)
    absent = np.zeros(n, dtype=bool)
    if "missing_data" in injected:
        absent = np.isin(records.metric, [METRICS.index("opens"), METRICS.index("clicks")])
        facts["absent"] = "tracking"
    received = Cja(
        np.minimum(delay, LONGEST_DELAY_HOURS), noise, filtered, doubled, absent, view_day
    )
    return received, facts
