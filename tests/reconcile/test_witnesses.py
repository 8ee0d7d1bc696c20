"""Sent's retry-free witnesses (Delivered, Bounces, Errors, Excluded): how far CJA got on a
day, what that says about lag and retries, and measured retries on a day that drifted."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.metrics import metric_facts
from bot.reconcile import witnesses
from bot.reconcile.detectors import CellView
from bot.reconcile.reach import pooled
from tests.reconcile.series import TODAY, detail, run, series, shifted, volumes


def _queue(sent: np.ndarray) -> np.ndarray:
    """AJO's queued retries in `sent`, draining over 3.5 days: 0.6 % of two days back and
    1.2 % of yesterday."""
    queued = np.zeros(len(sent), dtype=np.int64)
    queued[-3:-1] = np.rint(sent[-3:-1] * np.array([0.006, 0.012])).astype(np.int64)
    return queued


def _wobbled(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """CJA's count when its data source wobbles by 1 % a day against AJO's."""
    return np.rint(values * rng.normal(1, 0.01, len(values))).astype(np.int64)


def test_a_young_day_still_arriving_in_every_journey_is_lag_not_retries():
    """Two days back is final by the documented rule, but every journey's Delivered in CJA
    is 15 % short that day: CJA is still processing it, and Sent's gap there is lag."""
    frames = []
    for journey, level in ((1, 9_000), (2, 6_000)):
        sent = volumes(seed=50 + journey, days=30, level=level, spread=0.1)
        delivered = np.rint(sent * 0.97).astype(np.int64)
        processed = np.ones(30)
        processed[-3] = 0.85  # two days back
        processed[-1] = 0.5  # today
        frames += [
            series(sent, np.rint(sent * processed).astype(np.int64), journey=journey),
            series(
                delivered,
                np.rint(delivered * processed).astype(np.int64),
                journey=journey,
                metric="delivered",
            ),
        ]
    result = run(*frames)["sent"]
    two_back = result.by_day[-3]
    assert two_back.causes["processing_lag"] == two_back.delta
    assert result.causes["retries"] == 0
    assert result.causes["unexplained"] == 0
    evidence = detail(result, "processing_lag")["evidence"]
    assert "were still up to 15.0 % short across journeys" in evidence


def test_a_day_the_witnesses_show_complete_is_not_lag():
    """The same store with nothing missing two days back: no lag beyond today."""
    sent = volumes(seed=53, days=30, level=9_000, spread=0.1)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    processed = np.ones(30)
    processed[-1] = 0.5
    result = run(
        series(sent, np.rint(sent * processed).astype(np.int64)),
        series(delivered, np.rint(delivered * processed).astype(np.int64), metric="delivered"),
    )["sent"]
    assert [d.causes["processing_lag"] != 0 for d in result.by_day[-3:]] == [False, False, True]


def test_retries_today_are_read_from_bounces_and_excluded_without_delivered():
    """No Delivered stored: Bounces and Excluded come from the same dataset and are as far
    processed as Sent, so today's retries still stand apart from today's lag."""
    sent = volumes(seed=54, days=30, level=30_000, spread=0.1)
    queued = np.zeros(30, dtype=np.int64)
    queued[-3:] = np.rint(sent[-3:] * np.array([0.01, 0.02, 0.03])).astype(np.int64)
    processed = np.ones(30)
    processed[-1] = 0.6
    cja_of = lambda values: np.rint(values * processed).astype(np.int64)  # noqa: E731
    bounces = np.rint(sent * 0.02).astype(np.int64)
    excluded = np.rint(sent * 0.03).astype(np.int64)
    result = run(
        series(sent + queued, cja_of(sent)),
        series(bounces, cja_of(bounces), metric="bounces"),
        series(excluded, cja_of(excluded), metric="excluded"),
    )["sent"]
    assert abs(result.causes["retries"] - int(queued.sum())) <= 0.05 * queued.sum()
    today = result.by_day[-1]
    assert abs(today.causes["retries"] - int(queued[-1])) <= 0.05 * queued[-1]
    evidence = detail(result, "retries")["evidence"]
    assert "Bounces, Errors and Excluded where stored" in evidence
    assert "beyond AJO's own Delivered" in evidence


