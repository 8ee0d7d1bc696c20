"""Late records (bot.reconcile.arrival): a safe range of a small metric ends where none of
its days is likely to get a late record, from the share of records history shows still
arriving at each age, learned from every event-timed metric together."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest

from bot.query import Query
from bot.reconcile import reconcile, rules_for
from bot.reconcile.arrival import (
    CONFIDENCE,
    SHORTFALL_CHANCE_MIN,
    Volumes,
    conditioned_chances,
    exceed_chances,
    final_until,
    finals_until,
    learn_arrival,
    learn_arrivals,
)
from bot.reconcile.safe_range import safe_range
from tests.reconcile.series import NAMES, SETTINGS, TODAY, series

START = TODAY - timedelta(days=29)
# Share of a day's records CJA still receives after each age (a tail of days): 0.3 % are
# still to come at 4 days old, none from 6 days.
STILL = {0: 0.5, 1: 0.05, 2: 0.02, 3: 0.008, 4: 0.003, 5: 0.001}
CHANNELS = {1: ("email",)}


def _history(metrics=("delivered",), still=STILL, volume=100_000) -> pd.DataFrame:
    """CJA's values of `metrics` seen at each age and how far they moved afterwards."""
    rows = []
    for metric in metrics:
        for age in range(21):
            share = still.get(age, 0.0)
            seen = int(volume * (1 - share))
            change = volume - seen
            rows.append(("cja", metric, age, 40, seen, change, change, "email"))
            rows.append(("ajo", metric, age, 40, volume, 0, 0, "email"))
    columns = ["source", "metric", "age_days", "series", "volume", "change", "abs_change"]
    return pd.DataFrame(rows, columns=[*columns, "channel"])


def _cells(level: int, cja_share: float = 1.0) -> pd.DataFrame:
    """One journey's 30 days at `level` a day in AJO, CJA holding `cja_share` of it."""
    ajo = np.full(30, level)
    return series(ajo, np.rint(ajo * cja_share).astype(np.int64), metric="bounces")


def _learned() -> pd.DataFrame:
    """Delivered's history, and Bounces' own (a few thousand values: its window is learned
    as 4 days, where its drift stops beating the 0.5 % threshold)."""
    return pd.concat([_history(), _history(("bounces",), volume=4_000)])


def _end(level: int, history: pd.DataFrame | None = None, cja_share: float = 1.0):
    rules = rules_for("bounces", SETTINGS, TODAY, _learned() if history is None else history,
                      None, CHANNELS)  # fmt: skip
    volumes = Volumes.of_cells(_cells(level, cja_share))
    return safe_range("bounces", START, TODAY, rules, [1], (), volumes)


def test_shares_are_pooled_over_event_timed_metrics_and_never_grow_with_age():
    history = _history(("delivered", "opens"))
    # Sent's CJA records wait for the retry queue too: not the connection's delay alone.
    history = pd.concat([history, _history(("sent",), dict.fromkeys(range(10), 0.1))])
    arrival = learn_arrival(history, 7)
    assert arrival is not None
    assert arrival.share(4) == pytest.approx(0.003, rel=0.01)
    assert arrival.share(6) == 0
    assert list(arrival.shares) == sorted(arrival.shares, reverse=True)
    # A later age moving more than an earlier one: the ages between are averaged (weighted
    # by their values), so no younger age has less still to come than an older one.
    bumped = learn_arrival(_history(still={0: 0.5, 1: 0.05, 3: 0.0005, 7: 0.002}), 7)
    assert bumped.share(3) == pytest.approx(0.0025 / 6, rel=0.01)
    assert bumped.share(2) == bumped.share(7)
    assert list(bumped.shares) == sorted(bumped.shares, reverse=True)


def test_wobble_is_not_taken_for_late_records():
    history = _history()
    old = history["age_days"] >= 10
    # Restated values: days 10 and older fall by 0.2 % as often as they rise, and one old
    # age seen on a few values rises by 1 %.
    falls = old & (history["source"] == "cja") & (history["age_days"] % 2 == 0)
    history.loc[falls, "change"] = -200
    few = (history["source"] == "cja") & (history["age_days"] == 18)
    history.loc[few, ["volume", "change"]] = (990, 10)
    arrival = learn_arrival(history, 7)
    assert arrival.share(4) == pytest.approx(0.003, rel=0.01)  # as without the wobble
    assert arrival.share(6) < 0.0002  # not 1 %: the few values are averaged with the rest


