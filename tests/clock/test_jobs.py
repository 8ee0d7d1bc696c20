"""Scheduled digests happen exactly once: on time, late within the grace, after a crash or a
failed post, and never when the week is done or the grace is over."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.answers.render import render
from bot.answers.service import Answer
from bot.clock import jobs
from bot.clock.status import clock_status
from bot.slack.client import make_client
from bot.store.runs import digest_key
from bot.store.scheduling import ClockRecords
from bot.timing import Clock
from tests.builders import frame
from tests.clock.conftest import CHANNEL, DUE, schedule, top_level_posts
from tests.handlers.fake_slack import Failure

MINUTE = timedelta(minutes=1)
KEY = digest_key(CHANNEL)


def _status_text(runtime, now) -> str:
    answer = Answer("status", None, now.date(), now, clock=clock_status(
        runtime.store, runtime.settings, now
    ))  # fmt: skip
    return render("status.j2", "plain", answer=answer)


def test_the_digest_is_posted_at_its_time_with_buttons_a_thread_and_a_chart(runtime, fake):
    stored = schedule(runtime.store)
    outcome = jobs.run_digest(runtime, stored, DUE, DUE + timedelta(seconds=5))
    assert (outcome.status, outcome.period) == ("posted", "2026-W49")

    first, *thread = fake.named("chat.postMessage")
    assert first.params["channel"] == CHANNEL
    assert "thread_ts" not in first.params
    blocks = first.params["blocks"]
    assert blocks[0]["text"]["text"] == "Parity weekly digest · Nov 23 – Nov 29, 2026"
    assert [e["text"]["text"] for e in blocks[-1]["elements"]] == [
        "By journey",
        "By day",
        "Chart",
        "Re-run",
    ]
    assert "Largest unexplained gaps" in json.dumps(blocks, ensure_ascii=False)
    # The journeys that did not fit are in the thread, and so is the chart.
    assert len(thread) == 1
    assert thread[0].params["thread_ts"] == "1700000000.000001"
    assert "More unexplained gaps" in json.dumps(thread[0].params["blocks"], ensure_ascii=False)
    (upload,) = fake.named("files.completeUploadExternal")
    assert upload.params["thread_ts"] == "1700000000.000001"

    run = runtime.store.scheduling.run(KEY, "2026-W49")
    assert (run.status, run.attempts, run.steps_done) == ("posted", 1, len(thread) + 2)
    # The buttons re-run the digest's week.
    stored_answer = runtime.store.recent_answers(1)[0]
    assert (stored_answer.query.intent, str(stored_answer.query.start)) == ("digest", "2026-11-23")


def test_a_week_is_posted_once_however_often_it_is_asked(runtime, fake):
    stored = schedule(runtime.store)
    assert jobs.run_digest(runtime, stored, DUE, DUE).status == "posted"
    posts = len(fake.named("chat.postMessage"))
    for later in (MINUTE, 30 * MINUTE, 59 * MINUTE):
        assert jobs.run_digest(runtime, stored, DUE, DUE + later).status == "busy"
        assert [o.status for o in jobs.sweep(runtime, DUE + later)] == ["busy"]
    assert len(fake.named("chat.postMessage")) == posts
    assert len(top_level_posts(fake)) == 1


def test_a_settled_week_is_read_not_written_again_at_every_sweep(runtime, fake, monkeypatch):
    """Once posted (or skipped), the sweep answers from the run's row: no claim or skip is
    attempted, so no write fails on the existing row every minute."""
    stored = schedule(runtime.store)
    assert jobs.run_digest(runtime, stored, DUE, DUE).status == "posted"

    def no_write(*args, **kwargs):
        raise AssertionError("a settled period was written to again")

    monkeypatch.setattr(ClockRecords, "claim", no_write)
    monkeypatch.setattr(ClockRecords, "record_skip", no_write)
    assert [o.status for o in jobs.sweep(runtime, DUE + MINUTE)] == ["busy"]
    assert [o.status for o in jobs.sweep(runtime, DUE + 2 * 60 * MINUTE)] == ["late"]


def test_late_within_the_grace_is_posted_once_when_the_clock_comes_back(runtime, fake):
    schedule(runtime.store)
    back = DUE + 59 * MINUTE  # the clock was down at 09:00 and is back at 09:59
    assert [o.status for o in jobs.sweep(runtime, back)] == ["posted"]
    assert [o.status for o in jobs.sweep(runtime, back + MINUTE)] == ["busy"]
    assert len(top_level_posts(fake)) == 1


def test_later_than_the_grace_is_skipped_and_the_skip_is_recorded(runtime, fake):
    schedule(runtime.store)
    back = DUE + 61 * MINUTE
    (outcome,) = jobs.sweep(runtime, back)
    assert outcome.status == "skipped"
    assert outcome.detail == (
        "missed: due 2026-11-30 08:00 UTC, and the clock was not running until "
        "2026-11-30 09:01 UTC (more than the 1:00:00 grace)"
    )
    assert fake.named("chat.postMessage") == []
    assert [o.status for o in jobs.sweep(runtime, back + MINUTE)] == ["late"]
    run = runtime.store.scheduling.run(KEY, "2026-W49")
    assert (run.status, run.attempts) == ("skipped", 0)
    assert "⏭ digest for #C0DIGEST (2026-W49, due Mon Nov 30, 08:00 UTC) skipped: missed" in (
        _status_text(runtime, back)
    )


def test_a_crash_after_claiming_is_retried_once_the_lease_is_over(runtime, fake):
    stored = schedule(runtime.store)
    # Another clock claimed the run at 09:00:10 and died before posting anything.
    runtime.store.scheduling.claim(KEY, "2026-W49", DUE, DUE + timedelta(seconds=10), jobs.LEASE)
    assert [o.status for o in jobs.sweep(runtime, DUE + 5 * MINUTE)] == ["busy"]
    assert fake.named("chat.postMessage") == []
    after_lease = DUE + jobs.LEASE + MINUTE
    assert jobs.run_digest(runtime, stored, DUE, after_lease).status == "posted"
    assert len(top_level_posts(fake)) == 1
    assert runtime.store.scheduling.run(KEY, "2026-W49").attempts == 2


def test_a_failed_post_is_retried_after_the_back_off(runtime, fake):
    schedule(runtime.store)
    fake.fail("chat.postMessage", Failure(200, {"ok": False, "error": "fatal_error"}))
    (first,) = jobs.sweep(runtime, DUE)
    assert (first.status, first.detail) == ("retrying", "Slack refused: fatal_error")
    assert runtime.store.scheduling.run(KEY, "2026-W49").retry_at == DUE + MINUTE
    assert [o.status for o in jobs.sweep(runtime, DUE + MINUTE / 2)] == ["busy"]
    assert [o.status for o in jobs.sweep(runtime, DUE + MINUTE)] == ["posted"]
    assert len(top_level_posts(fake)) == 1
    assert runtime.store.scheduling.run(KEY, "2026-W49").attempts == 2


def test_after_the_last_attempt_the_failure_is_recorded_and_shown(runtime, fake):
    schedule(runtime.store)
    refusal = Failure(200, {"ok": False, "error": "not_in_channel"})
    fake.fail("chat.postMessage", refusal, refusal, refusal)
    statuses = [
        [o.status for o in jobs.sweep(runtime, now)]
        for now in (DUE, DUE + MINUTE, DUE + 6 * MINUTE, DUE + 30 * MINUTE)
    ]
    assert statuses == [["retrying"], ["retrying"], ["failed"], ["busy"]]
    assert fake.named("chat.postMessage") == []
    run = runtime.store.scheduling.run(KEY, "2026-W49")
    assert (run.status, run.attempts, run.given_up) == ("failed", 3, True)
    assert (
        "❌ digest for #C0DIGEST (2026-W49, due Mon Nov 30, 08:00 UTC) failed after 3 attempts: "
        "Slack refused: not_in_channel"
    ) in _status_text(runtime, DUE + 30 * MINUTE)


class _DropsAfterFirstPost(WebClient):
    """Slack accepts the first message, then the connection drops (or the process dies)."""

    posted = 0

    def chat_postMessage(self, **kwargs):
        if self.posted:
            raise ConnectionResetError("connection reset by peer")
        self.posted += 1
        return super().chat_postMessage(**kwargs)


def test_a_retry_continues_where_the_post_stopped_and_sends_nothing_twice(runtime, fake):
    stored = schedule(runtime.store)
    dropping = jobs.Runtime(
        runtime.settings, runtime.store, _DropsAfterFirstPost(
            token="xoxb-test-token", base_url=runtime.settings.slack_api_url
        ), {}, runtime.clock
    )  # fmt: skip
    assert jobs.run_digest(dropping, stored, DUE, DUE).status == "retrying"
    run = runtime.store.scheduling.run(KEY, "2026-W49")
    assert (run.steps_done, run.message_ts) == (1, "1700000000.000001")

    assert jobs.run_digest(runtime, stored, DUE, DUE + MINUTE).status == "posted"
    first, *rest = fake.named("chat.postMessage")
    assert "thread_ts" not in first.params
    assert len(top_level_posts(fake)) == 1
    assert [c.params["thread_ts"] for c in rest] == ["1700000000.000001"]
    assert len(fake.named("files.completeUploadExternal")) == 1


def test_quiet_weeks_are_skipped_when_the_schedule_says_so(tmp_path, fake, wall):
    from bot.store import Store
    from tests.clock.conftest import clock_settings_for

    settings = clock_settings_for(f"sqlite:///{tmp_path / 'quiet.db'}", fake)
    store = Store.open(settings.database_url)
    # Both weeks agree exactly, and both sources were captured the evening before.
    days = [f"2026-11-{d:02d}" for d in range(16, 30)]
    store.save(
        frame(*(
            {"source": source, "day": day, "value": 500, "captured_at": "2026-11-29T20:00:00Z"}
            for source in ("ajo", "cja") for day in days
        )),
        "quiet.csv",
    )  # fmt: skip
    runtime = jobs.Runtime(settings, store, make_client(settings), {}, Clock(source=wall))
    try:
        quiet = schedule(store, skip_unchanged=True)
        loud = schedule(store, "C0LOUD", skip_unchanged=False)
        assert jobs.run_digest(runtime, quiet, DUE, DUE).status == "skipped"
        assert store.scheduling.run(KEY, "2026-W49").error == "nothing changed since last week"
        assert jobs.run_digest(runtime, loud, DUE, DUE).status == "posted"
        assert top_level_posts(fake) == []
        (post,) = top_level_posts(fake, "C0LOUD")
        assert post.params["text"] == "✅ AJO and CJA agree on all 1 metric this week."
    finally:
        store.close()


def test_a_schedule_set_after_its_time_this_week_waits_for_next_week(runtime, fake):
    schedule(runtime.store, set_at=DUE + 5 * MINUTE)
    assert jobs.sweep(runtime, DUE + 10 * MINUTE) == []
    assert fake.named("chat.postMessage") == []


@pytest.mark.parametrize("status", ["posted", "busy"])
def test_a_post_from_the_cli_counts_as_the_weeks_post(runtime, fake, status):
    stored = schedule(runtime.store)
    if status == "busy":  # the clock already posted this week
        jobs.run_digest(runtime, stored, DUE, DUE)
    monday_noon = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert jobs.run_digest(runtime, stored, monday_noon, monday_noon).status == status
    assert len(top_level_posts(fake)) == 1
