"""Inferred retries: Delivered's completeness pooled across journeys, one retry period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from bot.query import Query
from bot.reconcile import decay, reconcile
from bot.reconcile.detectors import CellView
from bot.reconcile.reach import pooled
from tests.reconcile.series import NAMES, SETTINGS, TODAY, detail, run, series, volumes


def _view(*frames: pd.DataFrame) -> CellView:
    """Sent cells with Delivered as the sibling columns, as bot.reconcile hands them over."""
    cells = pd.concat(frames, ignore_index=True)
    sent = cells.loc[cells["metric"] == "sent"].drop(columns="metric")
    delivered = cells.loc[cells["metric"] == "delivered", ["journey_key", "day", "ajo", "cja"]]
    sent = sent.merge(
        delivered.rename(columns={"ajo": "sibling_ajo", "cja": "sibling_cja"}),
        on=["journey_key", "day"],
    )
    return CellView.of(sent.sort_values(["journey_key", "day"]).reset_index(drop=True), TODAY)


def test_the_days_completeness_is_pooled_over_journeys_by_volume():
    big, small = np.full(10, 10_000), np.full(10, 1_000)
    big_cja, small_cja = big.copy(), small.copy()
    big_cja[-1], small_cja[-1] = 6_000, 500  # today: 60 % of one, 50 % of the other
    view = _view(
        series(big, big, journey=1),
        series(big, big_cja, journey=1, metric="delivered"),
        series(small, small, journey=2),
        series(small, small_cja, journey=2, metric="delivered"),
    )
    older = view.age >= 4
    reach = pooled(view, older, np.zeros(len(view)))
    today = view.age == 0
    # (6,000 + 500) / (10,000 + 1,000), the same for both journeys.
    assert np.allclose(reach.share[today], 6_500 / 11_000)
    assert np.allclose(reach.share[~today], 1.0)
    assert reach.known.all()


def test_each_journeys_usual_delivered_ratio_comes_off_before_pooling():
    ajo = np.full(10, 10_000)
    cja = np.full(10, 9_900)  # CJA's Delivered is always 1 % short for this journey
    cja[-1] = 4_950  # half of what it will be
    view = _view(series(ajo, ajo), series(ajo, cja, metric="delivered"))
    reach = pooled(view, view.age >= 4, np.zeros(len(view)))
    assert np.isclose(reach.share[view.age == 0][0], 0.5)


def test_the_retry_period_is_the_one_whose_curve_fits_every_journey():
    age = np.array([3, 2, 1, 0])
    readings = []
    for index, (volume, share) in enumerate(((20_000, 0.02), (5_000, 0.01))):
        sent = np.full(4, float(volume))
        queued = share * sent * decay.Drain(2.0).still_queued(age)
        readings.append(
            decay.Reading(np.arange(4) + 4 * index, queued, np.full(4, 100.0), sent, age)
        )
    assert decay.fit(readings) == decay.Drain(2.0)
    # Two precise journeys that plainly differ keep their own shares.
    first, second = decay.amounts(readings, decay.Drain(2.0), 2.0)
    assert np.allclose(first, [0, 0, 100, 300], rtol=0.01)
    assert np.allclose(second, [0, 0, 12.5, 37.5], rtol=0.15)
    steady = decay.Drain(3.5).still_queued(np.array([0, 1, 3]))
    assert steady.round(3).tolist() == [0.857, 0.571, 0.0]


def test_a_queue_of_bounces_that_never_clear_is_fitted_as_a_plateau():
    """Most queued messages never get through: they wait out the whole 84 hours and bounce,
    so three-day-old sends are as queued as yesterday's. A steady drain would fit them
    badly (nothing left at three days); the plateau fits, and gives each day its share."""
    age = np.array([4, 3, 2, 1, 0])
    plateau = decay.Drain(3.5, staying=1.0)
    assert plateau.still_queued(age).tolist() == [0.0, 1.0, 1.0, 1.0, 1.0]
    readings = [
        decay.Reading(
            np.arange(5) + 5 * index,
            share * volume * plateau.still_queued(age),
            np.full(5, 100.0),
            np.full(5, float(volume)),
            age,
        )
        for index, (volume, share) in enumerate(((20_000, 0.02), (8_000, 0.01)))
    ]
    assert decay.fit(readings) == plateau
    first, _ = decay.amounts(readings, plateau, 2.0)
    assert np.allclose(first, [0, 400, 400, 400, 400], rtol=0.01)


def test_a_plateau_the_readings_cannot_tell_from_a_drain_is_not_fitted():
    """Today reads as noisily as its whole shortfall, and a two-day-old day holds a little
    processing lag read as retries (its witnesses were few). A half plateau then fits a
    fraction of a unit better than a steady drain, and would give today hardly more than
    yesterday; within the noise of the fit the steady drain is kept, and today's queue, the
    youngest, is the largest."""
    age = np.array([3, 2, 1, 0])
    readings = [
        decay.Reading(
            np.arange(4) + 4 * index,
            np.array(queued),
            np.array(spread) ** 2,
            np.full(4, volume),
            age,
        )
        for index, (queued, spread, volume) in enumerate(
            (
                ([-20.0, 250.0, 280.0, 300.0], [150.0, 120.0, 200.0, 5_000.0], 30_000.0),
                ([-10.0, 35.0, 45.0, 140.0], [40.0, 40.0, 50.0, 300.0], 6_000.0),
            )
        )
    ]
    misfits = [sum(decay._misfit(r, d) for r in readings) for d in decay.DRAINS]
    least = decay.DRAINS[int(np.argmin(misfits))]
    assert least.staying > 0
    drain = decay.fit(readings)
    assert drain.staying == 0.0
    assert sum(decay._misfit(r, drain) for r in readings) <= min(misfits) + decay.TIED_MISFIT
    big, _ = decay.amounts(readings, drain, 2.0)
    assert big[3] > big[2] > big[1] > 0


def test_a_journey_whose_days_plainly_drain_otherwise_keeps_its_own_period():
    """Retry periods are set per email configuration. One journey read precisely drains
    within a day; another, through another configuration, holds 2 % of every young day (a
    plateau of bounces that never clear, 84 hours). The shared fit follows the precise
    journey; under its one-day period the other's three-day-old queue would be nothing,
    but its own days reject that curve far beyond their noise, so they keep their own."""
    age = np.array([3, 2, 1, 0])
    short = decay.Reading(
        np.arange(4), np.array([0.0, 0.0, 0.0, 200.0]), np.ones(4), np.full(4, 20_000.0), age
    )
    long = decay.Reading(
        np.arange(4) + 4,
        np.array([195.0, 210.0, 190.0, 205.0]),
        np.full(4, 400.0),
        np.full(4, 10_000.0),
        age,
    )
    shared = decay.fit([short, long])
    assert shared.period <= 1.5
    assert decay.drain_of(short, shared) == shared
    assert decay.drain_of(long, shared) == decay.Drain(3.5, staying=1.0)
    first, second = decay.amounts([short, long], shared, 2.0)
    assert np.allclose(first, [0, 0, 0, 200], atol=1)
    assert np.allclose(second, [200, 200, 200, 200], atol=5)


def test_a_journey_within_noise_of_the_shared_drain_follows_it():
    """Readings that the shared curve fits within their noise do not earn a drain of their
    own, however well another one fits by chance."""
    age = np.array([3, 2, 1, 0])
    curve = decay.Drain(2.0).still_queued(age)
    noisy = decay.Reading(
        np.arange(4),
        0.02 * 10_000 * curve + np.array([30.0, -20.0, 25.0, -30.0]),
        np.full(4, 900.0),
        np.full(4, 10_000.0),
        age,
    )
    assert decay.drain_of(noisy, decay.Drain(2.0)) == decay.Drain(2.0)


def test_a_share_within_noise_is_not_retries():
    age = np.array([2, 1, 0])
    reading = decay.Reading(
        np.arange(3), np.array([-40.0, 30.0, 20.0]), np.full(3, 900.0), np.full(3, 5_000.0), age
    )
    assert decay.amounts([reading], decay.Drain(3.5), 2.0) == [None]


def test_journeys_that_agree_lend_a_noisy_journey_their_share():
    """Three large journeys read a 2 % share precisely; a small one reads noise around it.
    Alone the small one is within its noise (nothing); drawn towards the others, it gets
    about their share."""
    age = np.array([2, 1, 0])
    curve = decay.Drain(3.5).still_queued(age)
    readings = [
        decay.Reading(
            np.arange(3) + 3 * i,
            0.02 * 20_000 * curve,
            np.full(3, 400.0),
            np.full(3, 20_000.0),
            age,
        )
        for i in range(3)
    ]
    small = decay.Reading(
        np.arange(3) + 9, np.array([9.0, -4.0, 14.0]), np.full(3, 100.0), np.full(3, 500.0), age
    )
    assert decay.amounts([small], decay.Drain(3.5), 2.0) == [None]
    drawn = decay.amounts([*readings, small], decay.Drain(3.5), 2.0)[-1]
    assert drawn is not None
    assert np.allclose(drawn, 0.02 * 500 * curve, rtol=0.1)


def test_a_small_journeys_retries_today_are_read_against_every_journeys_delivered():
    """Journey 2's own Delivered says CJA has 50 % of today (its counting noise), which alone
    would leave no retries at all; the day's Delivered over both journeys says about 59 %,
    and its Sent is short of that by its retries."""
    big, small = volumes(seed=41, days=30, level=20_000, spread=0.1), np.full(30, 2_000)
    queued = np.zeros(30, dtype=np.int64)
    queued[-4:] = [0, 20, 40, 60]  # 1 %, 2 %, 3 % of the last three days, draining
    processed = np.ones(30)
    processed[-1] = 0.6
    frames = (
        series(big, np.rint(big * processed).astype(np.int64), journey=1),
        series(big, np.rint(big * processed).astype(np.int64), journey=1, metric="delivered"),
        series(small + queued, np.rint(small * processed).astype(np.int64), journey=2),
        series(small, np.where(np.arange(30) == 29, 1_000, small), journey=2, metric="delivered"),
    )
    result = run(*frames)["sent"]
    by_journey = {b.label: b.causes for b in result.by_journey}
    # 120 queued; read against the pooled share (journey 2's own 50 % in it, by volume).
    assert abs(by_journey["Cart Abandon Reminder"]["retries"] - 120) <= 6
    assert by_journey["Welcome Series"]["retries"] == 0
    evidence = detail(result, "retries")["evidence"]
    assert "The figure is inferred: AJO's Retries metric is not stored" in evidence
    assert "Delivered pooled across journeys" in evidence


def test_a_journey_filtered_beyond_the_tolerance_has_no_retries_inferred():
    """Every older day is far off (a data-view filter dropping 12 %): nothing says what is
    usual, so the young days' shortfall is not read as retries."""
    ajo = volumes(seed=42, days=30, level=6_000, spread=0.1)
    cja = np.rint(ajo * 0.88).astype(np.int64)
    sent = run(series(ajo, cja, last_ago=1), start_ago=30, end_ago=1)["sent"]
    assert sent.causes["retries"] == 0
    assert sent.causes["unexplained"] == int((ajo - cja).sum())