def test_a_journey_whose_witnesses_show_no_retries_gets_none_from_the_window():
    """CJA's Sent is short on the young days, but so is its Delivered, by the same share:
    the witnesses were read and found no retries, so the window alone does not invent them."""
    sent = volumes(seed=55, days=30, level=8_000, spread=0.1)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    kept = np.ones(30)
    kept[-4:-1] = 0.996  # settled by the rules, a little short on both
    result = run(
        series(sent, np.rint(sent * kept).astype(np.int64), last_ago=0),
        series(delivered, np.rint(delivered * kept).astype(np.int64), metric="delivered"),
        start_ago=29,
        end_ago=1,
    )["sent"]
    assert result.causes["retries"] == 0


def test_a_time_zone_shift_on_older_days_does_not_bias_how_far_cja_got():
    """CJA six hours behind: the older days a journey's usual ratio is learned from keep
    what moved across their edges; corrected for the shift, a settled day reads complete."""
    sent = volumes(seed=56, days=30, level=20_000, spread=0.3)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    sent_cells = series(sent, shifted(sent, 6))
    cells = sent_cells.assign(sibling_ajo=delivered, sibling_cja=shifted(delivered, 6))
    view = CellView.of(cells.drop(columns="metric"), sent_cells["day"].max().date())
    shift = (view.ajo - view.cja).astype(float)
    older = view.age >= 7
    reach = pooled(view, older, shift)
    settled_young = (view.age >= 1) & (view.age < 7)
    assert np.allclose(reach.share[settled_young], 1.0, atol=0.003)


def test_measured_retries_stand_on_a_day_that_drifted_below_usual():
    """CJA is usually 1.2 % short; one young day it is only 0.8 % short yet AJO says 130
    messages are queued: the day's gap holds them, so all 130 are retries."""
    ajo = np.full(30, 50_000)
    cja = np.rint(ajo * (1 - 0.012)).astype(np.int64)
    retries = np.zeros(30, dtype=np.int64)
    retries[-2] = 130
    cja[-2] = int(ajo[-2] * (1 - 0.008))  # the day's own drift
    frames = (
        series(ajo + retries, cja),
        series(retries, np.zeros(30), metric="retries", cja_rows=[0] * 30),
    )
    sent = run(*frames, start_ago=29, end_ago=1)["sent"]
    assert sent.by_day[-1].causes["retries"] == 130
    assert sent.causes["retries"] == 130


def test_ajos_own_delivered_reads_retries_through_a_wobbling_data_source():
    """CJA wobbles by 1 % a day against AJO, Sent and Delivered each on its own: against
    CJA, retries of 0.6-1.2 % are lost in it. AJO's Sent beyond AJO's own Delivered (its
    usual 97 %) has no CJA in it and reads them."""
    rng = np.random.default_rng(57)
    sent = volumes(seed=57, days=30, level=20_000, spread=0.1)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    queued = _queue(sent)
    result = run(
        series(sent + queued, _wobbled(sent, rng)),
        series(delivered, _wobbled(delivered, rng), metric="delivered"),
        start_ago=29,
        end_ago=1,
    )["sent"]
    assert abs(result.causes["retries"] - int(queued.sum())) <= 0.1 * queued.sum()
    # Two readings agreed (AJO's own and CJA's): "medium".
    assert detail(result, "retries")["confidence"] == "medium"


def test_a_filtered_journey_still_shows_ajos_queued_retries():
    """A data-view filter drops 12 % of the journey in CJA (unexplained, and no older day
    says what is usual against CJA), while AJO's Sent beyond AJO's own Delivered still reads
    the queue; CJA's Delivered is not even in the data view."""
    sent = volumes(seed=58, days=30, level=20_000, spread=0.1)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    queued = _queue(sent)
    cja = np.rint(sent * 0.88).astype(np.int64)
    result = run(
        series(sent + queued, cja),
        series(delivered, np.zeros(30), metric="delivered", cja_rows=[0] * 30),
        start_ago=29,
        end_ago=1,
    )["sent"]
    assert abs(result.causes["retries"] - int(queued.sum())) <= 0.1 * queued.sum()
    assert result.causes["datasource"] == 0  # 12 % is far beyond the tolerance
    assert result.causes["unexplained"] == result.delta - result.causes["retries"]


