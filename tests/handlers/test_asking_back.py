"""Questions asked back with buttons, follow-ups in a thread, and commands that build their
query: through the real App, answered on the fake Slack."""

from __future__ import annotations

from tests.handlers.slack_requests import action_body, command_body, event_body, mention

THREAD = "1699999999.000700"


def test_an_unknown_journey_is_asked_back_with_buttons_that_rerun_the_stored_query(
    send, fake, store
):
    send(event_body(mention("sent for the summer sale journey", ts=THREAD)))
    (asked,) = fake.wait_for("chat.postMessage")
    assert asked.params["text"].startswith("❓")
    (actions,) = [b for b in asked.params["blocks"] if b["type"] == "actions"]
    offers = {e["text"]["text"]: e for e in actions["elements"]}
    assert "All journeys" in offers
    assert all(e["action_id"] == "parity_offer" for e in offers.values())
    # The button names a stored query, not text: it re-runs exactly that.
    label, query = store.load_offer(int(offers["All journeys"]["value"]))
    assert label == "All journeys"
    assert (query.metrics, query.journeys, query.unclear) == (("sent",), (), ())
    fake.calls.clear()
    send(action_body("parity_offer", offers["All journeys"]["value"], message_ts=THREAD), form=True)
    (answer,) = fake.wait_for("chat.postMessage")
    assert answer.params["text"].startswith(("✅ *Sent*", "⚠️ *Sent*"))
    assert answer.params["thread_ts"] == THREAD


def test_a_follow_up_in_the_thread_keeps_what_it_does_not_change(send, fake):
    send(event_body(mention("reconcile opens for welcome series last week", ts=THREAD)))
    fake.wait_for("chat.postMessage")
    fake.calls.clear()
    follow_up = mention("and for clicks?", ts="1699999999.000800", thread_ts=THREAD)
    send(event_body(follow_up))
    (post,) = fake.wait_for("chat.postMessage")
    assert "*Clicks*" in post.params["text"]
    (reading,) = [b for b in post.params["blocks"] if b["type"] == "context"]
    assert reading["elements"][0]["text"] == (
        "Read as: Clicks · Welcome Series · Nov 16 – Nov 22, 2026"
    )


def test_another_thread_does_not_inherit_the_question(send, fake):
    send(event_body(mention("reconcile opens for welcome series last week", ts=THREAD)))
    fake.wait_for("chat.postMessage")
    fake.calls.clear()
    send(event_body(mention("and for clicks?", ts="1699999999.000900")))
    (post,) = fake.wait_for("chat.postMessage")
    (reading,) = [b for b in post.params["blocks"] if b["type"] == "context"]
    assert "all journeys" in reading["elements"][0]["text"]


def test_safe_subcommand_sets_the_intent_without_writing_a_sentence(send, fake):
    send(command_body("safe delivered", fake.response_url()), form=True)
    (reply,) = fake.wait_for("response_url", timeout=15)
    assert "Safe range for Delivered" in reply.params["text"]
    texts = [
        e["text"] for b in reply.params["blocks"] if b["type"] == "context" for e in b["elements"]
    ]
    assert texts == [
        "Read as: safe range · Delivered · all journeys · Oct 31 – Nov 29, 2026 "
        "(no dates asked: the last 30 days)"
    ]
