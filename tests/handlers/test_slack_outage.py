"""Slack answering 429 (with Retry-After) and 5xx for a while: every reply and the digest
arrive once it is back, each once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.clock import jobs
from bot.slack.client import make_client
from bot.store.runs import digest_key
from bot.store.schedules import StoredSchedule
from bot.timing import Clock
from tests.handlers.fake_slack import Failure
from tests.handlers.slack_requests import command_body, direct_message, event_body, mention

OUTAGE_SECONDS = 6.0
# What Slack says while it is overloaded or failing, in turn.
ANSWERS = (
    Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}),
    Failure(503, {"ok": False, "error": "service_unavailable"}),
    Failure(500, {"ok": False, "error": "internal_error"}),
)


def test_replies_asked_during_a_slack_outage_arrive_afterwards_once(send, fake):
    send(event_body(mention("status")))  # Bolt learns who it is (auth.test) before the outage
    fake.wait_for("chat.postMessage")
    fake.calls.clear()
    fake.go_down(OUTAGE_SECONDS, *ANSWERS)
    started = time.monotonic()
    send(event_body(mention("why don't sent numbers match?", ts="1699999999.000101")))
    send(event_body(direct_message("safe range for sent")))
    send(command_body("status", fake.response_url("cmd")), form=True)
    posts = fake.wait_for("chat.postMessage", 2, timeout=60)
    (reply,) = fake.wait_for("response_url", timeout=60)
    assert min(c.at for c in [*posts, reply]) - started >= OUTAGE_SECONDS - 0.5
    assert len(fake.named("chat.postMessage!failed")) >= 2
    assert {p.params["channel"] for p in posts} == {"C1", "D1"}
    assert "Parity status" in reply.params["text"]
    time.sleep(2.0)  # nothing else arrives: each was delivered once
    assert len(fake.named("chat.postMessage")) == 2
    assert len(fake.named("response_url")) == 1


def test_a_digest_due_during_a_slack_outage_is_posted_once_afterwards(fake, store, slack_settings):
    now = datetime(2026, 11, 30, 8, 0, 20, tzinfo=UTC)
    schedule = StoredSchedule(
        channel_id="C0WEEKLY", weekday=0, hour=9, minute=0, timezone="Europe/Berlin",
        skip_unchanged=False, created_by="U1", created_at=now, updated_at=now,
    )  # fmt: skip
    store.scheduling.save_schedule(schedule)
    runtime = jobs.Runtime(slack_settings, store, make_client(slack_settings), {}, Clock.fixed(now))
    fake.go_down(OUTAGE_SECONDS, *ANSWERS, from_first_call=True)  # the digest is built first
    outcome = jobs.run_digest(runtime, schedule, now, now)
    assert outcome.status == "posted", outcome
    posted = [c for c in fake.named("chat.postMessage") if c.params["channel"] == "C0WEEKLY"]
    assert len(posted) >= 2  # the digest and its thread
    assert len(fake.named("chat.postMessage!failed")) >= 1
    # The clock's next sweep finds the week done and posts nothing again.
    assert jobs.run_digest(runtime, schedule, now, now).status == "busy"
    assert [c for c in fake.named("chat.postMessage") if c.params["channel"] == "C0WEEKLY"] == (
        posted
    )
    run = store.scheduling.latest_run(digest_key("C0WEEKLY"))
    assert run.status == "posted"