def test_measured_retries_stand_through_a_days_usual_scatter():
    """CJA is usually 0.2 % short, give or take 0.3 % a day; two days back it has 0.1 % more
    than AJO's own sends, and AJO says 100 messages are queued. The gap (50) is smaller than
    the queue only by the day's ordinary scatter, so all 100 are retries."""
    rng = np.random.default_rng(59)
    ajo = np.full(30, 50_000)
    cja = np.rint(ajo * (1 - 0.002 + rng.normal(0, 0.003, 30))).astype(np.int64)
    cja[-3] = 50_050
    retries = np.zeros(30, dtype=np.int64)
    retries[-3] = 100
    frames = (
        series(ajo + retries, cja),
        series(retries, np.zeros(30), metric="retries", cja_rows=[0] * 30),
    )
    sent = run(*frames, start_ago=29, end_ago=1)["sent"]
    assert sent.by_day[-2].causes["retries"] == 100


def test_ajos_own_reading_uses_the_witness_that_tracks_sent_most_tightly():
    """AJO's Delivered is a steady 97 % of Sent; its Excluded swings by a third from day to
    day. Summed, Excluded's swings (about 1 % of Sent) would bury the queue; Delivered alone
    reads it. CJA wobbles by 1 % a day, so the reading against CJA cannot help either."""
    rng = np.random.default_rng(60)
    sent = volumes(seed=60, days=30, level=20_000, spread=0.1)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    excluded = np.rint(sent * 0.03 * rng.uniform(0.67, 1.33, 30)).astype(np.int64)
    queued = _queue(sent)
    result = run(
        series(sent + queued, _wobbled(sent, rng)),
        series(delivered, _wobbled(delivered, rng), metric="delivered"),
        series(excluded, _wobbled(excluded, rng), metric="excluded"),
        start_ago=29,
        end_ago=1,
    )["sent"]
    assert abs(result.causes["retries"] - int(queued.sum())) <= 0.1 * queued.sum()


def test_ajos_own_reading_is_set_aside_when_its_delivered_takes_in_earlier_retries():
    """AJO counts a retried message in Delivered on the day it finally gets through, so a
    young day's Delivered holds earlier days' retries leaving the queue and keeps its usual
    97 % of Sent: AJO's Sent beyond it reads the queue's net change, nothing. CJA's Sent of
    a day counts its sends once they leave the queue, short of the queue against CJA's
    Delivered, which is complete. The two readings disagree beyond their noise; CJA's is
    kept."""
    rng = np.random.default_rng(61)
    sent = volumes(seed=61, days=30, level=20_000, spread=0.1)
    queued = np.zeros(30, dtype=np.int64)
    queued[-4:] = np.rint(sent[-4:] * np.array([0.01, 0.015, 0.02, 0.02])).astype(np.int64)
    delivered = np.rint(sent * 0.97).astype(np.int64)
    cja = np.rint(sent * rng.normal(1, 0.0005, 30)).astype(np.int64)
    result = run(
        series(sent, cja - queued),
        series(delivered, delivered, metric="delivered"),
        start_ago=29,
        end_ago=1,
    )["sent"]
    assert abs(result.causes["retries"] - int(queued[:-1].sum())) <= 0.15 * queued[:-1].sum()
    found = detail(result, "retries")
    assert "beyond AJO's own Delivered where the two agree" in found["evidence"]
    # CJA's reading alone: its lag and wobble are in it, so the figure is not "medium".
    assert "AJO's own Delivered did not confirm it" in found["evidence"]
    assert found["confidence"] == "low"


def test_today_a_journey_sending_late_is_not_read_against_the_pool_as_retries():
    """Today CJA has 70 % of the large journey, which sends early, and 20 % of the other,
    whose batch left an hour before the capture: the pooled share is about 59 %, and the
    second journey's Sent falls short of it mostly because of when it sent. Its reading today
    is as uncertain as its whole shortfall, so its retries come from the days before (2 % of
    each day's sends still queued, read through CJA's 1 % daily wobble), not from today's
    timing."""
    rng = np.random.default_rng(64)
    frames, queue = [], np.zeros(30, dtype=np.int64)
    for journey, level, today in ((1, 20_000, 0.7), (2, 6_000, 0.2)):
        sent = volumes(seed=62 + journey, days=30, level=level, spread=0.1)
        delivered = np.rint(sent * 0.97).astype(np.int64)
        processed = np.ones(30)
        processed[-1] = today
        if journey == 2:
            queue[-4:] = np.rint(sent[-4:] * 0.02).astype(np.int64)
        frames += [
            series(sent + queue, _wobbled(sent * processed, rng), journey=journey),
            series(
                delivered,
                np.rint(delivered * processed).astype(np.int64),
                journey=journey,
                metric="delivered",
            ),
        ]
    result = run(*frames)["sent"]
    later = next(b for b in result.by_journey if b.label == "Cart Abandon Reminder")
    assert abs(later.causes["retries"] - int(queue.sum())) <= 0.2 * queue.sum()