def test_only_the_metrics_own_dataset_teaches_its_late_records():
    # Opens and clicks (the tracking dataset) keep arriving for weeks; Bounces share
    # Delivered's dataset (message feedback), which is final after 5 days.
    slow = dict.fromkeys(range(21), 0.01)
    history = pd.concat([_history(("delivered",)), _history(("opens", "clicks"), slow)])
    bounces = rules_for("bounces", SETTINGS, TODAY, history, None, CHANNELS)
    opens = rules_for("opens", SETTINGS, TODAY, history, None, CHANNELS)
    assert bounces.arrivals[None].share(10) == 0
    assert opens.arrivals[None].share(10) == pytest.approx(0.01, rel=0.01)


def test_nothing_is_learned_without_cja_seen_at_every_age():
    history = _history()
    assert learn_arrival(history.loc[history["age_days"] != 3], 7) is None
    assert learn_arrival(history.loc[history["source"] == "ajo"], 7) is None
    assert learn_arrival(_history(("sent",)), 7) is None  # no event-timed metric


def test_a_small_metric_waits_until_a_late_record_is_unlikely():
    # 80 a day: one record still to come is more than 0.5 % of the day.
    small = _end(80)
    # 50,000 a day: the same shares leave far less than 0.5 % to come: the window decides.
    large = _end(50_000)
    assert large.end == TODAY - timedelta(days=4)
    assert large.sure
    assert "late records" not in large.reason
    # 0.3 % of 80 still to come at 4 days old: a record with a chance of one in five.
    assert small.end == TODAY - timedelta(days=5)
    assert "may still get late records" in small.reason
    assert f"{CONFIDENCE:.0%} confidence" in small.reason


def test_a_metric_cja_has_none_of_gets_no_late_records():
    # The dataset is not in the connection: nothing of it is still to arrive.
    assert "late records" not in _end(80, cja_share=0.0).reason


def test_without_volumes_or_history_the_window_alone_decides():
    rules = rules_for("bounces", SETTINGS, TODAY, _history(("sent",)), None, CHANNELS)
    volumes = Volumes.of_cells(_cells(80))
    assert rules.arrivals.get(None) is None
    alone = safe_range("bounces", START, TODAY, rules, [1], ())
    with_volumes = safe_range("bounces", START, TODAY, rules, [1], (), volumes)
    assert alone == with_volumes


def test_every_day_of_the_range_counts_towards_the_confidence():
    arrivals = learn_arrivals(_history(), 7)
    cells = _cells(80)
    volumes = Volumes.of_cells(cells)

    def cut(start_ago: int, end_ago: int):
        start, end = TODAY - timedelta(days=start_ago), TODAY - timedelta(days=end_ago)
        return final_until(TODAY, start, end, 0.5, arrivals, CHANNELS, volumes)

    # 5 days old alone: a late record with a chance under one in ten.
    assert cut(8, 5) is None
    found = cut(8, 4)
    assert found is not None
    assert found.first_unsure == TODAY - timedelta(days=4)
    assert (found.last, found.age) == (TODAY - timedelta(days=5), 4)
    # Days that are each final with 94 % are together final with less than 90 %.
    tail = learn_arrivals(_history(still={**STILL, 5: 0.0008, 6: 0.0008, 7: 0.0008}), 7)
    start = TODAY - timedelta(days=10)
    alone = final_until(TODAY, start, TODAY - timedelta(days=7), 0.5, tail, CHANNELS, volumes)
    together = final_until(TODAY, start, TODAY - timedelta(days=5), 0.5, tail, CHANNELS, volumes)
    assert alone is None
    assert together is not None
    assert together.last == TODAY - timedelta(days=7)


def _arriving(ajo: np.ndarray, scatter: int = 0) -> np.ndarray:
    """CJA's counts of `ajo` (a series ending today): on days older than the retry window,
    AJO's give or take `scatter` records of the data source's noise; on younger days,
    AJO's less the share STILL says is still to arrive at the day's age (what a day's
    shortfall then shows is what history expects)."""
    ages = np.arange(len(ajo))[::-1]
    noise = np.where(ages > 7, np.resize([-scatter, scatter, 0], len(ajo)), 0)
    still = np.array([STILL.get(int(age), 0.0) for age in ages])
    return np.rint((ajo + noise) * (1 - still)).astype(np.int64)


