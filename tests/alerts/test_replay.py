"""The replay over the demo store opens the episodes the demo injected, and no others.

The demo (bot.evaluate.demo) injects two things worth an alert: Win-back Offer's clicks kept
9 % short by a data-view filter for the whole history (open from the first capture of both
products to the end), and a CJA capture a week ago that lacks three Welcome Series days,
reprocessed by the next capture (open, then resolved). Everything else is lag, retries and
the data sources' drift, which no alert is about.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts.replay import REPLAY_CHANNEL, replay
from bot.cli import main
from bot.config import Settings
from bot.evaluate.demo import INCIDENT, UNEXPLAINED
from bot.store import Store
from bot.store.watches import ALL, Watch
from tests.handlers.conftest import TODAY, demo_db  # noqa: F401 - the demo store, built once

NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def steps(demo_db):  # noqa: F811
    store = Store.open(f"sqlite:///{demo_db}")
    try:
        return list(replay(store, Settings(database_url="sqlite://")))
    finally:
        store.close()


def _episodes(steps) -> dict[int, list]:
    """Episode id -> its revisions, in the order the replay made them."""
    found: dict[int, list] = {}
    for step in steps:
        for told in step.told:
            found.setdefault(told.revision.episode.id, []).append((step.snapshot, told))
    return found


def test_the_replay_opens_the_injected_episodes_and_no_others(steps):
    episodes = _episodes(steps)
    opened = {
        (history[0][1].revision.episode.journey, history[0][1].revision.episode.cause)
        for history in episodes.values()
    }
    filtered = UNEXPLAINED[0]
    lost = INCIDENT[0]
    assert opened == {(filtered, "unexplained"), (lost, "missing_data")}
    assert all(step.snapshot.source in ("ajo", "cja") for step in steps)
    assert len(steps) == 10  # every snapshot fed again


def test_the_filtered_clicks_alert_once_at_the_first_cja_capture_and_stay_open(steps):
    history = next(
        h for h in _episodes(steps).values() if h[0][1].revision.episode.cause == "unexplained"
    )
    snapshot, first = history[0]
    assert first.action == "post"
    assert first.revision.kind == "opened"
    assert snapshot.source == "cja"
    assert snapshot.captured_at.date() == TODAY - timedelta(days=21)
    assert first.revision.episode.metrics == (UNEXPLAINED[1],)
    assert 8 < first.revision.episode.figures[0].share < 11  # CJA keeps 91 %
    assert all(told.action != "post" for _, told in history[1:])  # edited, never posted again
    assert history[-1][1].revision.episode.is_open  # the filter is still there
    assert first.revision.episode.channel_id == REPLAY_CHANNEL


def test_the_lost_days_alert_when_cja_lacks_them_and_resolve_when_it_has_them(steps):
    journey, capture_age, day_ages = INCIDENT
    history = next(
        h for h in _episodes(steps).values() if h[0][1].revision.episode.journey == journey
    )
    (opened_at, opened), (resolved_at, resolved) = history
    assert opened.action == "post"
    assert opened.revision.kind == "opened"
    assert opened_at.source == "cja"
    assert opened_at.captured_at.date() == TODAY - timedelta(days=capture_age)
    lost = {TODAY - timedelta(days=age) for age in day_ages}
    for figure in opened.revision.episode.figures:
        assert {figure.first_day, figure.last_day} <= lost
        assert figure.cja == 0
    assert "sent" not in opened.revision.episode.metrics  # Sent settles after 7 days
    assert resolved.revision.kind == "resolved"
    assert resolved.action == "line"
    assert resolved_at.source == "cja"
    assert resolved_at.captured_at > opened_at.captured_at
    assert resolved.revision.episode.resolved_at == resolved_at.captured_at


def test_a_watch_threshold_replays_with_fewer_alerts(demo_db):  # noqa: F811
    strict = Watch(0, "C0STRICT", ALL, (), 15.0, "U1", NOW, NOW)
    store = Store.open(f"sqlite:///{demo_db}")
    try:
        steps = list(replay(store, Settings(database_url="sqlite://"), [strict]))
    finally:
        store.close()
    opened = {h[0][1].revision.episode.cause for h in _episodes(steps).values()}
    assert opened == {"missing_data"}  # 9 % is below 15 %; missing data has no bar


def test_the_cli_prints_what_would_have_been_posted(tmp_path, capsys):
    from tests.builders import frame

    url = f"sqlite:///{tmp_path / 'small.db'}"
    store = Store.open(url)
    for source, value in (("ajo", 400), ("cja", 300)):
        store.save(
            frame(*(
                {"source": source, "captured_at": "2026-11-21T14:00:00Z", "metric": "clicks",
                 "day": f"2026-11-{d:02d}", "value": value}
                for d in range(1, 21)
            )),
            f"{source}.csv",
        )  # fmt: skip
    store.alerts.save_watch(
        channel_id="C0TEAM", journey="Welcome Series", metrics=(), threshold_pct=None,
        user="U1", now=NOW,
    )  # fmt: skip
    store.close()
    assert main(["alerts", "--replay", "--database-url", url]) == 0
    printed = capsys.readouterr().out
    assert "Replaying 2 snapshots" in printed
    assert "#C0TEAM Welcome Series" in printed  # the stored watch, not a stand-in
    assert "🔔 posts in #C0TEAM" in printed
    assert "unexplained gap in Clicks" in printed
    assert "1 episode:" in printed
    assert "open since Nov 1" in printed
    # The replay stored nothing: the real store has no episode.
    store = Store.open(url)
    try:
        assert store.alerts.open_episodes() == []
    finally:
        store.close()


def test_replay_dates_are_the_captures_not_a_pinned_today(steps):
    first_cja = next(step for step in steps if step.snapshot.source == "cja")
    assert first_cja.told[0].revision.episode.opened_at == first_cja.snapshot.captured_at