def _delivered(*journeys: tuple[int, np.ndarray, np.ndarray]):
    """Delivered series, one per (journey, AJO, CJA)."""
    return [series(ajo, cja, journey=j, metric="delivered") for j, ajo, cja in journeys]


def test_a_day_still_arriving_in_every_journeys_delivered_is_lag():
    """Delivered is its own witness: three days back every journey's CJA Delivered is 4 %
    short, a day the documented rule calls final. CJA is still processing it: lag, not a
    journey beyond the tolerance."""
    frames = []
    for journey, level in ((1, 9_000), (2, 6_000)):
        ajo = volumes(seed=70 + journey, days=30, level=level, spread=0.1)
        processed = np.ones(30)
        processed[-4] = 0.96
        processed[-1] = 0.5
        frames += _delivered((journey, ajo, np.rint(ajo * processed).astype(np.int64)))
    result = run(*frames, metrics=("delivered",))["delivered"]
    three_back = result.by_day[-4]
    assert three_back.causes["processing_lag"] == three_back.delta
    assert result.causes["unexplained"] == 0
    assert (
        "Delivered was still up to 4.0 % short across journeys"
        in detail(result, "processing_lag")["evidence"]
    )


def test_a_journey_short_far_beyond_the_other_journeys_is_not_lag():
    """A data-view filter drops 15 % of the largest journey from five days back. Pooled with
    it, every one of those days looks 9 % short, as if still arriving; the other journeys
    have all of them. Lag is what the others lack, so the journey's 15 % is unexplained."""
    ajo = {
        j: volumes(seed=80 + j, days=30, level=v, spread=0.1)
        for j, v in ((1, 20_000), (2, 5_000), (3, 5_000))
    }
    frames = []
    for journey, values in ajo.items():
        processed = np.ones(30)
        processed[-1] = 0.5
        if journey == 1:
            processed[-6:-1] = 0.85
        frames += _delivered((journey, values, np.rint(values * processed).astype(np.int64)))
    result = run(*frames, metrics=("delivered",))["delivered"]
    days = result.by_day[-6:-1]
    lag = sum(day.causes["processing_lag"] for day in days)
    assert lag <= 0.03 * sum(day.delta for day in days)  # within the journeys' noise
    filtered = int((ajo[1][-6:-1] * 0.15).sum())
    assert abs(result.causes["unexplained"] - filtered) <= 0.02 * filtered


def test_ajos_own_reading_is_set_aside_on_every_journey_when_they_together_disagree():
    """Which day AJO's Delivered counts a retried message on is one setting of the product.
    Three journeys where AJO counts it on the day it gets through (AJO's own reading says
    nothing), CJA wobbling by 0.5 % a day: no journey's readings disagree beyond their
    noise on their own, and weighed together with AJO's each journey's retries drown. The
    three together disagree, so CJA's reading stands on all three."""
    frames, total = _queueing_where_ajo_counts_late({1: 20_000, 2: 20_000, 3: 20_000})
    result = run(*frames, start_ago=29, end_ago=1)["sent"]
    assert abs(result.causes["retries"] - total) <= 0.25 * total
    assert "AJO's own Delivered did not confirm it" in detail(result, "retries")["evidence"]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), cja_share=st.sampled_from([0.0, 0.5, 1.0]))
def test_the_witnesses_sums_are_a_group_by_and_a_merge(seed, cja_share):
    """`witnesses.summed`'s sums per journey and day, read by cell codes, are the group-by
    of the rows both sides count merged onto AJO's own witness: the same frame, types
    included (integers where every cell has them, NaN where CJA counts none)."""
    rng = np.random.default_rng(seed)
    frames = []
    for journey in range(1, int(rng.integers(1, 5)) + 1):
        for metric in ("sent", "delivered", "bounces", "errors", "excluded", "opens"):
            if rng.random() < 0.2:
                continue
            ajo = rng.integers(0, 50, 12) * (rng.random(12) < 0.8)
            cja = rng.integers(0, 50, 12) * (rng.random(12) < cja_share)
            frames.append(series(ajo, cja, metric=metric, journey=journey))
    inside = pd.concat(frames, ignore_index=True) if frames else series([], [])
    older = pd.Timestamp(TODAY) - pd.Timedelta(days=4)
    found = witnesses.summed(inside, "sent", older)
    keys = ["journey_key", "day"]
    rows = inside.loc[inside["metric"].isin(metric_facts("sent").witnesses) & (inside["ajo"] > 0)]
    both = rows.loc[rows["cja"] > 0].groupby(keys, as_index=False)[["ajo", "cja"]].sum()
    both = both.rename(columns={"ajo": "sibling_ajo", "cja": "sibling_cja"})
    own = found[[*keys, "own_witness"]]
    pd.testing.assert_frame_equal(found, own.merge(both, on=keys, how="left"))


