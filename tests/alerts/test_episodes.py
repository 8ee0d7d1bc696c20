"""Episode decisions, pure: from what a check saw to open, move, resolve, reopen, or nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.alerts import actions
from bot.alerts.checks import JourneyCheck
from bot.alerts.episodes import Policy, decide, figures, material, tells_thread
from bot.store.episodes import Episode, GapDay, Revision

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
WINDOW_START = date(2026, 10, 31)
DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(20)]
UNEXPLAINED = Policy("unexplained", (), None, {"clicks": 2.0, "sent": 2.0})
MISSING = Policy("missing_data", (), None, {"clicks": 2.0, "sent": 2.0})


def seen(short: float, days=DAYS, volume: int = 400, metric: str = "clicks", cause="unexplained"):
    """A check that judged `days` and saw CJA `short` (a share) below AJO on each."""
    gaps = tuple(
        (cause, GapDay(metric, d, volume, volume - round(short * volume), round(short * volume)))
        for d in days
        if round(short * volume)
    )
    return JourneyCheck("Win-back Offer", frozenset((metric, d) for d in days), gaps)


def explain(metrics) -> dict[str, tuple[str, str, str]]:
    return {m: (f"evidence for {m}", f"check {m}", "high") for m in metrics}


def step(current: Episode | None, check: JourneyCheck, policy=UNEXPLAINED, now=NOW):
    return decide(
        current, check, policy, channel_id="C1", now=now, window_start=WINDOW_START,
        explain=explain, snapshot_id=7,
    )  # fmt: skip


def stored(revision: Revision, episode_id: int = 1) -> Episode:
    """The episode as the store would return it after writing `revision`."""
    episode = revision.episode
    return replace(episode, id=episode.id or episode_id)


def test_a_gap_beyond_the_tolerance_and_the_noise_opens_an_episode_with_its_evidence():
    revision = step(None, seen(0.09))
    assert revision.kind == "opened"
    episode = revision.episode
    assert (episode.status, episode.journey, episode.cause, episode.generation) == (
        "open", "Win-back Offer", "unexplained", 1
    )  # fmt: skip
    assert episode.first_day == DAYS[0]
    assert episode.last_day == DAYS[-1]
    (figure,) = episode.figures
    assert (figure.metric, figure.amount, figure.volume) == ("clicks", 36 * 20, 400 * 20)
    assert figure.share == 9.0
    assert figure.evidence == "evidence for clicks"
    assert revision.note == "Clicks 720 of 8,000 (9.0 %) on 20 days, Nov 1 – Nov 20"


@pytest.mark.parametrize(
    ("short", "days", "volume", "why"),
    [
        (0.015, DAYS, 400, "within the 2 % tolerance"),
        (0.5, DAYS[:1], 4, "2 of 4 is half, but counting noise"),
        (0.0, DAYS, 400, "no gap at all"),
    ],
)
def test_nothing_opens_below_the_bar(short, days, volume, why):
    assert step(None, seen(short, days, volume)) is None, why


def test_a_watch_threshold_raises_the_bar():
    strict = replace(UNEXPLAINED, threshold_pct=12.0)
    assert step(None, seen(0.09), strict) is None
    assert step(None, seen(0.15), strict).episode.threshold_pct == 12.0


def test_a_watch_sees_only_its_metrics():
    only_sent = replace(UNEXPLAINED, metrics=("sent",))
    assert step(None, seen(0.09), only_sent) is None


def test_the_same_numbers_again_change_nothing():
    opened = stored(step(None, seen(0.09)))
    assert step(opened, seen(0.09)) is None


def test_a_small_move_edits_in_place_and_a_large_one_is_told():
    opened = stored(step(None, seen(0.09)))
    nudged = step(opened, seen(0.095))
    assert nudged.kind == "changed"
    assert nudged.episode.revision == 2
    grown = step(stored(nudged), seen(0.2))
    assert grown.kind == "grew"
    assert step(stored(grown), seen(0.09)).kind == "shrank"


def test_days_not_judged_again_are_kept_and_days_older_than_the_window_leave():
    opened = stored(step(None, seen(0.09)))
    later = seen(0.09, days=DAYS[-5:])
    assert step(opened, later) is None  # the same five days: the same figures
    aged = decide(
        opened, later, UNEXPLAINED, channel_id="C1", now=NOW, window_start=DAYS[10],
        explain=explain,
    )  # fmt: skip
    assert aged.episode.figures[0].first_day == DAYS[10]
    assert aged.episode.first_day == DAYS[0]  # since when: the first day it was ever seen


def test_an_episode_resolves_when_the_days_checked_again_are_clean():
    opened = stored(step(None, seen(0.09, cause="missing_data"), MISSING))
    resolved = step(opened, seen(0.0), MISSING)
    assert resolved.kind == "resolved"
    assert resolved.episode.status == "resolved"
    assert resolved.episode.resolved_at == NOW
    assert resolved.episode.resolved_by is None


def test_a_gap_hovering_at_the_bar_neither_flaps_nor_lingers():
    opened = stored(step(None, seen(0.05)))
    assert step(opened, seen(0.015)).episode.is_open  # above half the bar: stays open
    assert step(opened, seen(0.005)).kind == "resolved"  # below: resolved


def test_a_gap_back_within_a_day_reopens_the_same_episode():
    opened = stored(step(None, seen(0.09)))
    resolved = stored(step(opened, seen(0.0)))
    back = step(resolved, seen(0.09), now=NOW + timedelta(hours=20))
    assert back.kind == "reopened"
    assert back.episode.id == opened.id
    assert back.episode.is_open
    assert back.episode.resolved_at is None


def test_a_gap_back_after_a_day_is_a_new_episode():
    opened = stored(step(None, seen(0.09)))
    resolved = stored(step(opened, seen(0.0)))
    again = step(resolved, seen(0.09), now=NOW + timedelta(days=2))
    assert again.kind == "opened"
    assert again.is_new
    assert again.episode.generation == 2


def test_a_person_resolving_it_closes_the_days_it_covered():
    opened = stored(step(None, seen(0.09)))
    done = stored(actions.resolve(opened, "U1", NOW))
    assert done.resolved_by == "U1"
    assert step(done, seen(0.09), now=NOW + timedelta(hours=1)) is None  # the same days
    later_days = [DAYS[-1] + timedelta(days=i) for i in range(1, 8)]
    again = step(done, seen(0.09, days=later_days), now=NOW + timedelta(days=8))
    assert again.kind == "opened"
    assert again.episode.first_day == later_days[0]


def test_a_mute_outlives_its_episode():
    opened = stored(step(None, seen(0.09)))
    muted = stored(actions.mute(opened, "U2", NOW))
    assert muted.muted(NOW + timedelta(days=6))
    assert not muted.muted(NOW + timedelta(days=8))
    resolved = stored(step(muted, seen(0.0)))
    reborn = step(resolved, seen(0.09), now=NOW + timedelta(days=3))
    assert reborn.kind == "opened"
    assert reborn.episode.muted(NOW + timedelta(days=3))
    fresh = step(resolved, seen(0.09), now=NOW + timedelta(days=9))
    assert fresh.episode.muted_until is None


def test_acknowledging_twice_changes_nothing_and_resolving_a_resolved_one_neither():
    opened = stored(step(None, seen(0.09)))
    acknowledged = stored(actions.acknowledge(opened, "U3", NOW))
    assert acknowledged.acknowledged_by == "U3"
    assert actions.acknowledge(acknowledged, "U4", NOW) is None
    resolved = stored(step(acknowledged, seen(0.0)))
    assert actions.resolve(resolved, "U3", NOW) is None


def test_what_the_thread_is_told():
    opened = stored(step(None, seen(0.09)))
    assert not tells_thread(opened, "opened", NOW)  # the message itself says so
    assert not tells_thread(opened, "changed", NOW)
    assert tells_thread(opened, "grew", NOW)
    assert tells_thread(opened, "resolved", NOW)
    acknowledged = replace(opened, acknowledged_by="U3")
    assert not tells_thread(acknowledged, "grew", NOW)
    assert tells_thread(acknowledged, "resolved", NOW)
    muted = replace(opened, muted_until=NOW + timedelta(days=7), muted_by="U2")
    assert not tells_thread(muted, "resolved", NOW)
    assert tells_thread(muted, "muted", NOW)


def test_material_moves():
    base = figures([GapDay("clicks", d, 400, 364, 36) for d in DAYS])
    wider = figures([GapDay("clicks", d, 400, 344, 56) for d in DAYS])
    slightly = figures([GapDay("clicks", d, 400, 362, 38) for d in DAYS])
    more_days = figures([GapDay("clicks", d, 400, 364, 36) for d in [*DAYS, date(2026, 11, 30)]])
    other = figures([GapDay("sent", d, 400, 364, 36) for d in DAYS])
    assert material(base, wider)  # 9 % -> 14 %
    assert not material(base, slightly)
    assert not material(base, more_days)
    assert material(base, other)  # another metric crossed the bar
    longer = [DAYS[0] - timedelta(days=i) for i in range(1, 21)] + DAYS
    doubled = figures([GapDay("clicks", d, 400, 364, 36) for d in longer])
    assert material(base, doubled)  # the same share, twice as many days


def test_time_zone_swings_count_by_their_size_not_their_sum():
    swings = [GapDay("sent", d, 1000, 1000, 60 if i % 2 else -60) for i, d in enumerate(DAYS)]
    (figure,) = figures(swings)
    assert figure.amount == 1200  # a signed sum would be 0