def test_an_answers_safe_range_and_its_journey_rows_follow_the_volume():
    history = _history(("delivered", "bounces"))
    delivered, bounces = np.full(32, 30_000), np.full(32, 80)
    frame = pd.concat(
        [
            series(delivered, _arriving(delivered, 150), metric="delivered"),
            series(bounces, _arriving(bounces, 2), metric="bounces"),
        ]
    )
    query = Query("reconcile", START, TODAY - timedelta(days=1), ("delivered", "bounces"))
    results = {
        r.metric: r
        for r in reconcile(frame, query, NAMES, TODAY, SETTINGS, history, channels=CHANNELS)
    }
    bounces, delivered = results["bounces"], results["delivered"]
    assert bounces.safe_range.end < delivered.safe_range.end
    assert bounces.by_journey[0].safe_range == bounces.safe_range
    assert bounces.to_dict()["safe_range"]["sure"] is True


def _poisson_above(mean: float, allowed: float) -> float:
    """P(Poisson(mean) > allowed) term by term in plain floats: the reference."""
    below = sum(
        math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))
        for k in range(math.floor(allowed) + 1)
    )
    return max(0.0, 1.0 - below)


def test_every_days_chance_of_a_late_change_is_its_poisson_tail():
    rng = np.random.default_rng(7)
    mean = np.concatenate([rng.uniform(0.01, 40, 300), [0.0, 3.0, 500.0, 2.5]])
    allowed = np.concatenate([rng.uniform(0, 60, 300), [4.0, 400.0, 20.0, 2.0]])
    chances = exceed_chances(mean, allowed)
    expected = [_poisson_above(m, a) if m > 0 else 0.0 for m, a in zip(mean, allowed, strict=True)]
    np.testing.assert_allclose(chances, expected, rtol=0, atol=1e-12)
    # Far below the mean a change is certain; far above it, out of reach.
    assert chances[-2] == 1.0
    assert chances[-3] == 0.0


def test_a_day_none_of_whose_records_arrived_yet_is_not_final():
    # History shows nothing of a day in CJA at age 0: today's share still to come is 1.
    chances = exceed_chances(np.array([np.inf, 2.0]), np.array([10.0, 10.0]))
    assert chances[0] == 1.0
    assert 0 < chances[1] < 1e-4


def test_tails_summed_in_several_batches_equal_one_batch(monkeypatch):
    mean = np.linspace(5, 900, 200)
    allowed = mean * 1.05
    whole = exceed_chances(mean, allowed)
    monkeypatch.setattr("bot.reconcile.arrival._BATCH_TERMS", 1_000)
    np.testing.assert_allclose(exceed_chances(mean, allowed), whole, rtol=0, atol=1e-15)


def test_every_rows_late_records_at_once_equal_each_rows_own():
    """`finals_until` (every journey row at once) gives each row exactly what `final_until`
    gives it alone: rows of one journey, of journeys on other channels (another curve), of
    several journeys (a shared name), with gaps in days, repeated days and no days."""
    rng = np.random.default_rng(3)
    arrivals = {
        None: learn_arrival(_learned(), 7),
        "email": learn_arrival(_learned(), 7),
        "sms": learn_arrival(_history(still={0: 0.2, 1: 0.01}), 7),
    }
    channels = {k: (("email",), ("sms",), ("email", "sms"))[k % 3] for k in range(40)}
    first = TODAY.toordinal() - 40
    rows, ends = [], []
    for row in range(400):
        tables = {}
        for key in rng.choice(40, 1 if row % 7 else 2, replace=False).tolist():
            days = np.sort(rng.choice(45, rng.integers(0, 40), replace=row % 11 == 0)) + first
            cja = rng.integers(0, 300, len(days)) * (rng.random(len(days)) > 0.05)
            both = cja + rng.integers(0, 300, len(days))
            tables[key] = np.stack([days, cja, both]).astype(np.int64)
        rows.append(Volumes(tables))
        ends.append(TODAY - timedelta(days=int(rng.integers(0, 10))))
    start = TODAY - timedelta(days=35)
    together = finals_until(TODAY, start, ends, 0.5, arrivals, channels, rows)
    alone = [
        final_until(TODAY, start, end, 0.5, arrivals, channels, volumes)
        for end, volumes in zip(ends, rows, strict=True)
    ]
    assert together == alone
    assert sum(found is not None for found in alone) > 50


