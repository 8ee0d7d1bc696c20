"""Alerts after snapshots, against a real store (both backends) and the fake Slack Web API.

An episode opens with one message, grows (the same message edited, a line in its thread),
resolves (edited again); a snapshot with nothing new posts nothing; two processes checking
at once post once.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.clock import alerting
from bot.clock.guard import Runtime
from bot.slack.client import make_client
from bot.store import Store
from bot.timing import Clock
from tests.builders import frame
from tests.clock.conftest import clock_settings_for
from tests.handlers.conftest import fake  # noqa: F401 - the fake Slack
from tests.handlers.fake_slack import FakeSlack

CHANNEL = "C0ALERTS"
JOURNEY = "Win-back Offer"


def clicks(source: str, captured: str, days: range, value: int, **extra):
    return frame(*(
        {"source": source, "captured_at": captured, "day": f"2026-11-{d:02d}", "value": value,
         "journey": JOURNEY, "metric": "clicks", **extra}
        for d in days
    ))  # fmt: skip


class Process:
    """One Parity process: its own store (engine) and Slack client, at the time it is set to."""

    def __init__(self, database_url: str, slack: FakeSlack) -> None:
        # Today follows each step's time, not the demo's pinned date.
        self.settings = replace(clock_settings_for(database_url, slack), today_override=None)
        self.store = Store.open(database_url)
        self.now = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
        clock = Clock(source=lambda: self.now)
        self.store.clock = clock
        self.runtime = Runtime(self.settings, self.store, make_client(self.settings), {}, clock)

    def ingest(self, snapshot, at: str):
        """Store a snapshot at `at` and run the hook, as every ingest path does."""
        self.now = datetime.fromisoformat(at)
        reports = self.store.save(snapshot, "test.csv")
        return alerting.after_snapshots(self.runtime, reports)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def process(database_url, fake):  # noqa: F811
    first = Process(database_url, fake)
    first.store.alerts.save_watch(
        channel_id=CHANNEL, journey=JOURNEY, metrics=(), threshold_pct=None, user="U1",
        now=first.now,
    )  # fmt: skip
    first.ingest(
        clicks("ajo", "2026-11-21T14:00:00Z", range(1, 21), 400), "2026-11-21T14:05:00+00:00"
    )
    yield first
    first.close()


def posts(slack: FakeSlack, *, thread: bool) -> list:
    return [
        c for c in slack.named("chat.postMessage")
        if c.params["channel"] == CHANNEL and bool(c.params.get("thread_ts")) == thread
    ]  # fmt: skip


def text_of(call) -> str:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return "\n".join(b["text"]["text"] for b in blocks if b.get("type") == "section")


def test_an_episode_opens_grows_in_place_and_resolves(process, fake):  # noqa: F811
    # CJA 10 % short on every settled day: one alert, in the watching channel.
    process.ingest(
        clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "2026-11-21T14:06:00+00:00"
    )
    (alert,) = fake.wait_for("chat.postMessage")
    assert alert.params["channel"] == CHANNEL
    assert "Win-back Offer" in text_of(alert)
    assert "unexplained" in text_of(alert)
    assert "Clicks" in text_of(alert)
    assert "10.0 %" in text_of(alert)
    ts = fake.named("chat.postMessage")[0].params.get("ts") or "1700000000.000001"

    # Worse: 25 % short. The same message is edited, and its thread told.
    process.ingest(
        clicks("cja", "2026-11-22T06:00:00Z", range(1, 21), 300), "2026-11-22T06:05:00+00:00"
    )
    (edit,) = fake.wait_for("chat.update")
    assert edit.params["ts"] == ts
    assert "25.0 %" in text_of(edit)
    (line,) = posts(fake, thread=True)
    assert line.params["thread_ts"] == ts
    assert "Grew" in text_of(line)

    # A snapshot that changes nothing the episode shows: nothing is posted or edited.
    calls = len(fake.calls)
    process.ingest(
        clicks("cja", "2026-11-22T09:00:00Z", range(1, 21), 300, metric="opens"),
        "2026-11-22T09:05:00+00:00",
    )
    process.ingest(
        clicks("ajo", "2026-11-22T09:00:00Z", range(1, 21), 300, metric="opens"),
        "2026-11-22T09:06:00+00:00",
    )
    assert len(fake.calls) == calls

    # CJA reprocessed: the gap is gone. The message says resolved, with the date.
    process.ingest(
        clicks("cja", "2026-11-23T06:00:00Z", range(1, 21), 400), "2026-11-23T06:05:00+00:00"
    )
    edits = fake.wait_for("chat.update", 2)
    assert edits[-1].params["ts"] == ts
    assert "Resolved Nov 23" in text_of(edits[-1])
    assert "Resolved" in text_of(posts(fake, thread=True)[-1])
    assert len(posts(fake, thread=False)) == 1  # one message for the whole episode

    (episode,) = process.store.alerts.active_between(process.now.replace(day=1), process.now)
    assert [e.kind for e in process.store.alerts.events(episode.id)] == [
        "opened", "grew", "resolved"
    ]  # fmt: skip


def test_a_duplicate_snapshot_posts_nothing(process, fake):  # noqa: F811
    snapshot = clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360)
    process.ingest(snapshot, "2026-11-21T14:06:00+00:00")
    fake.wait_for("chat.postMessage")
    calls = len(fake.calls)
    assert process.ingest(snapshot, "2026-11-21T14:10:00+00:00") == []  # the same content
    assert len(fake.calls) == calls


def test_no_watch_no_check(database_url, fake):  # noqa: F811
    lonely = Process(database_url, fake)
    try:
        lonely.ingest(
            clicks("ajo", "2026-11-21T14:00:00Z", range(1, 21), 400), "2026-11-21T14:05:00+00:00"
        )
        outcomes = lonely.ingest(
            clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 200), "2026-11-21T14:06:00+00:00"
        )
        assert outcomes == []
        assert fake.calls == []
        assert lonely.store.scheduling.latest_run(alerting.CHECK_KEY) is None
    finally:
        lonely.close()


def test_two_processes_checking_the_same_snapshot_alert_once(process, database_url, fake):  # noqa: F811
    other = Process(database_url, fake)
    other.now = process.now  # their clocks agree (a claim is taken over only after a lease)
    reports = process.store.save(
        clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "cja.csv"
    )
    start = threading.Barrier(2)
    outcomes = []

    def check(runtime: Runtime) -> None:
        start.wait(timeout=30)
        outcomes.extend(alerting.after_snapshots(runtime, reports))

    threads = [threading.Thread(target=check, args=(p.runtime,)) for p in (process, other)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        other.close()
    assert sorted(o.status for o in outcomes) == ["busy", "posted"]
    assert len(posts(fake, thread=False)) == 1


def test_two_processes_opening_one_episode_from_two_snapshots_post_one_message(
    process,
    database_url,
    fake,  # noqa: F811
):
    other = Process(database_url, fake)
    other.now = process.now
    # Two CJA captures of different days land at once, in two processes; each shows the gap.
    first = process.store.save(clicks("cja", "2026-11-21T14:00:00Z", range(1, 11), 360), "a.csv")
    second = other.store.save(clicks("cja", "2026-11-21T14:01:00Z", range(11, 21), 360), "b.csv")
    start = threading.Barrier(2)

    def check(runtime: Runtime, reports) -> None:
        start.wait(timeout=30)
        alerting.after_snapshots(runtime, reports)

    threads = [
        threading.Thread(target=check, args=(process.runtime, first)),
        threading.Thread(target=check, args=(other.runtime, second)),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        other.close()
    assert len(posts(fake, thread=False)) == 1
    (episode,) = process.store.alerts.open_episodes()
    assert episode.message_ts is not None
    assert episode.figures[0].days == 20  # both halves, in the one episode


def test_an_alert_arrives_within_a_minute_of_the_ingest(process, fake):  # noqa: F811
    snapshot = clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360)
    process.now = datetime(2026, 11, 21, 14, 6, tzinfo=UTC)
    reports = process.store.save(snapshot, "cja.csv")
    ingested = time.monotonic()  # the ingest's end
    alerting.after_snapshots(process.runtime, reports)
    (alert,) = fake.wait_for("chat.postMessage")
    assert alert.at - ingested < 60


def test_the_sweep_posts_what_a_process_without_slack_recorded(process, fake):  # noqa: F811
    quiet = Runtime(process.settings, process.store, None, {}, process.runtime.clock)
    process.now = datetime(2026, 11, 21, 14, 6, tzinfo=UTC)
    reports = process.store.save(clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "c")
    (checked,) = alerting.after_snapshots(quiet, reports)
    assert checked.status == "posted"
    assert fake.named("chat.postMessage") == []  # recorded, not told
    process.now = datetime(2026, 11, 21, 14, 7, tzinfo=UTC)
    outcomes = alerting.due(process.runtime, process.now)
    assert [o.job_key for o in outcomes] == [f"alert:{process.store.alerts.open_episodes()[0].id}"]
    assert len(posts(fake, thread=False)) == 1
    assert alerting.due(process.runtime, process.now) == []  # once


def test_the_sweep_checks_a_snapshot_whose_process_died_before_checking(process, fake):  # noqa: F811
    process.now = datetime(2026, 11, 21, 14, 6, tzinfo=UTC)
    process.store.save(
        clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "stored, unchecked"
    )
    outcomes = alerting.due(process.runtime, process.now)
    assert [(o.job_key, o.status) for o in outcomes] == [(alerting.CHECK_KEY, "posted")]
    assert len(posts(fake, thread=False)) == 1


def test_a_failed_post_is_retried_by_the_sweep_and_posted_once(process, fake):  # noqa: F811
    from tests.handlers.fake_slack import Failure

    fake.fail("chat.postMessage", Failure(200, {"ok": False, "error": "not_in_channel"}))
    process.ingest(
        clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "2026-11-21T14:06:00+00:00"
    )
    assert posts(fake, thread=False) == []
    (episode,) = process.store.alerts.open_episodes()
    problems = process.store.scheduling.recent_problems(process.now.replace(day=1))
    assert sorted((p.job_key, p.period) for p in problems) == [
        (f"alert:{episode.id}", "post"),
        (f"alert:{episode.id}", "r1"),
    ]
    assert "not_in_channel" in problems[0].error
    process.now = datetime(2026, 11, 21, 14, 8, tzinfo=UTC)  # after the first back-off
    alerting.due(process.runtime, process.now)
    assert len(posts(fake, thread=False)) == 1


def test_status_lists_open_alerts_and_the_digest_the_weeks(process, fake):  # noqa: F811
    process.ingest(
        clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "2026-11-21T14:06:00+00:00"
    )
    parity = process.runtime.parity
    status = parity.ask("status")
    assert "Open alerts" in status.text
    assert "• Win-back Offer · unexplained gap in Clicks (#C0ALERTS), since Nov 1" in status.text
    (listed,) = status.to_dict()["alerts"]["open"]
    assert (listed["journey"], listed["cause"], listed["status"]) == (
        JOURNEY,
        "unexplained",
        "open",
    )

    digest = parity.ask("digest", today=date(2026, 11, 23))  # the week of Nov 16-22
    assert "Alerts this week" in digest.text
    assert (
        "• Win-back Offer · unexplained gap in Clicks (#C0ALERTS): open since Nov 1" in digest.text
    )
    assert digest.to_dict()["digest"]["episodes"][0]["journey"] == JOURNEY
    earlier = parity.ask("digest", today=date(2026, 11, 16))  # the week before it opened
    assert "Alerts this week: none." in earlier.text


def test_a_change_that_is_not_an_arrival_is_checked_once_under_its_own_key(process, fake):  # noqa: F811
    """What dropping a snapshot will call: the days it held changed, so they are judged again."""
    from bot.alerts.checks import Change

    process.ingest(
        clicks("cja", "2026-11-21T14:00:00Z", range(1, 21), 360), "2026-11-21T14:06:00+00:00"
    )
    fake.wait_for("chat.postMessage")
    process.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    process.store.save(clicks("cja", "2026-11-22T08:00:00Z", range(1, 21), 400), "no hook")
    dropped = Change("cja", (JOURNEY,), date(2026, 11, 1), date(2026, 11, 20), snapshot_id=2)
    (outcome,) = alerting.after_snapshots(process.runtime, [dropped], key="drop")
    assert (outcome.period, outcome.status) == ("drop:2", "posted")
    (edit,) = fake.wait_for("chat.update")
    assert "Resolved Nov 22" in text_of(edit)
    again = alerting.after_snapshots(process.runtime, [dropped], key="drop")
    assert [o.status for o in again] == ["busy"]
