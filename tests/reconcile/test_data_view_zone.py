"""The time zone as a property of the data view: an offset between two IANA zones applied to
each day's hours, so the share that moves changes when daylight saving ends; one zone for
every metric and journey, inherited by a metric too small to show it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile
from bot.reconcile.detectors import CellView, Seen, with_neighbours
from bot.reconcile.detectors.timezone import (
    Part,
    TimeShift,
    _alike_with_audiences,
    _Choice,
    detect,
)
from bot.reconcile.offsets import candidates, offsets
from bot.reconcile.recorded import Recorded

TODAY = date(2026, 11, 29)
FIRST = date(2026, 10, 10)  # 40 days: Oct 25 (Europe) and Nov 1 (America) inside
DAYS = 40
NAMES = {1: "Welcome Series", 2: "Cart Abandon Reminder"}


def _profile(peak: float, width: float) -> np.ndarray:
    """Events per UTC hour of a day, spread around a peak."""
    hours = np.arange(24) + 0.5
    distance = np.minimum(np.abs(hours - peak), 24 - np.abs(hours - peak))
    weights = 0.2 + np.exp(-0.5 * (distance / width) ** 2)
    return weights / weights.sum()


def _days(volume: np.ndarray, profile: np.ndarray, zone: str) -> tuple[np.ndarray, np.ndarray]:
    """AJO's days (UTC) and CJA's (the data view's `zone`) of events sent hour by hour."""
    counts = (volume[:, None] * profile[None, :]).reshape(-1)
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    tz = ZoneInfo(zone)
    local = np.array(
        [
            ((start + timedelta(hours=h)).astimezone(tz).date() - FIRST).days
            for h in range(len(counts))
        ]
    )
    cja = np.bincount(np.clip(local, 0, DAYS - 1), weights=counts, minlength=DAYS)
    cja[0] = volume[0]  # the first day's neighbour outside the simulated hours
    return np.rint(volume).astype(np.int64), np.rint(cja).astype(np.int64)


def _frame(series: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    rows = [
        (key, FIRST + timedelta(days=i), metric, int(a), int(c))
        for (key, metric), (ajo, cja) in series.items()
        for i, (a, c) in enumerate(zip(ajo, cja, strict=True))
    ]
    frame = pd.DataFrame(rows, columns=["journey_key", "day", "metric", "ajo", "cja"])
    return frame.assign(ajo_rows=1, cja_rows=1).astype({"day": "datetime64[us]"})


def _volume(seed: int, level: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekend = np.where(np.arange(DAYS) % 7 >= 5, 0.6, 1.0)
    return level * weekend * rng.lognormal(0, 0.25, DAYS)


def _answer(frame: pd.DataFrame, metrics: tuple[str, ...]):
    # The range leaves out the first and last simulated days (their neighbours are not all
    # there) and ends well before today (nothing still being processed).
    query = Query("reconcile", FIRST + timedelta(days=1), FIRST + timedelta(days=DAYS - 2), metrics)
    results = reconcile(frame, query, NAMES, TODAY, Settings(today_override=TODAY))
    return {r.metric: r for r in results}


def _detail(result):
    (detail,) = [d for d in result.details if d.cause == "timezone"]
    return detail


def test_offsets_change_at_each_daylight_saving_end():
    paris = offsets("Europe/Paris", "UTC", FIRST, FIRST + timedelta(days=DAYS))
    assert paris.segments == ((FIRST, 2.0), (date(2026, 10, 25), 1.0))
    los_angeles = offsets("America/Los_Angeles", "Europe/Paris", FIRST, date(2026, 11, 10))
    assert [h for _, h in los_angeles.segments] == [-9.0, -8.0, -9.0]
    assert los_angeles.describe() == "9 hours behind Europe/Paris, 8 since Oct 25, 9 since Nov 1"


def test_the_share_that_moves_follows_the_us_daylight_saving_end():
    """Los Angeles is 7 hours behind UTC until Nov 1, then 8: an hour more of every day
    moves to the previous day from then on, and the fit follows it."""
    volume = _volume(1, 12_000)
    # Spread evenly over the day: 24 times the share that moves is the offset in hours.
    ajo, cja = _days(volume, np.full(24, 1 / 24), "America/Los_Angeles")
    sent = _answer(_frame({(1, "sent"): (ajo, cja)}), ("sent",))["sent"]
    true = {FIRST + timedelta(days=i): int(ajo[i] - cja[i]) for i in range(1, DAYS - 1)}
    for row in sent.by_day:
        assert abs(row.causes["timezone"] - true[date.fromisoformat(row.label)]) <= 3
    assert abs(sent.causes["unexplained"]) + abs(sent.causes["datasource"]) <= 40
    detail = _detail(sent)
    stated = "CJA's data view looks like America/Los_Angeles, 7 hours behind UTC, 8 since Nov 1 ("
    assert stated in detail.evidence
    assert "inferred from 1 series of daily numbers" in detail.evidence
    # Other zones changing their clocks on Nov 1 fit alike: the answer says so.
    assert "America/Chicago" in detail.evidence
    assert "fit as well" in detail.evidence


def test_the_share_that_moves_follows_the_european_daylight_saving_end():
    volume = _volume(2, 8_000)
    ajo, cja = _days(volume, np.full(24, 1 / 24), "Europe/Paris")
    sent = _answer(_frame({(1, "sent"): (ajo, cja)}), ("sent",))["sent"]
    true = int(np.abs(ajo - cja)[1:-1].sum())
    found = sum(abs(row.causes["timezone"]) for row in sent.by_day)
    assert found >= 0.97 * true
    # Spread evenly, the shares say 2 hours, then 1: Paris, not Helsinki (3, then 2).
    assert "Europe/Paris, 2 hours ahead of UTC, 1 since Oct 25" in _detail(sent).evidence


def test_a_metric_too_small_to_show_the_shift_inherits_its_journeys():
    """Clicks, 25 a day, swing with the same hours as the journey's sends; alone they are
    noise, with the sends in view they take their journey's shift."""
    rng = np.random.default_rng(3)
    profile = _profile(peak=13, width=6)
    volume = _volume(3, 15_000)
    clicks = rng.poisson(25 * volume / volume.mean()).astype(float)
    ajo, cja = _days(clicks, profile, "America/New_York")
    # The data sources' counting noise, a few clicks a day: as large as the swing.
    noise = rng.integers(-4, 5, DAYS)
    series = {
        (1, "sent"): _days(volume, profile, "America/New_York"),
        (1, "clicks"): (ajo, cja + noise),
        (2, "sent"): _days(_volume(4, 9_000), profile, "America/New_York"),
    }
    frame = _frame(series)
    true = int(np.abs(ajo - cja)[1:-1].sum())
    alone = _answer(frame.loc[frame["metric"] == "clicks"], ("clicks",))["clicks"]
    together = _answer(frame, ("clicks",))["clicks"]
    assert alone.causes["timezone"] == 0
    inherited = sum(abs(row.causes["timezone"]) for row in together.by_day)
    assert inherited >= 0.6 * true
    assert abs(together.causes["unexplained"]) <= 0.4 * true
    assert "inferred from 3 series of daily numbers (2 metrics)" in _detail(together).evidence


def test_a_data_view_keeping_the_reporting_clock_shows_no_shift():
    volume = _volume(5, 10_000)
    ajo, cja = _days(volume, _profile(peak=12, width=5), "Etc/UTC")
    sent = _answer(_frame({(1, "sent"): (ajo, cja)}), ("sent",))["sent"]
    assert sent.causes["timezone"] == 0


def test_two_zones_fitting_alike_are_both_named_and_the_zone_is_uncertain():
    """The wording of an inferred zone with a rival that changes clocks on other days."""
    zone = offsets("America/New_York", "UTC", FIRST, FIRST + timedelta(days=DAYS))
    shift = TimeShift(
        amount=np.array([5, -5]),
        confidence="medium",
        zone=zone,
        shares=(0.17, 0.21),
        explained=0.7,
        journeys=(1,),
        days=(FIRST,),
        volume=1000,
        total_gap=3,
        series=4,
        metrics=2,
        alike=("America/Chicago",),
        rival="Europe/London",
    )
    seen = Seen("sent", pd.DataFrame(), None, NAMES, {})
    confidence, evidence, check = TimeShift.explain([shift], seen)
    assert confidence == "medium"
    assert (
        "CJA's data view looks like America/New_York, 4 hours behind UTC, 5 since Nov 1 "
        "(inferred from 4 series of daily numbers (2 metrics) fitted together"
    ) in evidence
    assert (
        "America/Chicago changes its clock on the same days (or with an audience's) and fits "
        "as well"
    ) in evidence
    assert "the zone named is a guess among these" in evidence
    assert "Europe/London fits almost as well, so the zone is uncertain" in evidence
    assert "17.0 % of each day moves to the previous day, 21.0 % from Nov 2" in evidence
    assert check.startswith("CJA looks about 5 hours behind AJO")


def test_the_share_that_moves_follows_the_audiences_daylight_saving_end():
    """A journey sends at 5 to 8 am in Paris: 3 to 6 am UTC until Oct 25, 4 to 7 am after.
    The data view (America/Bogota, 5 hours behind UTC all along) moves UTC's hours before
    5 am to the previous day: two thirds of the day until Oct 25, one third after. The data
    view's offset never changes, and no common zone behind UTC changes its clock on
    Oct 25; the share that moves does, on the audience's day."""
    volume = _volume(5, 12_000)
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    bogota = ZoneInfo("America/Bogota")
    ajo = np.rint(volume).astype(np.int64)
    cja = np.zeros(DAYS)
    for i in range(DAYS):
        summer = FIRST + timedelta(days=i) < date(2026, 10, 25)
        for hour in (3, 4, 5) if summer else (4, 5, 6):
            moment = start + timedelta(days=i, hours=hour)
            day = (moment.astimezone(bogota).date() - FIRST).days
            cja[max(day, 0)] += volume[i] / 3
    cja[-1] = volume[-1]
    cja = np.rint(cja).astype(np.int64)
    sent = _answer(_frame({(1, "sent"): (ajo, cja)}), ("sent",))["sent"]
    true = int(np.abs(ajo - cja)[1:-1].sum())
    found = sum(abs(row.causes["timezone"]) for row in sent.by_day)
    assert found >= 0.95 * true
    assert abs(sent.causes["unexplained"]) + abs(sent.causes["datasource"]) <= 0.05 * true


def test_a_data_view_filter_from_a_date_on_does_not_bend_the_shift():
    """Besides a data view in Los Angeles, a filter drops 12 % of the journey's events
    from Oct 30 on: its step is the filter's (unexplained), what moves stays the zone's.
    With one steady difference for the whole range, the step's remainder (a few percent
    of every day, one sign before and the other after) bent the shares."""
    volume = _volume(7, 12_000)
    ajo, cja = _days(volume, _profile(peak=16, width=4), "America/Los_Angeles")
    since = (date(2026, 10, 30) - FIRST).days
    kept = np.where(np.arange(DAYS) >= since, 0.88, 1.0)
    filtered = np.rint(cja * kept).astype(np.int64)
    sent = _answer(_frame({(1, "sent"): (ajo, filtered)}), ("sent",))["sent"]
    days = range(1, DAYS - 1)
    shift = {FIRST + timedelta(days=i): int(ajo[i] - cja[i]) for i in days}
    step = {FIRST + timedelta(days=i): int(cja[i] - filtered[i]) for i in days}
    missed = sum(
        abs(row.causes["timezone"] - shift[date.fromisoformat(row.label)]) for row in sent.by_day
    )
    assert missed <= 0.1 * sum(abs(v) for v in shift.values())
    assert abs(sent.causes["unexplained"] - sum(step.values())) <= 0.1 * sum(step.values())


def test_a_segment_with_no_day_fitted_moves_the_share_of_the_segment_before_it():
    """Los Angeles goes from 7 to 8 hours behind UTC on Nov 1; the days after the change
    (and the day before it, whose neighbour is one of them) are all still being processed,
    not fitted on, so no share of their own was fitted.
    They move about what the days before did (spread sends: a 24th of a day more), not
    nothing, as an unfitted share of 0 said."""
    volume = _volume(3, 12_000)
    ajo, cja = _days(volume, np.full(24, 1 / 24), "America/Los_Angeles")
    frame = _frame({(1, "sent"): (ajo, cja)})
    cells = with_neighbours(frame).iloc[1:-1].reset_index(drop=True)
    view = CellView.of(cells, TODAY)
    fitted = view.day < np.datetime64("2026-11-01")
    every = np.ones(len(view), dtype=bool)
    part = Part("sent", view, view.ajo - view.cja, fitted, every)
    # Recorded by a pull, so the zone's own segments are fitted (inferred, a zone keeping
    # one offset throughout fits the fitted days as well, with one share fewer).
    known = Recorded(
        "America/Los_Angeles", "UTC", TODAY, ((FIRST, -7.0), (date(2026, 11, 1), -8.0))
    )
    (shift,) = detect([part], "UTC", known).values()
    after = view.day >= np.datetime64("2026-11-02")
    true = (view.ajo - view.cja)[after]
    assert np.abs(shift.amount[after] - true).sum() <= 0.25 * np.abs(true).sum()


def test_zones_alike_once_the_audiences_clock_changes_are_allowed_for_are_named():
    """Against Europe/Paris, Europe/London is an hour behind all along and America/Halifax
    five hours, four from Oct 25, five from Nov 1. With a European audience's send hours
    moving on Oct 25 and an American one's on Nov 1, London's fit has Halifax's segments:
    the daily numbers cannot tell them apart, and the answer must say so."""
    span = (FIRST, FIRST + timedelta(days=DAYS))
    zones = candidates("Europe/Paris", *span)
    halifax = next(z for z in zones if z.zone == "America/Halifax")
    choice = _Choice(halifax, {}, 100.0, (), "", halifax)
    alike = _alike_with_audiences(choice, zones, span)
    assert "Europe/London" in alike
    assert "America/New_York" in alike
    assert "Asia/Tokyo" not in alike  # ahead of Paris: another direction