def _shortfall_end(young: dict[int, int], scatter: int = 2):
    """Bounces' safe range for one journey at 80 a day whose settled days scatter by
    `scatter` records, CJA's count of the days `young` names (age -> count) as given, the
    other young days as history expects; read with shortfalls (against the days older than
    the retry window) and without."""
    ajo = np.full(30, 80)
    cja = _arriving(ajo, scatter)
    for age, count in young.items():
        cja[len(ajo) - 1 - age] = count
    cells = series(ajo, cja, metric="bounces")
    rules = rules_for("bounces", SETTINGS, TODAY, _learned(), None, CHANNELS)
    settled = TODAY - timedelta(days=rules.retry_window_days)
    read = safe_range("bounces", START, TODAY, rules, [1], (), Volumes.of_cells(cells, settled))
    unread = safe_range("bounces", START, TODAY, rules, [1], (), Volumes.of_cells(cells))
    return read, unread


def test_a_days_own_shortfall_moves_its_chance_of_late_records():
    expected, unread = _shortfall_end({})
    # As history expects: the shortfall says what the shares say (a record with a chance
    # of one in five at 4 days old), and the range ends as without it.
    assert expected.end == unread.end == TODAY - timedelta(days=5)
    assert "may still get late records" in expected.reason
    # A journey whose settled days agree with AJO to the record, CJA holding AJO's count
    # at 2 to 5 days old: no record is missing there, so none is likely to come, and the
    # learned window (4 days back) decides.
    complete, unread = _shortfall_end(dict.fromkeys(range(2, 6), 80), scatter=0)
    assert unread.end == TODAY - timedelta(days=5)
    assert complete.end == TODAY - timedelta(days=4)
    assert "late records" not in complete.reason
    # Scattering by two records, the same days say too little to move the chance.
    assert _shortfall_end(dict.fromkeys(range(2, 6), 80))[0].end == TODAY - timedelta(days=5)
    # Three records short at 5 days old, where history expects 0.1 % still to come: some
    # are likely still on their way.
    short, unread = _shortfall_end({5: 77})
    assert unread.end == TODAY - timedelta(days=5)
    assert short.end == TODAY - timedelta(days=6)
    assert "may still get late records" in short.reason


def test_a_journey_without_enough_settled_days_has_no_shortfall():
    ajo = np.full(30, 80)
    cells = series(ajo, _arriving(ajo, 2), metric="bounces")
    # Seven settled days read a ratio; six do not.
    seven = Volumes.of_cells(cells, TODAY - timedelta(days=22))
    six = Volumes.of_cells(cells, TODAY - timedelta(days=23))
    assert 1 in seven.shortfalls
    assert seven.shortfalls[1].shape == (2, 30)
    assert six.shortfalls == {}
    assert np.isinf(six.shortfall(1, np.ones(30, dtype=bool))[1]).all()


def _conditioned_reference(chance, mean, allowed, shortfall, variance) -> float:
    """P(K > allowed | shortfall) for K ~ Poisson(mean) and shortfall ~ K + N(0, variance),
    term by term in plain floats."""
    if not (math.isfinite(variance) and 0 < mean <= 50 and SHORTFALL_CHANCE_MIN <= chance < 1):
        return chance
    weights = [
        math.exp(
            -mean + k * math.log(mean) - math.lgamma(k + 1) - (shortfall - k) ** 2 / (2 * variance)
        )
        for k in range(200)
    ]
    return sum(w for k, w in enumerate(weights) if k > math.floor(allowed)) / sum(weights)