def test_a_journey_on_a_channel_ajo_does_not_retry_holds_no_retries():
    """Adobe retries email only: a push journey's Sent short of its Delivered on young days
    is not a retry queue (nor one of the readings the journeys' shared rate is drawn from),
    while the email journey beside it keeps its retries. Without channels (a caller that
    did not look them up) every journey may hold retries, as before."""
    email = volumes(seed=51, days=30, level=8_000, spread=0.1)
    queued = np.zeros(30, dtype=np.int64)
    queued[-4:] = np.rint(0.02 * email[-4:])
    delivered = np.rint(0.97 * (email - queued)).astype(np.int64)
    push = volumes(seed=52, days=30, level=10_000, spread=0.1)
    short = np.zeros(30, dtype=np.int64)
    short[-4:] = np.rint(0.02 * push[-4:])
    push_delivered = np.rint(0.98 * push).astype(np.int64)
    frame = pd.concat(
        [
            series(email, email - queued, journey=1),
            series(delivered, delivered, journey=1, metric="delivered"),
            series(push, push - short, journey=2),
            series(push_delivered, push_delivered, journey=2, metric="delivered"),
        ],
        ignore_index=True,
    )
    query = Query("reconcile", TODAY - timedelta(days=29), TODAY, ("sent",))

    def retries_by_journey(channels) -> dict[str, int]:
        results = reconcile(frame, query, NAMES, TODAY, SETTINGS, None, channels=channels)
        sent = next(r for r in results if r.metric == "sent")
        return {b.label: b.causes["retries"] for b in sent.by_journey}

    known = retries_by_journey({1: ("email",), 2: ("push",)})
    assert known == {"Welcome Series": int(queued.sum()), "Cart Abandon Reminder": 0}
    assert retries_by_journey(None)["Cart Abandon Reminder"] == int(short.sum())


