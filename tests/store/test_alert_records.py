"""Watches, episodes and pull locks in the store: changes happen once, on both backends."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.store import Store
from bot.store.episodes import Episode, Figure, GapDay, Revision
from bot.store.watches import ALL, covering

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)


def _new(channel: str = "C1", generation: int = 1) -> Revision:
    figure = Figure("clicks", 400, 360, 40, 400, DAY, DAY, 1, "evidence", "check", "high")
    episode = Episode(
        id=0, channel_id=channel, journey="Win-back Offer", cause="unexplained",
        generation=generation, status="open", revision=1, opened_at=NOW, updated_at=NOW,
        first_day=DAY, last_day=DAY, threshold_pct=2.0, figures=(figure,),
        days=(GapDay("clicks", DAY, 400, 360, 40),),
    )  # fmt: skip
    return Revision(episode, "opened", "Clicks 40 of 400", snapshot_id=3)


def test_watches_are_saved_replaced_listed_and_removed(store):
    alerts = store.alerts
    assert alerts.save_watch(
        channel_id="C1", journey="Win-back Offer", metrics=("clicks",), threshold_pct=5.0,
        user="U1", now=NOW,
    )  # fmt: skip
    assert not alerts.save_watch(
        channel_id="C1", journey="Win-back Offer", metrics=(), threshold_pct=None, user="U2",
        now=NOW,
    )  # fmt: skip
    alerts.save_watch(
        channel_id="C2", journey=ALL, metrics=(), threshold_pct=None, user="U1", now=NOW
    )
    watches = alerts.watches()
    assert [(w.channel_id, w.journey, w.metrics, w.threshold_pct) for w in watches] == [
        ("C1", "Win-back Offer", (), None),
        ("C2", ALL, (), None),
    ]
    # A journey with an owner is told there only; the others go to the `all` watches.
    assert [w.channel_id for w in covering(watches, "Win-back Offer")] == ["C1"]
    assert [w.channel_id for w in covering(watches, "Welcome Series")] == ["C2"]
    assert alerts.delete_watch("C1", "Win-back Offer")
    assert not alerts.delete_watch("C1", "Win-back Offer")


def test_an_episode_is_written_with_its_days_and_event_and_read_back(store):
    stored = store.alerts.change("C1", "Win-back Offer", "unexplained", lambda current: _new())
    assert stored.episode.id > 0
    episode = store.alerts.episode(stored.episode.id)
    assert episode.figures == stored.episode.figures
    assert episode.days == (GapDay("clicks", DAY, 400, 360, 40),)
    assert episode.opened_at == NOW
    assert episode.is_open
    (event,) = store.alerts.events(episode.id)
    assert (event.revision, event.kind, event.snapshot_id) == (1, "opened", 3)
    assert [e.id for e in store.alerts.open_episodes()] == [episode.id]
    assert [
        e.id for e in store.alerts.active_between(NOW - timedelta(days=7), NOW + timedelta(days=1))
    ] == [episode.id]


def test_a_change_decided_on_a_stale_revision_is_decided_again(store):
    first = store.alerts.change("C1", "Win-back Offer", "unexplained", lambda c: _new()).episode
    seen: list[int] = []

    def grow(current: Episode) -> Revision:
        seen.append(current.revision)
        if len(seen) == 1:  # meanwhile another process moves the episode to revision 2
            other = replace(current, revision=2, updated_at=NOW + timedelta(minutes=1))
            assert store.alerts.change(
                "C1", "Win-back Offer", "unexplained", lambda c: Revision(other, "changed")
            )
        return Revision(replace(current, revision=current.revision + 1), "grew")

    stored = store.alerts.change("C1", "Win-back Offer", "unexplained", grow)
    assert seen == [1, 2]  # refused over revision 1, decided again over revision 2
    assert stored.episode.revision == 3
    assert [e.revision for e in store.alerts.events(first.id)] == [1, 2, 3]


def test_message_and_answer_survive_later_changes(store):
    episode = store.alerts.change("C1", "Win-back Offer", "unexplained", lambda c: _new()).episode
    store.alerts.set_delivery(episode.id, "1700000000.000001", 42)
    store.alerts.change(
        "C1", "Win-back Offer", "unexplained",
        lambda c: Revision(replace(c, revision=c.revision + 1, message_ts=None), "changed"),
    )  # fmt: skip
    again = store.alerts.episode(episode.id)
    assert (again.message_ts, again.answer_id, again.revision) == ("1700000000.000001", 42, 2)


def test_two_processes_opening_the_same_episode_open_one(database_url):
    stores = [Store.open(database_url) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[Revision | None] = []

    def decide(current: Episode | None) -> Revision | None:
        return _new() if current is None else None  # both see none the first time

    def process(store: Store) -> None:
        start.wait(timeout=30)
        results.append(store.alerts.change("C1", "Win-back Offer", "unexplained", decide))

    threads = [threading.Thread(target=process, args=(s,)) for s in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(r is None for r in results) == [False, True]
        assert len(stores[0].alerts.open_episodes()) == 1
    finally:
        for store in stores:
            store.close()


def test_a_pull_is_held_by_one_holder_and_free_after_the_cooldown(store):
    alerts, lease, cooldown = store.alerts, timedelta(minutes=10), timedelta(minutes=10)
    assert alerts.acquire_pull("cja", "web:1", NOW, lease, cooldown) is not None
    assert alerts.acquire_pull("cja", "web:2", NOW, lease, cooldown) is None  # running
    assert alerts.acquire_pull("ajo", "web:2", NOW, lease, cooldown) is not None  # per source
    alerts.release_pull("cja", "web:1", NOW + timedelta(minutes=1), "1 new snapshot(s)")
    lock = alerts.pull_lock("cja")
    assert not lock.running
    assert lock.outcome == "1 new snapshot(s)"
    later = NOW + timedelta(minutes=5)
    assert alerts.acquire_pull("cja", "web:2", later, lease, cooldown) is None  # minutes ago
    assert alerts.acquire_pull("cja", "clock", later, lease) is not None  # the clock: no cooldown
    alerts.release_pull("cja", "clock", later, "done")
    assert alerts.acquire_pull("cja", "web:2", later + cooldown, lease, cooldown) is not None


def test_a_pull_whose_holder_died_is_taken_over_after_the_lease(store):
    alerts, lease = store.alerts, timedelta(minutes=10)
    assert alerts.acquire_pull("cja", "web:1", NOW, lease) is not None
    assert alerts.acquire_pull("cja", "web:2", NOW + timedelta(minutes=9), lease) is None
    taken = alerts.acquire_pull("cja", "web:2", NOW + timedelta(minutes=11), lease)
    assert taken is not None
    assert taken.holder == "web:2"


@pytest.mark.parametrize("generation", [1, 2])
def test_generations_of_one_episode_are_distinct_rows(store, generation):
    for g in range(1, generation + 1):
        store.alerts.change(
            "C1", "Win-back Offer", "unexplained",
            lambda c, g=g: _new(generation=g) if c is None or c.generation < g else None,
        )  # fmt: skip
    assert (
        len(store.alerts.active_between(NOW - timedelta(days=1), NOW + timedelta(days=1)))
        == generation
    )
