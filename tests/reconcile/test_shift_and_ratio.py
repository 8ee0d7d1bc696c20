"""Two ways realistic data broke the diagnosis: a send batch cut by AJO's midnight (the
part of a day that moves belongs to the next batch), and a journey that runs short on
every settled day, whose shortfall is not processing lag on the young days either."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile
from bot.store.calendars import Calendars, SourceCalendar, same_clock

TODAY = date(2026, 11, 29)
NAMES = {1: "Nightly Digest", 2: "Welcome Series"}


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    return frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})


def _answer(frame, start_ago=29, metric="sent"):
    query = Query("reconcile", TODAY - timedelta(days=start_ago), TODAY, (metric,))
    (result,) = reconcile(frame, query, NAMES, TODAY, Settings(today_override=TODAY))
    return result


def test_a_batch_cut_by_ajos_midnight_is_still_a_time_zone_shift():
    """Each day's batch leaves from 23:00 to 03:00 (AJO's days); CJA's data view is 3 hours
    ahead, so its day starts at 21:00: the batch is whole in CJA and cut in AJO, whose day
    is a quarter of one batch and three quarters of the one before."""
    rng = np.random.default_rng(4)
    days = 40
    batches = rng.poisson(20_000 * rng.lognormal(0, 0.25, days))
    hours = np.zeros(days * 24 + 48)
    for k, size in enumerate(batches):
        hours[k * 24 + 23 : k * 24 + 27] += size / 4
    ajo = hours[: days * 24].reshape(days, 24).sum(axis=1)
    shifted = np.concatenate([np.zeros(3), hours])[: days * 24]  # CJA's day d starts 3 h early
    cja = shifted.reshape(days, 24).sum(axis=1)
    first = TODAY - timedelta(days=days - 1)
    rows = [
        (1, first + timedelta(days=i), "sent", int(a), int(c))
        for i, (a, c) in enumerate(zip(ajo, cja, strict=True))
    ]
    frame = _frame(rows[:-8])  # settled days only: nothing else in the way
    end = first + timedelta(days=days - 9)
    query = Query("reconcile", first + timedelta(days=1), end - timedelta(days=1), ("sent",))
    (result,) = reconcile(frame, query, NAMES, TODAY, Settings(today_override=TODAY))
    shifted_days = [b for b in result.by_day if b.delta]
    moved = sum(abs(b.causes.get("timezone", 0)) for b in shifted_days)
    assert moved >= 0.8 * sum(abs(b.delta) for b in shifted_days)
    assert abs(result.causes["unexplained"]) < 0.1 * moved


def test_a_settled_shortfall_stays_unexplained_on_the_young_days():
    """CJA is 15 % short of journey 1 on every day (a data-view filter); today CJA has only
    half of what it will have. Only the half beyond the 15 % is processing lag."""
    rng = np.random.default_rng(8)
    rows = []
    for ago in range(40):
        day = TODAY - timedelta(days=ago)
        for key, short in ((1, 0.15), (2, 0.0)):
            sent = int(rng.poisson(8_000))
            cja = int(rng.binomial(sent, 1 - short))
            if ago == 0:
                cja //= 2
            rows.append((key, day, "opens", sent, cja))
    result = _answer(_frame(rows), metric="opens")
    today = {b.label: b for b in result.by_day}[TODAY.isoformat()]
    filtered = next(b for b in result.by_journey if b.label == NAMES[1])
    ajo_today = next(r[3] for r in rows if r[0] == 1 and r[1] == TODAY)
    # The filter's share of today stays unexplained; lag takes only what is still to come.
    assert filtered.causes["unexplained"] >= 0.15 * filtered.ajo * 0.9
    assert today.causes["processing_lag"] <= today.delta - 0.13 * ajo_today


def _shifted(hours_behind: int) -> pd.DataFrame:
    """A journey whose CJA days start `hours_behind` hours after AJO's."""
    rng = np.random.default_rng(21)
    ajo = rng.poisson(9_000 * rng.lognormal(0, 0.3, 45))
    moved = np.rint(ajo * hours_behind / 24).astype(np.int64)
    cja = ajo - moved + np.append(moved[1:], 0)
    first = TODAY - timedelta(days=44)
    return _frame(
        [
            (1, first + timedelta(days=i), "sent", int(a), int(c))
            for i, (a, c) in enumerate(zip(ajo, cja, strict=True))
        ]
    )


def _calendars(zone: str):
    taken = datetime(2026, 11, 20, 6, tzinfo=UTC)
    source = SourceCalendar("cja", zone, taken, "cja-api", same_clock(zone, "UTC"))
    return Calendars("UTC", (source,))


def test_a_recorded_data_view_zone_is_stated_instead_of_inferred():
    frame = _shifted(8)
    query = Query("reconcile", TODAY - timedelta(days=40), TODAY - timedelta(days=10), ("sent",))
    config = Settings(today_override=TODAY)
    (result,) = reconcile(
        frame, query, NAMES, TODAY, config, None, _calendars("America/Los_Angeles")
    )
    assert result.causes["timezone"] != 0
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    # Los Angeles is 7 hours behind UTC until daylight saving ends on Nov 1, then 8.
    assert "America/Los_Angeles" in detail.check
    assert "7 hours behind UTC, 8 hours from Nov 1" in detail.check


def test_a_recorded_zone_keeping_the_reporting_clock_rules_a_shift_out():
    frame = _shifted(8)
    query = Query("reconcile", TODAY - timedelta(days=40), TODAY - timedelta(days=10), ("sent",))
    config = Settings(today_override=TODAY)
    (inferred,) = reconcile(frame, query, NAMES, TODAY, config)
    (ruled_out,) = reconcile(frame, query, NAMES, TODAY, config, None, _calendars("Etc/UTC"))
    assert inferred.causes["timezone"] != 0
    assert ruled_out.causes["timezone"] == 0
