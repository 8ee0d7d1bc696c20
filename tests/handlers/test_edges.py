"""Slack's edges: answering while the database is down, buttons whose values were changed,
and channels a request names that Parity or its asker is not in."""

from __future__ import annotations

import json
import logging
import re
import time
from contextlib import contextmanager
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import create_engine, select, text

from bot.store.schema import slack_events
from tests.handlers.fake_slack import BOT_USER
from tests.handlers.slack_requests import (
    action_body,
    command_body,
    direct_message,
    event_body,
    mention,
)

APOLOGY = re.compile(r"Sorry, something went wrong on my side .*error id ([0-9a-f]{8})", re.S)


@contextmanager
def database_down(store):
    """The store's database refuses connections (nothing listens on the port), as a
    PostgreSQL server that is down does; the real engine comes back afterwards."""
    real = store.engine
    store.engine = create_engine(
        "postgresql+psycopg://parity@127.0.0.1:9/parity", connect_args={"connect_timeout": 2}
    )
    try:
        yield
    finally:
        store.engine.dispose()
        store.engine = real


@contextmanager
def journeys_gone(store):
    """A table answering needs is missing, while the event table still works."""
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE journeys RENAME TO journeys_away"))
    try:
        yield
    finally:
        with store.engine.begin() as conn:
            conn.execute(text("ALTER TABLE journeys_away RENAME TO journeys"))


def _text(call) -> str:
    """A message's text and its blocks' (the error id is in the blocks)."""
    blocks = call.params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return "\n".join([call.params.get("text", ""), json.dumps(blocks, ensure_ascii=False)])


def _wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def _claims(store, event_id: str) -> list:
    with store.engine.connect() as conn:
        return conn.execute(select(slack_events).where(slack_events.c.event_id == event_id)).all()


@pytest.mark.parametrize(
    "event", [mention("why don't sent numbers match?"), direct_message("safe range for sent")]
)
def test_a_question_asked_while_the_database_is_down_gets_the_apology(send, fake, store, event):
    body = event_body(event, event_id="EvDOWN")
    with database_down(store):
        send(body)
        (reply,) = fake.wait_for("chat.postMessage")
    assert APOLOGY.search(_text(reply)), _text(reply)
    assert reply.params["thread_ts"] == event["ts"]
    # Nothing could be claimed, so the redelivery after the outage is answered.
    send(body)
    _, answer = fake.wait_for("chat.postMessage", 2)
    assert "Sent" in _text(answer)
    assert not APOLOGY.search(_text(answer))


def test_a_claimed_question_that_fails_is_released_for_its_redelivery(send, fake, store):
    body = event_body(mention("why don't sent numbers match?"), event_id="EvFAIL")
    with journeys_gone(store):
        send(body)
        (apology,) = fake.wait_for("chat.postMessage")
        assert APOLOGY.search(_text(apology))
        _wait_until(lambda: _claims(store, "EvFAIL") == [])  # released
    send(body)  # Slack redelivers: now it is answered, and marked done
    _, answer = fake.wait_for("chat.postMessage", 2)
    assert "Sent" in _text(answer)
    assert not APOLOGY.search(_text(answer))
    _wait_until(lambda: [c.done_at is not None for c in _claims(store, "EvFAIL")] == [True])
    send(body)  # a third delivery is not answered again
    with pytest.raises(AssertionError):
        fake.wait_for("chat.postMessage", 3, timeout=1.0)


def test_a_slash_command_while_the_database_is_down_gets_the_same_apology(send, fake, store):
    with database_down(store):
        send(
            command_body("digest set <#C0WEEKLY|ops> mon 09:00 UTC", fake.response_url()), form=True
        )
        (reply,) = fake.wait_for("response_url")
    assert APOLOGY.search(_text(reply))
    assert store.scheduling.schedules() == []


TAMPERED = ["abc", "-1", "1e3", "12 ", "٣", "9" * 40, "1; drop table answers", ""]


@pytest.mark.parametrize("value", TAMPERED)
@pytest.mark.parametrize(
    "action", ["parity_by_day", "parity_rerun", "parity_offer", "parity_alert_resolve"]
)
def test_a_tampered_button_value_is_refused_politely(send, fake, caplog, action, value):
    caplog.set_level(logging.WARNING)
    body = action_body(action, value, ephemeral=True, response_url=fake.response_url("b"))
    assert send(body, form=True).status == 200
    (reply,) = fake.wait_for("response_url")
    assert "That button is out of date or was changed" in _text(reply)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("value", TAMPERED)
def test_a_tampered_snapshot_button_is_refused_politely_to_an_admin(send, fake, caplog, value):
    fake.admins.add("U1")  # may drop snapshots: the value itself is what is refused
    caplog.set_level(logging.WARNING)
    body = action_body(
        "parity_snapshot_drop", value, ephemeral=True, response_url=fake.response_url("s")
    )
    send(body, form=True)
    (reply,) = fake.wait_for("response_url")
    assert "That button is out of date or was changed" in _text(reply)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_block_id_naming_no_answer_is_refused_politely(send, fake, caplog):
    payload = json.loads(parse_qs(action_body("parity_post_to", ""))["payload"][0])
    payload["actions"] = [
        {"type": "conversations_select", "action_id": "parity_post_to",
         "block_id": "parity_answer_x9", "selected_conversation": "C7", "action_ts": "1"}
    ]  # fmt: skip
    send(urlencode({"payload": json.dumps(payload)}), form=True)
    (reply,) = fake.wait_for("chat.postMessage")
    assert "That button is out of date" in _text(reply)
    assert reply.params["channel"] == "C1"