def test_a_chance_given_the_shortfall_is_bayes_rule_term_by_term():
    rng = np.random.default_rng(11)
    mean = np.concatenate([rng.uniform(0.01, 60, 300), [0.0, 2.0, 2.0]])
    allowed = np.concatenate([rng.uniform(0, 40, 300), [1.0, 1.0, 1.0]])
    shortfall = np.concatenate([rng.normal(0, 10, 300), [0.0, 0.0, 0.0]])
    variance = np.concatenate([rng.uniform(0.25, 30, 300), [1.0, np.inf, 1.0]])
    prior = exceed_chances(mean, allowed)
    found = conditioned_chances(prior, mean, allowed, shortfall, variance)
    expected = [
        _conditioned_reference(*values)
        for values in zip(prior.tolist(), mean, allowed, shortfall, variance, strict=True)
    ]
    np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-12)
    # No records expected, or no shortfall read: the chance is the Poisson's.
    assert found[-3] == prior[-3]
    assert found[-2] == prior[-2]
    # Nothing missing on the day: a late record is less likely than the Poisson alone says.
    assert found[-1] < prior[-1]


def test_every_rows_late_records_at_once_equal_each_rows_own_with_shortfalls():
    """As above, with each journey's shortfalls read (some journeys without)."""
    rng = np.random.default_rng(5)
    arrivals = {None: learn_arrival(_learned(), 7), "email": learn_arrival(_learned(), 7)}
    channels = dict.fromkeys(range(30), ("email",))
    first = TODAY.toordinal() - 40
    rows, ends = [], []
    for row in range(300):
        tables, shortfalls = {}, {}
        for key in rng.choice(30, 1 if row % 5 else 2, replace=False).tolist():
            days = np.sort(rng.choice(45, rng.integers(0, 40), replace=False)) + first
            cja = rng.integers(0, 120, len(days))
            both = cja + rng.integers(0, 120, len(days))
            tables[key] = np.stack([days, cja, both]).astype(np.int64)
            if key % 4:
                shortfalls[key] = np.stack(
                    [rng.normal(0, 3, len(days)), rng.uniform(0.25, 9, len(days))]
                )
        rows.append(Volumes(tables, shortfalls))
        ends.append(TODAY - timedelta(days=int(rng.integers(0, 10))))
    start = TODAY - timedelta(days=35)
    together = finals_until(TODAY, start, ends, 0.5, arrivals, channels, rows)
    alone = [
        final_until(TODAY, start, end, 0.5, arrivals, channels, volumes)
        for end, volumes in zip(ends, rows, strict=True)
    ]
    assert together == alone
    unread = [
        final_until(TODAY, start, end, 0.5, arrivals, channels, Volumes(volumes.by_journey))
        for end, volumes in zip(ends, rows, strict=True)
    ]
    assert together != unread  # the shortfalls were read


# Of a day's records still to come at one whole-day age, the share in each quarter of it:
# a capture early in the day's age sees more still to come than one late in it.
QUARTER_WEIGHTS = (1.6, 1.2, 0.8, 0.4)


def _by_quarter(history: pd.DataFrame) -> pd.DataFrame:
    """`history` with each age's values split into its four quarter days (as the store
    keeps them by the capture's hour), the changes weighted by QUARTER_WEIGHTS."""
    rows = []
    for row in history.itertuples(index=False):
        for quarter, weight in enumerate(QUARTER_WEIGHTS):
            change = round(row.change * weight / 4)
            split = row._replace(series=row.series // 4, volume=row.volume // 4,
                                 change=change, abs_change=abs(change))  # fmt: skip
            rows.append((*split, row.age_days * 4 + quarter))
    return pd.DataFrame(rows, columns=[*history.columns, "age_quarters"])


def test_late_records_are_read_at_the_captures_hour():
    """At the same whole-day age, a capture at 01:00 sees a day almost a day younger than
    one at 20:00: where history kept its captures' hours, the share still to arrive is the
    capture's quarter's (0.14 % five days old early in the day, 0.1 % over the whole day),
    and never below the whole day's (late in the day)."""
    history = _by_quarter(_learned())

    def end(hour: int):
        taken = datetime.combine(TODAY, time(hour), UTC)
        rules = rules_for("bounces", SETTINGS, TODAY, history, None, CHANNELS, captured_at=taken)
        return safe_range("bounces", START, TODAY, rules, [1], (), Volumes.of_cells(_cells(80)))

    assert end(20).end == TODAY - timedelta(days=5)  # as read by whole days
    early = end(1)
    assert early.end == TODAY - timedelta(days=6)
    assert "0.14% of records were still to arrive 5 days old" in early.reason
