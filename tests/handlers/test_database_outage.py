"""PostgreSQL going away and coming back under a running App (web and Socket Mode build the
same one): every question asked meanwhile gets one reply, an answer or the apology, and
the App answers again afterwards without a restart."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlparse

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.evaluate.demo import generate
from bot.slack.client import make_client
from bot.store import Store
from tests.handlers.conftest import TODAY, Sender
from tests.handlers.fake_slack import BOT_TOKEN
from tests.handlers.slack_requests import (
    SIGNING_SECRET,
    command_body,
    direct_message,
    event_body,
    mention,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

APOLOGY = re.compile(r"Sorry, something went wrong on my side .*error id [0-9a-f]{8}", re.S)


@pytest.fixture
def proxy(postgres_url):
    target = urlparse(postgres_url.replace("+psycopg", ""))
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def pg_store(postgres_url, proxy, clock):
    """A demo store on PostgreSQL, reached through the proxy."""
    store = Store.open(proxy.url_for(postgres_url), clock)
    for frame in generate(TODAY):
        store.save(frame, "demo")
    yield store
    store.close()


@pytest.fixture
def pg_send(pg_store, fake, clock):
    settings = Settings(
        database_url=str(pg_store.engine.url),
        today_override=TODAY,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        working_notice_seconds=60.0,
    )
    app = create_app(settings, client=make_client(settings), store=pg_store, clock=clock)
    return Sender(app)


def _replies(fake) -> dict[str, list[str]]:
    """Every reply, by where it went: a thread, a DM, a command's response_url."""
    found: dict[str, list[str]] = {}
    for call in fake.calls:
        if call.method == "chat.postMessage":
            where = f"{call.params['channel']}:{call.params.get('thread_ts')}"
        elif call.method == "response_url":
            where = call.path
        else:
            continue
        text = call.params.get("text", "") + json.dumps(call.params.get("blocks"))
        found.setdefault(where, []).append(text)
    return found


def test_questions_during_a_database_outage_get_one_reply_each_and_answers_come_back(
    pg_send, proxy, fake
):
    pg_send(event_body(mention("status", ts="1699999999.000001")))
    fake.wait_for("chat.postMessage")
    proxy.cut()
    pg_send(event_body(mention("why don't sent numbers match?", ts="1699999999.000002")))
    pg_send(event_body(direct_message("safe range for sent", ts="1699999999.000003")))
    pg_send(command_body("status", fake.response_url("during")), form=True)
    fake.wait_for("chat.postMessage", 3, timeout=30)
    fake.wait_for("response_url", 1, timeout=30)
    time.sleep(1.0)
    proxy.restore()
    pg_send(event_body(mention("why don't sent numbers match?", ts="1699999999.000004")))
    pg_send(command_body("safe sent", fake.response_url("after")), form=True)
    fake.wait_for("chat.postMessage", 4, timeout=30)
    fake.wait_for("response_url", 2, timeout=30)
    time.sleep(1.5)  # nothing more arrives: one reply each

    replies = _replies(fake)
    assert {where: len(texts) for where, texts in replies.items()} == {
        "C1:1699999999.000001": 1,
        "C1:1699999999.000002": 1,
        "D1:1699999999.000003": 1,
        "/response/during": 1,
        "C1:1699999999.000004": 1,
        "/response/after": 1,
    }
    for during in ("C1:1699999999.000002", "D1:1699999999.000003", "/response/during"):
        assert APOLOGY.search(replies[during][0]), replies[during][0]
    assert "Parity status" in replies["C1:1699999999.000001"][0]
    assert "Sent" in replies["C1:1699999999.000004"][0]
    assert not APOLOGY.search(replies["C1:1699999999.000004"][0])
    assert "Safe range for Sent" in replies["/response/after"][0]
    assert proxy.refused > 0  # the outage was real: connections were refused


def test_on_postgresql_a_failed_answer_gives_its_claim_back_and_a_retry_replaces_the_apology(
    pg_send, pg_store, fake
):
    from tests.handlers.test_edges import RETRY, journeys_gone

    body = event_body(mention("why don't sent numbers match?"), event_id="EvPG")
    with journeys_gone(pg_store):
        pg_send(body)
        (apology,) = fake.wait_for("chat.postMessage")
        assert APOLOGY.search(apology.params["text"] + json.dumps(apology.params["blocks"]))
        deadline = time.monotonic() + 5
        while _claimed(pg_store, "EvPG"):
            assert time.monotonic() < deadline, "the claim was not given back"
            time.sleep(0.05)
    pg_send(body, headers=RETRY)
    (update,) = fake.wait_for("chat.update")
    assert "Sent" in update.params["text"]
    assert not APOLOGY.search(update.params["text"] + json.dumps(update.params["blocks"]))
    assert len(fake.named("chat.postMessage")) == 1


def _claimed(store, event_id: str) -> bool:
    from sqlalchemy import select

    from bot.store.schema import slack_events

    with store.engine.connect() as conn:
        found = conn.execute(select(slack_events).where(slack_events.c.event_id == event_id))
        return found.first() is not None