def test_a_journeys_own_delivered_reads_its_retries_where_both_wobble_together():
    """Sent and Delivered come from one dataset: a journey's day that CJA thins (its data
    source's wobble, the hours it sent at today) thins both alike. Three journeys of
    20,000 a day, one queueing 0.4-0.7 % of its sends, CJA wobbling by 0.5 % a day and
    holding 60 %, 90 % and 30 % of today: against Delivered pooled across journeys the
    queue drowns in the wobble and today in when each journey sent (no retries found);
    against the journey's own Delivered, the ratio of the two leaves the queue."""
    rng = np.random.default_rng(12)
    frames, queued = [], np.zeros(30, dtype=np.int64)
    for journey, today in ((1, 0.6), (2, 0.9), (3, 0.3)):
        sent = volumes(seed=20 + journey, days=30, level=20_000, spread=0.1)
        if journey == 1:
            queued[-4:] = np.rint(sent[-4:] * np.array([0.004, 0.005, 0.006, 0.007]))
        mine = queued if journey == 1 else 0
        delivered = np.rint(sent * 0.97).astype(np.int64)  # AJO's own reading: no queue
        thinned = rng.normal(1, 0.005, 30)
        thinned[-1] *= today
        frames += [
            series(sent, np.rint((sent - mine) * thinned), journey=journey),
            series(delivered, np.rint(delivered * thinned), metric="delivered", journey=journey),
        ]
    result = run(*frames)["sent"]
    by_journey = {b.label: b.causes["retries"] for b in result.by_journey}
    assert abs(by_journey["Welcome Series"] - queued.sum()) <= 0.1 * queued.sum()
    assert by_journey["Cart Abandon Reminder"] == by_journey["Win-back Offer"] == 0


