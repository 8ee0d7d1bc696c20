"""Mentions, DMs and /parity through the real App, answered on the fake Slack."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from bot.answers.service import Parity
from bot.app import create_app
from bot.slack.client import make_client
from tests.handlers.conftest import Sender
from tests.handlers.fake_slack import Failure
from tests.handlers.slack_requests import command_body, direct_message, event_body, mention


def test_mention_is_answered_in_its_thread_with_buttons(send, fake):
    response = send(event_body(mention("why don't Sent numbers match?", ts="1699999999.000500")))
    assert response.status == 200
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "C1"
    assert post.params["thread_ts"] == "1699999999.000500"
    assert post.params["text"].startswith("✅ *Sent*: the gap of ")
    blocks = post.params["blocks"]
    buttons = [e["text"]["text"] for e in blocks[-1]["elements"]]
    assert buttons == ["By journey", "By day", "Chart", "Re-run", "Where these numbers come from"]
    assert any("Safe range for Sent" in b["text"]["text"] for b in blocks if b["type"] == "section")


def test_a_reply_in_a_thread_stays_in_that_thread(send, fake):
    send(event_body(mention("status", ts="1699999999.000900", thread_ts="1699999999.000100")))
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1699999999.000100"
    assert "Parity status" in post.params["text"]


def test_direct_message_is_a_question(send, fake):
    send(event_body(direct_message("which dates are safe for sent?")))
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "D1"
    assert "Safe range for Sent" in post.params["text"]


def test_channel_chatter_without_a_mention_is_ignored(send, fake):
    chatter = direct_message("why don't sent numbers match?", channel_type="channel", channel="C1")
    send(event_body(chatter))
    send(event_body(mention("status")))
    fake.wait_for("chat.postMessage")
    time.sleep(0.2)
    assert len(fake.named("chat.postMessage")) == 1


def test_same_event_delivered_twice_gets_one_reply(send, fake):
    body = event_body(mention("status"), event_id="EvTwice")
    send(body)
    fake.wait_for("chat.postMessage")
    send(body, headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"})
    time.sleep(0.5)
    assert len(fake.named("chat.postMessage")) == 1


def test_a_retry_whose_first_delivery_never_arrived_is_answered(send, fake):
    body = event_body(mention("status"), event_id="EvLost")
    send(body, headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_error"})
    (post,) = fake.wait_for("chat.postMessage")
    assert "Parity status" in post.params["text"]


def test_rate_limited_post_is_sent_once_after_the_wait(send, fake):
    fake.fail(
        "chat.postMessage",
        Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}),
    )
    send(event_body(mention("status")))
    (post,) = fake.wait_for("chat.postMessage", timeout=15)
    (refused,) = fake.named("chat.postMessage!failed")
    assert post.at - refused.at >= 0.9
    time.sleep(0.3)
    assert len(fake.named("chat.postMessage")) == 1


def test_server_error_is_retried(send, fake):
    fake.fail("chat.postMessage", Failure(503, {"ok": False, "error": "service_unavailable"}))
    send(event_body(mention("status")))
    fake.wait_for("chat.postMessage", timeout=15)
    assert len(fake.named("chat.postMessage!failed")) == 1


def test_slash_command_is_acked_at_once_while_a_slow_answer_runs(
    fake, monkeypatch, slack_settings, store
):
    original = Parity.ask

    def slow_ask(self, question, *args, **kwargs):
        time.sleep(1.5)
        return original(self, question, *args, **kwargs)

    monkeypatch.setattr(Parity, "ask", slow_ask)
    impatient = replace(slack_settings, working_notice_seconds=0.2)
    send = Sender(create_app(impatient, client=make_client(impatient), store=store))
    started = time.monotonic()
    response = send(command_body("why don't sent numbers match", fake.response_url()), form=True)
    acked = time.monotonic() - started
    assert response.status == 200
    assert acked < 0.5
    working, answer = fake.wait_for("response_url", 2, timeout=15)
    assert working.params["text"] == "⏳ Working on it…"
    assert answer.params["replace_original"] is True
    assert answer.params["response_type"] == "ephemeral"
    assert "Sent" in answer.params["text"]
    buttons = [e["text"]["text"] for e in answer.params["blocks"][-1]["elements"]]
    assert "Post to channel" in buttons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", "I explain why Adobe Journey Optimizer"),
        ("", "I explain why Adobe Journey Optimizer"),
        ("frobnicate the widgets", "I did not understand that"),
        ("status", "Parity status"),
        ("safe opens", "Safe range for Opens"),
        ("reconcile welcome series last week", "Welcome Series"),
    ],
)
def test_slash_subcommands(send, fake, text, expected):
    send(command_body(text, fake.response_url()), form=True)
    (reply,) = fake.wait_for("response_url")
    assert expected in reply.params["text"] + json.dumps(reply.params.get("blocks", []))


def test_acks_never_wait_behind_answers_still_running(fake, monkeypatch, slack_settings, store):
    original = Parity.answer  # what every surface calls, "/parity status" included

    def slow_answer(self, query, *args, **kwargs):
        time.sleep(1.0)
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(Parity, "answer", slow_answer)
    one_thread = replace(slack_settings, workers=1)
    send = Sender(create_app(one_thread, client=make_client(one_thread), store=store))
    acks = []
    for i in range(3):
        started = time.monotonic()
        response = send(command_body("status", fake.response_url(f"c{i}")), form=True)
        acks.append(time.monotonic() - started)
        assert response.status == 200
    assert max(acks) < 0.5, acks
    assert len(fake.wait_for("response_url", 3, timeout=20)) == 3


def test_drain_lets_a_question_in_flight_finish_before_returning(send, fake, app):
    send(event_body(mention("why don't Sent numbers match?")))
    app.drain()
    # No waiting: the answer was posted while drain() held the process open.
    assert [p.params["text"][:8] for p in fake.named("chat.postMessage")] == ["✅ *Sent*"]
    # A request after the drain is refused, not half-run.
    assert send(event_body(mention("status"))).status == 500
    assert len(fake.named("chat.postMessage")) == 1