def test_a_journey_that_sent_late_yesterday_is_read_against_its_own_delivered():
    """Three journeys of 20,000 a day. Yesterday CJA holds 92 % of the one that sent in its
    last hours and 99 % of the two that sent in the morning (CJA's ingestion delays have a
    tail of days); the late one also queues 0.5-1.5 % of its sends. Against Delivered pooled
    across journeys, the late one's yesterday reads its lag as retries and the early ones'
    read negative (on main: 2,302 read against 706 queued); against each journey's own
    Delivered, thinned alike, the queue alone is left (AJO's own Delivered says nothing of
    it, as where AJO counts a retried message on the day it gets through)."""
    rng = np.random.default_rng(31)
    frames, queued = [], np.zeros(30, dtype=np.int64)
    for journey, yesterday in ((1, 0.92), (2, 0.99), (3, 0.99)):
        sent = volumes(seed=30 + journey, days=30, level=20_000, spread=0.1)
        if journey == 1:
            queued[-4:] = np.rint(sent[-4:] * np.array([0.005, 0.008, 0.011, 0.015]))
        mine = queued if journey == 1 else 0
        delivered = np.rint(sent * 0.97).astype(np.int64)
        thinned = rng.normal(1, 0.002, 30)
        thinned[-2] *= yesterday
        thinned[-1] *= 0.6
        frames += [
            series(sent, np.rint((sent - mine) * thinned), journey=journey),
            series(delivered, np.rint(delivered * thinned), metric="delivered", journey=journey),
        ]
    result = run(*frames)["sent"]
    by_journey = {b.label: b for b in result.by_journey}
    late = by_journey["Welcome Series"]
    assert abs(late.causes["retries"] - queued.sum()) <= 0.25 * queued.sum()
    assert by_journey["Cart Abandon Reminder"].causes["retries"] == 0
    assert by_journey["Win-back Offer"].causes["retries"] == 0


def test_small_journeys_do_not_outweigh_the_large_ones_that_show_ajo_counting_late():
    """The three journeys of the test above, where AJO counts a retried message on the day
    it gets through, beside three of 150 a day queueing as much of their sends (a message
    or two): in counts, the small ones' readings agree to a message or two, far more
    precisely than the large ones' hundreds, and weighed by precision alone they swamp the
    large ones' shortfall (no retries found). AJO's own reading falls short by a share of
    the queue, so of the day's volume: weighed by it too, the large journeys show it and
    CJA's reading stands."""
    levels = {journey: 20_000 if journey <= 3 else 150 for journey in range(1, 7)}
    frames, total = _queueing_where_ajo_counts_late(levels)
    result = run(*frames, start_ago=29, end_ago=1)["sent"]
    assert abs(result.causes["retries"] - total) <= 0.25 * total
    assert "AJO's own Delivered did not confirm it" in detail(result, "retries")["evidence"]


def _queueing_where_ajo_counts_late(levels: dict[int, int]) -> tuple[list, int]:
    """Journeys (number: sends a day) queueing 0.4-1 % of their last four days' sends, which
    CJA lacks while AJO's own Delivered shows nothing of them (AJO counts a retried
    message on the day it gets through): their series and the queue before today."""
    rng = np.random.default_rng(4)
    frames, total = [], 0
    for journey, level in levels.items():
        sent = volumes(seed=4 + journey, days=30, level=level, spread=0.1)
        queued = np.zeros(30, dtype=np.int64)
        queued[-4:] = np.rint(sent[-4:] * np.array([0.004, 0.006, 0.008, 0.01]))
        delivered = np.rint(sent * 0.97).astype(np.int64)
        frames += [
            series(sent, np.rint(sent * rng.normal(1, 0.005, 30)) - queued, journey=journey),
            series(
                delivered,
                np.rint(delivered * rng.normal(1, 0.005, 30)),
                metric="delivered",
                journey=journey,
            ),
        ]
        total += int(queued[:-1].sum())
    return frames, total
