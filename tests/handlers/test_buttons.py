"""Buttons on answers: each works from the stored query, not from the message text."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

from tests.handlers.fake_slack import Failure
from tests.handlers.slack_requests import (
    action_body,
    command_body,
    direct_message,
    event_body,
    mention,
)


def _answered(send, fake, question="why don't sent numbers match?") -> tuple[str, str]:
    """Ask in a channel; return the answer's ts and the id its buttons carry."""
    send(event_body(mention(question)))
    (post,) = fake.wait_for("chat.postMessage")
    buttons = post.params["blocks"][-1]["elements"]
    assert {b["value"] for b in buttons} == {buttons[0]["value"]}
    return "1700000000.000001", buttons[0]["value"]


def test_by_journey_lists_journeys_in_the_thread(send, fake):
    ts, answer_id = _answered(send, fake)
    assert send(action_body("parity_by_journey", answer_id, message_ts=ts), form=True).status == 200
    _, reply = fake.wait_for("chat.postMessage", 2)
    assert reply.params["thread_ts"] == ts
    text = reply.params["blocks"][0]["text"]["text"]
    assert text.startswith("*Sent by journey*")
    assert "\n• Black Friday Promo: AJO " in text


def test_by_day_lists_days_with_their_causes(send, fake):
    ts, answer_id = _answered(send, fake)
    send(action_body("parity_by_day", answer_id, message_ts=ts), form=True)
    _, reply = fake.wait_for("chat.postMessage", 2)
    days = reply.params["blocks"][0]["text"]["text"].split("\n\n", 1)[1]
    assert "• Nov 29: AJO " in days
    assert "processing lag" in days.split("• Nov 29")[1]


def test_buttons_use_the_stored_query_not_the_message(send, fake, store):
    ts, answer_id = _answered(send, fake, "reconcile opens for welcome series last week")
    stored = store.load_answer(int(answer_id))
    assert stored.query.metrics == ("opens",)
    assert stored.query.journeys == ("Welcome Series",)
    send(action_body("parity_by_day", answer_id, message_ts=ts), form=True)
    _, reply = fake.wait_for("chat.postMessage", 2)
    assert reply.params["blocks"][0]["text"]["text"].startswith("*Opens by day* · Nov 16 – Nov 22")


def test_rerun_answers_again_in_the_thread(send, fake):
    ts, answer_id = _answered(send, fake)
    send(action_body("parity_rerun", answer_id, message_ts=ts), form=True)
    first, again = fake.wait_for("chat.postMessage", 2)
    assert again.params["thread_ts"] == ts
    assert again.params["text"] == first.params["text"]


def test_chart_is_uploaded_into_the_thread(send, fake):
    ts, answer_id = _answered(send, fake)
    send(action_body("parity_chart", answer_id, message_ts=ts), form=True)
    (complete,) = fake.wait_for("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C1"
    assert complete.params["thread_ts"] == ts
    (upload,) = fake.named("file.upload")
    assert upload.params["bytes"] > 10_000


def test_chart_upload_refused_leaves_the_answer_and_says_why(send, fake):
    ts, answer_id = _answered(send, fake)
    fake.fail("files.getUploadURLExternal", Failure(200, {"ok": False, "error": "not_in_channel"}))
    send(action_body("parity_chart", answer_id, message_ts=ts), form=True)
    _, notice = fake.wait_for("chat.postMessage", 2)
    assert "could not attach the chart (not_in_channel)" in notice.params["text"]
    assert notice.params["thread_ts"] == ts
    assert fake.named("chat.delete") == []


def test_post_to_channel_from_an_ephemeral_answer(send, fake):
    send(command_body("why don't sent numbers match", fake.response_url()), form=True)
    (reply,) = fake.wait_for("response_url")
    post = next(
        e for e in reply.params["blocks"][-1]["elements"] if e["text"]["text"] == "Post to channel"
    )
    send(
        action_body(
            "parity_post", post["value"], ephemeral=True, response_url=fake.response_url("b")
        ),
        form=True,
    )
    (public,) = fake.wait_for("chat.postMessage")
    assert public.params["channel"] == "C1"
    assert "thread_ts" not in public.params or public.params["thread_ts"] is None
    assert public.params["text"] == reply.params["text"]
    buttons = [e["text"]["text"] for e in public.params["blocks"][-1]["elements"]]
    assert "Post to channel" not in buttons


def test_chart_of_an_ephemeral_answer_goes_to_the_askers_dm(send, fake):
    send(command_body("why don't sent numbers match", fake.response_url()), form=True)
    (reply,) = fake.wait_for("response_url")
    answer_id = reply.params["blocks"][-1]["elements"][0]["value"]
    send(
        action_body("parity_chart", answer_id, ephemeral=True, response_url=fake.response_url("b")),
        form=True,
    )
    (complete,) = fake.wait_for("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D1"


def test_unknown_answer_id_asks_to_ask_again(send, fake):
    send(action_body("parity_by_day", "999999"), form=True)
    (reply,) = fake.wait_for("chat.postMessage")
    assert "no longer stored" in reply.params["text"]


def _dm_answer(send, fake) -> str:
    send(event_body(direct_message("why don't sent numbers match?")))
    (post,) = fake.wait_for("chat.postMessage")
    actions = post.params["blocks"][-1]
    picker = actions["elements"][-1]
    assert picker["type"] == "conversations_select"
    assert picker["action_id"] == "parity_post_to"
    return actions["block_id"]


def _picked(block_id: str, channel: str) -> str:
    payload = json.loads(parse_qs(action_body("parity_post_to", ""))["payload"][0])
    payload["channel"] = {"id": "D1"}
    payload["container"]["channel_id"] = "D1"
    payload["actions"] = [
        {"type": "conversations_select", "action_id": "parity_post_to", "block_id": block_id,
         "selected_conversation": channel, "action_ts": "1"}
    ]  # fmt: skip
    return urlencode({"payload": json.dumps(payload)})


def test_post_to_channel_from_a_dm_answer(send, fake):
    block_id = _dm_answer(send, fake)
    send(_picked(block_id, "C7"), form=True)
    _, public = fake.wait_for("chat.postMessage", 2)
    assert public.params["channel"] == "C7"
    assert public.params["text"].startswith("✅ *Sent*")


def test_post_to_a_channel_parity_is_not_in_says_so(send, fake):
    block_id = _dm_answer(send, fake)
    fake.fail("chat.postMessage", Failure(200, {"ok": False, "error": "not_in_channel"}))
    send(_picked(block_id, "C8"), form=True)
    _, notice = fake.wait_for("chat.postMessage", 2)
    assert notice.params["channel"] == "D1"
    assert "could not post in <#C8> (not_in_channel)" in notice.params["text"]