def test_an_alert_button_pressed_outside_its_channel_is_refused(send, fake, store):
    from tests.handlers.test_alerts import ALERTS, _alerted, _posted_episode

    _alerted(send, fake, store)
    episode = _posted_episode(store)
    posts = len(fake.named("chat.postMessage"))
    send(action_body("parity_alert_resolve", str(episode.id), channel="C1"), form=True)
    refused = fake.wait_for("chat.postMessage", posts + 1)[-1]
    assert "That button is out of date" in _text(refused)
    assert refused.params["channel"] == "C1"
    assert fake.named("chat.update") == []
    assert store.alerts.episode(episode.id).is_open
    assert episode.channel_id == ALERTS


def _command(send, fake, text: str, channel: str = "C1") -> str:
    before = len(fake.named("response_url"))
    send(command_body(text, fake.response_url(), channel=channel), form=True)
    return fake.wait_for("response_url", before + 1)[-1].params["text"]


def test_a_digest_for_a_channel_the_asker_is_not_in_is_refused(send, fake, store):
    fake.members["C0SECRET"] = {BOT_USER, "U2"}
    reply = _command(send, fake, "digest set <#C0SECRET|secret> mon 09:00 UTC")
    assert reply == "⚠️ Only members of <#C0SECRET> can schedule its digest there."
    assert store.scheduling.schedules() == []


def test_a_digest_for_a_channel_parity_is_not_in_is_refused(send, fake, store):
    fake.members["C0QUIET"] = {"U1"}
    reply = _command(send, fake, "digest set <#C0QUIET|quiet> mon 09:00 UTC")
    assert reply.startswith("⚠️ I am not in <#C0QUIET>, so I cannot schedule its digest there.")
    fake.hidden.add("C0HIDDEN")
    reply = _command(send, fake, "digest set <#C0HIDDEN|hidden> mon 09:00 UTC")
    assert (
        reply
        == "⚠️ I cannot see <#C0HIDDEN> (channel_not_found), so I cannot schedule its digest there."
    )
    assert store.scheduling.schedules() == []


def test_only_a_channels_members_turn_its_digest_off(send, fake, store):
    _command(send, fake, "digest set <#C0WEEKLY|ops> mon 09:00 UTC")
    fake.members["C0WEEKLY"] = {BOT_USER, "U2"}  # U1 has left the channel
    reply = _command(send, fake, "digest off <#C0WEEKLY|ops>")
    assert reply == "⚠️ Only members of <#C0WEEKLY> can turn its digest off there."
    assert [s.channel_id for s in store.scheduling.schedules()] == ["C0WEEKLY"]
    fake.members["C0WEEKLY"] = {BOT_USER, "U1"}
    _command(send, fake, "digest off <#C0WEEKLY|ops>")
    assert store.scheduling.schedules() == []


def test_posting_to_a_picked_channel_the_asker_is_not_in_is_refused(send, fake):
    from tests.handlers.test_buttons import _dm_answer, _picked

    block_id = _dm_answer(send, fake)
    fake.members["C0PRIVATE"] = {BOT_USER, "U2"}
    send(_picked(block_id, "C0PRIVATE"), form=True)
    _, notice = fake.wait_for("chat.postMessage", 2)
    assert notice.params["channel"] == "D1"
    assert notice.params["text"] == "⚠️ Only members of <#C0PRIVATE> can post this answer there."
    assert not [c for c in fake.named("chat.postMessage") if c.params["channel"] == "C0PRIVATE"]


RETRY = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}


def test_slacks_retries_during_an_outage_get_no_second_apology(send, fake, store):
    body = event_body(mention("why don't sent numbers match?"), event_id="EvRETRY")
    with database_down(store):
        send(body)
        (apology,) = fake.wait_for("chat.postMessage")
        send(body, headers=RETRY)
        time.sleep(1.0)
        assert len(fake.named("chat.postMessage")) == 1
    assert APOLOGY.search(_text(apology))
    # The database is back: Slack's next retry is answered in place of the apology.
    send(body, headers={**RETRY, "x-slack-retry-num": "2"})
    (update,) = fake.wait_for("chat.update")
    (replaced,) = fake.threads[("C1", "1699999999.000100")]  # the apology, now the answer
    assert update.params["ts"] == replaced["ts"]
    assert not APOLOGY.search(_text(update))
    assert "Sent" in _text(update)
    time.sleep(0.5)
    assert len(fake.named("chat.postMessage")) == 1


def test_a_retry_of_an_answered_question_is_not_apologised_for_while_the_database_is_down(
    send, fake, store
):
    body = event_body(direct_message("safe range for sent"), event_id="EvANSWERED")
    send(body)
    (answer,) = fake.wait_for("chat.postMessage")
    assert not APOLOGY.search(_text(answer))
    with database_down(store):
        send(body, headers=RETRY)
        time.sleep(1.5)
    send(body, headers={**RETRY, "x-slack-retry-num": "2"})  # and not answered twice after
    time.sleep(1.5)
    assert len(fake.named("chat.postMessage")) == 1
    assert fake.named("chat.update") == []


def test_a_quick_question_from_home_while_the_database_is_down_gets_the_apology(send, fake, store):
    with database_down(store):
        send(action_body("parity_home_ask", "sent_safe"), form=True)
        (reply,) = fake.wait_for("chat.postMessage")
    assert reply.params["channel"] in ("D1", "U1")  # the asker's DM with Parity
    assert APOLOGY.search(_text(reply))