def test_a_morning_capture_finds_todays_queue_nearly_whole():
    """Captured at 08:00: today's sends are a few hours old and nearly all of their soft
    bounces still queued, yesterday's a day less a third old, and the last sends of three
    days back still inside a two-day period with half of them waiting it out. Read as
    though the capture came at the day's end, the fitted curve had the day three back
    emptied (main found none of its 46); read at the capture's hour, the queue drains as it
    did."""
    captured_at = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=8)
    sent = volumes(seed=61, days=30, level=30_000, spread=0.1)
    sent[-1] = sent[-1] // 3  # a third of today sent so far
    ages = np.arange(29, -1, -1)
    drain = decay.Drain(2.0, staying=0.5)
    still = drain.still_queued(decay.queue_age(ages, 8 / 24))
    assert still[-4:].round(3).tolist() == [0.083, 0.542, 0.792, 0.958]
    assert drain.still_queued(ages[-4:]).round(3).tolist() == [0.0, 0.25, 0.625, 0.875]
    queued = np.rint(0.03 * sent * still).astype(np.int64)
    bounces = np.rint(sent * 0.02).astype(np.int64)
    delivered = sent - bounces
    frame = pd.concat(
        [
            series(sent + queued, sent),
            series(delivered, delivered, metric="delivered"),
            series(bounces, bounces, metric="bounces"),
        ],
        ignore_index=True,
    )
    query = Query("reconcile", TODAY - timedelta(days=29), TODAY, ("sent",))
    (result,) = reconcile(frame, query, NAMES, TODAY, SETTINGS, captured_at=captured_at)
    found = np.array([day.causes["retries"] for day in result.by_day[-4:]])
    assert np.allclose(found, queued[-4:], rtol=0.05, atol=3)
