"""With AJO's hourly counts (Query Service pulls), the time-zone amount of each day is
computed by re-cutting the hours at the data view's midnights, not fitted: exact where the
hours cover the day, fitted elsewhere, and the evidence says which."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import pooled_figures, reconcile
from bot.store.calendars import Calendars, SourceCalendar, same_clock
from bot.store.hourly import AjoHours, hour_number

TODAY = date(2026, 11, 29)
FIRST = date(2026, 10, 10)  # Nov 1 (Los Angeles leaves daylight saving) inside
DAYS = 45
NAMES = {1: "Welcome Series", 2: "Nightly Digest"}
START = hour_number(datetime(2026, 10, 10))


def _hours(seed: int, level: float) -> np.ndarray:
    """Events per UTC hour: a batch whose send hour wanders from day to day (no steady
    share of a day moves), quieter at weekends."""
    rng = np.random.default_rng(seed)
    rate = np.zeros(DAYS * 24)
    for day in range(DAYS):
        peak = day * 24 + int(rng.integers(2, 11))
        scale = 0.5 if day % 7 >= 5 else 1.0
        rate[peak : peak + 3] = level * scale * rng.uniform(0.5, 1.5)
        rate[day * 24 : day * 24 + 24] += level * 0.02
    return rng.poisson(rate)


def _by_day(counts: np.ndarray, zone: str) -> np.ndarray:
    tz = ZoneInfo(zone)
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    local = np.array(
        [
            ((start + timedelta(hours=h)).astimezone(tz).date() - FIRST).days
            for h in range(len(counts))
        ]
    )
    return np.bincount(np.clip(local, 0, DAYS - 1), weights=counts, minlength=DAYS).astype(np.int64)


def _scenario():
    series = {1: _hours(1, 400.0), 2: _hours(2, 90.0)}
    rows = []
    for key, counts in series.items():
        ajo, cja = _by_day(counts, "UTC"), _by_day(counts, "America/Los_Angeles")
        rows += [(key, FIRST + timedelta(days=i), "sent", int(a), int(c))
                 for i, (a, c) in enumerate(zip(ajo, cja, strict=True))]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    frame = frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})
    counts = pd.DataFrame(
        [
            (key, "sent", START + h, int(v))
            for key, c in series.items()
            for h, v in enumerate(c)
            if v
        ],
        columns=["journey_key", "metric", "hour", "value"],
    )
    return frame, counts


def _hourly(counts: pd.DataFrame, covered_days: int) -> AjoHours:
    taken = datetime(2026, 11, 28, 6, tzinfo=UTC)
    covered = np.arange(START, START + covered_days * 24)
    return AjoHours(counts.loc[counts["hour"] < covered[-1] + 1], covered, ((7, taken),))


def _answer(frame, hours=None):
    source = SourceCalendar(
        "cja", "America/Los_Angeles", datetime(2026, 11, 20, 6, tzinfo=UTC), "cja-api",
        same_clock("America/Los_Angeles", "UTC"),
    )  # fmt: skip
    query = Query(
        "reconcile", FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2), ("sent",)
    )
    (result,) = reconcile(
        frame, query, NAMES, TODAY, Settings(today_override=TODAY), None,
        Calendars("UTC", (source,)), hours=hours,
    )  # fmt: skip
    return result


def _by_day_timezone(result) -> dict[str, int]:
    return {row.label: row.causes["timezone"] for row in result.by_day}


def test_the_shift_is_computed_exactly_from_the_hours():
    frame, counts = _scenario()
    result = _answer(frame, _hourly(counts, DAYS))
    # CJA differs by the time zone alone: every day's gap is time zone, to the event.
    gaps = {row.label: row.delta for row in result.by_day}
    assert _by_day_timezone(result) == gaps
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    assert "computed from AJO's hourly counts (Query Service pull on Nov 28)" in detail.evidence
    assert "fitted on days" not in detail.evidence
    assert detail.confidence == "high"


def test_without_the_hours_the_wandering_batch_is_only_fitted():
    frame, _ = _scenario()
    result = _answer(frame)
    gaps = {row.label: row.delta for row in result.by_day}
    assert _by_day_timezone(result) != gaps  # a steady share cannot follow the batch
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    assert "hourly" not in detail.evidence


def test_days_the_hours_do_not_cover_keep_the_fitted_amount():
    frame, counts = _scenario()
    fitted = _by_day_timezone(_answer(frame))
    result = _answer(frame, _hourly(counts, 20))
    computed = _by_day_timezone(result)
    gaps = {row.label: row.delta for row in result.by_day}
    # Day d needs UTC day d and Los Angeles' day d (which ends on UTC day d + 1).
    inside = [str(FIRST + timedelta(days=i)) for i in range(1, 19)]
    outside = [str(FIRST + timedelta(days=i)) for i in range(21, DAYS - 1)]
    assert all(computed[day] == gaps[day] for day in inside)
    assert all(computed[day] == fitted[day] for day in outside)
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    assert "fitted on days those hours do not cover" in detail.evidence


def test_a_journey_asked_about_alone_gets_its_row_of_the_all_journeys_answer():
    frame, counts = _scenario()
    hours = _hourly(counts, 20)
    everyone = _answer(frame, hours)
    source = SourceCalendar(
        "cja", "America/Los_Angeles", datetime(2026, 11, 20, 6, tzinfo=UTC), "cja-api",
        same_clock("America/Los_Angeles", "UTC"),
    )  # fmt: skip
    calendars = Calendars("UTC", (source,))
    config = Settings(today_override=TODAY)
    last = FIRST + timedelta(days=DAYS - 2)
    query = Query("reconcile", FIRST + timedelta(days=1), last, ("sent",), ("Nightly Digest",))
    pool = pooled_figures(frame, query, TODAY, config, None, calendars, hours=hours)
    own = frame.loc[frame["journey_key"] == 2]
    (alone,) = reconcile(own, query, NAMES, TODAY, config, None, calendars, [2], None, pool,
                         hours)  # fmt: skip
    (row,) = [r for r in everyone.by_journey if r.label == "Nightly Digest"]
    assert alone.causes == row.causes
    assert alone.causes["timezone"] != 0


def _night_hours(seed: int, level: float) -> np.ndarray:
    """Events per UTC hour: an afternoon batch, and night hours (the ones a zone behind
    moves) whose volume wanders from day to day."""
    rng = np.random.default_rng(seed)
    rate = np.zeros(DAYS * 24)
    for day in range(DAYS):
        rate[day * 24 + 15 : day * 24 + 17] = level * (0.5 if day % 7 >= 5 else 1.0)
        rate[day * 24 : day * 24 + 9] = level * rng.uniform(0.02, 0.2)
    return rng.poisson(rate)


def test_an_inferred_zone_is_the_one_whose_midnights_recut_the_hours_closest():
    series = {1: _night_hours(3, 400.0), 2: _night_hours(4, 150.0)}
    rows, counts = [], []
    for key, hours in series.items():
        ajo, cja = _by_day(hours, "UTC"), _by_day(hours, "America/Los_Angeles")
        rows += [(key, FIRST + timedelta(days=i), "sent", int(a), int(c))
                 for i, (a, c) in enumerate(zip(ajo, cja, strict=True))]  # fmt: skip
        counts += [(key, "sent", START + h, int(v)) for h, v in enumerate(hours) if v]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    frame = frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})
    counted = pd.DataFrame(counts, columns=["journey_key", "metric", "hour", "value"])
    last = FIRST + timedelta(days=DAYS - 2)
    query = Query("reconcile", FIRST + timedelta(days=1), last, ("sent",))
    config = Settings(today_override=TODAY)
    (fitted,) = reconcile(frame, query, NAMES, TODAY, config)
    (result,) = reconcile(frame, query, NAMES, TODAY, config, hours=_hourly(counted, DAYS))
    (before,) = [d for d in fitted.details if d.cause == "timezone"]
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    assert "looks like America/Los_Angeles" in detail.evidence
    assert _by_day_timezone(result) == {row.label: row.delta for row in result.by_day}
    # Daily numbers alone pick a zone without the Nov 1 change; the hours see it.
    assert "looks like America/Phoenix" in before.evidence
    assert "the hours name the zone" in detail.evidence
    assert "(the daily numbers alone fit America/Phoenix)" in detail.evidence


def _with_delivered(seed: int):
    """Sent and Delivered (about 97 % of sends, delivered in the same hour) of two journeys,
    CJA's days in Los Angeles; the hours hold Sent only, as Query Service counts no
    Delivered."""
    rng = np.random.default_rng(seed)
    frame, counts = _scenario()
    rows = []
    for key, sent in counts.groupby("journey_key"):
        hourly = np.zeros(DAYS * 24, dtype=np.int64)
        hourly[sent["hour"].to_numpy() - START] = sent["value"].to_numpy()
        delivered = rng.binomial(hourly, 0.97)
        ajo, cja = _by_day(delivered, "UTC"), _by_day(delivered, "America/Los_Angeles")
        rows += [(key, FIRST + timedelta(days=i), "delivered", int(a), int(c))
                 for i, (a, c) in enumerate(zip(ajo, cja, strict=True))]  # fmt: skip
    extra = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    extra = extra.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})
    return pd.concat([frame, extra], ignore_index=True), counts


def _delivered(frame, hours=None):
    source = SourceCalendar(
        "cja", "America/Los_Angeles", datetime(2026, 11, 20, 6, tzinfo=UTC), "cja-api",
        same_clock("America/Los_Angeles", "UTC"),
    )  # fmt: skip
    last = FIRST + timedelta(days=DAYS - 2)
    query = Query("reconcile", FIRST + timedelta(days=1), last, ("sent", "delivered"))
    _, result = reconcile(
        frame, query, NAMES, TODAY, Settings(today_override=TODAY), None,
        Calendars("UTC", (source,)), hours=hours,
    )  # fmt: skip
    return result


def test_delivered_reads_the_shift_from_sents_hours_and_says_so():
    frame, counts = _with_delivered(5)
    fitted = _delivered(frame)
    result = _delivered(frame, _hourly(counts, DAYS))
    gaps = np.array([row.delta for row in result.by_day])
    inferred = np.array([row.causes["timezone"] for row in result.by_day])
    before = np.array([row.causes["timezone"] for row in fitted.by_day])
    # Each day's moved deliveries follow Sent's moved sends, scaled: near the day's whole
    # gap (CJA differs by the time zone alone), far nearer than the fitted share.
    assert np.abs(inferred - gaps).max() <= 0.05 * np.abs(gaps).max()
    assert np.abs(inferred - gaps).sum() < 0.3 * np.abs(before - gaps).sum()
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    assert "inferred from AJO's hourly counts of Sent" in detail.evidence
    assert "it counts no Delivered" in detail.evidence


def _steady_share_without_night_hours():
    """AJO sends a batch in one UTC afternoon hour and a steady trickle around the clock;
    CJA's days differ from AJO's by a steady share of each day moving to the day before,
    as a data view behind would make them, though no zone's midnight can cut a share of
    the batch (each moves all of it or none, and some of the trickle)."""
    rng = np.random.default_rng(8)
    rows, counts = [], []
    for key, level in ((1, 3000.0), (2, 900.0)):
        hours = rng.poisson(level / 150, DAYS * 24)
        for day in range(DAYS):
            scale = 0.4 if day % 7 >= 5 else 1.0
            hours[day * 24 + 15] = rng.poisson(level * scale)
        ajo = _by_day(hours, "UTC")
        moved = np.rint(0.3 * ajo).astype(np.int64)
        cja = ajo - moved + np.r_[moved[1:], moved[-1]]
        rows += [(key, FIRST + timedelta(days=i), "sent", int(a), int(c))
                 for i, (a, c) in enumerate(zip(ajo, cja, strict=True))]  # fmt: skip
        counts += [(key, "sent", START + h, int(v)) for h, v in enumerate(hours) if v]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    frame = frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})
    return frame, pd.DataFrame(counts, columns=["journey_key", "metric", "hour", "value"])


def test_hours_no_zone_can_recut_into_the_gaps_refute_an_inferred_shift():
    frame, counts = _steady_share_without_night_hours()
    last = FIRST + timedelta(days=DAYS - 2)
    query = Query("reconcile", FIRST + timedelta(days=1), last, ("sent",))
    config = Settings(today_override=TODAY)
    hours = _hourly(counts, DAYS)
    (fitted,) = reconcile(frame, query, NAMES, TODAY, config)
    (result,) = reconcile(frame, query, NAMES, TODAY, config, hours=hours)
    assert fitted.causes["timezone"] != 0 or any(
        row.causes["timezone"] for row in fitted.by_day
    )  # the daily numbers alone fit a shift
    assert all(row.causes["timezone"] == 0 for row in result.by_day)
    assert not [d for d in result.details if d.cause == "timezone"]
    # A journey asked about alone, from the pooled figures, has none either.
    alone_query = replace(query, journeys=("Nightly Digest",))
    pool = pooled_figures(frame, alone_query, TODAY, config, hours=hours)
    own = frame.loc[frame["journey_key"] == 2]
    (alone,) = reconcile(own, alone_query, NAMES, TODAY, config, None, None, [2], None, pool,
                         hours)  # fmt: skip
    assert alone.causes["timezone"] == 0
