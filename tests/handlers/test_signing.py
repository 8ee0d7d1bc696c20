"""HTTP mode's front door: what Slack did not sign is refused before anything reads it as
JSON or a form, and a signed request replayed within Slack's five minutes runs once, in
one process or across two."""

from __future__ import annotations

import http.client
import time
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest

from bot.app import create_app
from bot.server import wsgi_app
from bot.slack.client import make_client
from bot.slack.signing import TOLERANCE_SECONDS, SignatureGate, Verdict
from bot.timing import Clock
from tests.handlers.http_server import post, serving
from tests.handlers.slack_requests import (
    FORM,
    SIGNING_SECRET,
    action_body,
    command_body,
    signed_headers,
)

NOT_JSON = b'{"type": "event_callback", "event": ' + b"[" * 100_000 + b"\xff\xfe"


def _events(url: str) -> str:
    return f"{url}/slack/events"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-slack-request-timestamp": "{now}"},
        {"x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": "{now}", "x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": "{now}", "x-slack-signature": "v0=nothex"},
    ],
    ids=["nothing", "no-signature", "no-timestamp", "wrong-signature", "malformed"],
)
def test_an_unsigned_request_is_401_before_its_body_is_parsed(http_url, fake, headers):
    now = str(int(time.time()))
    sent = {k: v.format(now=now) for k, v in headers.items()}
    status, _ = post(_events(http_url), NOT_JSON, {"content-type": "application/json", **sent})
    assert status == 401
    time.sleep(0.3)
    assert fake.calls == []


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "-5", " 1", "", "0x1f", "9" * 40])
def test_a_timestamp_that_is_not_a_number_is_401_not_500(http_url, fake, timestamp):
    body = command_body("status", fake.response_url())
    headers = signed_headers(body, content_type=FORM)
    headers["x-slack-request-timestamp"] = timestamp
    status, _ = post(_events(http_url), body, headers)
    assert status == 401


def test_a_signed_request_too_old_is_401(http_url, fake):
    body = command_body("status", fake.response_url())
    stale = int(time.time()) - TOLERANCE_SECONDS - 30
    status, _ = post(
        _events(http_url), body, signed_headers(body, content_type=FORM, timestamp=stale)
    )
    assert status == 401


def test_a_body_larger_than_slack_sends_is_refused_unread(http_url, fake):
    """Refused on its declared length, before a byte of it is read (so the client is not
    left writing a megabyte into a closed socket, the test sends only the headers)."""
    connection = http.client.HTTPConnection(urlparse(http_url).netloc, timeout=10)
    connection.putrequest("POST", "/slack/events")
    for name, value in signed_headers("{}").items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(1024 * 1024 + 1))
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()
    assert fake.calls == []


def test_a_replayed_command_is_answered_once(http_url, fake):
    body = command_body("safe sent", fake.response_url())
    headers = signed_headers(body, content_type=FORM)
    assert post(_events(http_url), body, headers)[0] == 200
    assert post(_events(http_url), body, headers)[0] == 200  # the copy: acked, not run
    (reply,) = fake.wait_for("response_url")
    assert "Safe range for Sent" in reply.params["text"]
    time.sleep(1.0)
    assert len(fake.named("response_url")) == 1


def test_the_same_command_signed_again_is_a_new_request(http_url, fake):
    """Two presses are two requests: each has its own timestamp, so its own signature."""
    body = command_body("safe sent", fake.response_url())
    now = int(time.time())
    for timestamp in (now - 1, now):
        headers = signed_headers(body, content_type=FORM, timestamp=timestamp)
        assert post(_events(http_url), body, headers)[0] == 200
    assert len(fake.wait_for("response_url", 2)) == 2


def test_a_replay_sent_to_another_process_is_answered_once(
    http_url, fake, slack_settings, store, clock
):
    """Two web processes share the database, not their memory of signatures."""
    other = create_app(slack_settings, client=make_client(slack_settings), store=store, clock=clock)
    body = action_body("parity_rerun", "not-an-answer", message_ts="1700000000.000009")
    headers = signed_headers(body, content_type=FORM)
    with serving(wsgi_app(other)) as other_url:
        assert post(_events(http_url), body, headers)[0] == 200
        assert post(_events(other_url), body, headers)[0] == 200
        (reply,) = fake.wait_for("chat.postMessage")
        time.sleep(1.0)
    assert "That button is out of date" in reply.params["text"]
    assert len(fake.named("chat.postMessage")) == 1


class _Now:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def _signed(body: bytes, timestamp: int) -> dict:
    return signed_headers(body.decode(), timestamp=timestamp)


def test_the_gate_forgets_signatures_once_they_can_no_longer_be_replayed():
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    now = _Now(start)
    gate = SignatureGate(SIGNING_SECRET, Clock(source=now))
    stamp = int(start.timestamp())
    for n in range(50):
        assert gate.check(_signed(b"body %d" % n, stamp), b"body %d" % n) is Verdict.SIGNED
    assert gate.check(_signed(b"body 7", stamp), b"body 7") is Verdict.REPLAYED
    assert gate.remembered == 50
    now.moment = start.replace(minute=6)  # every one of them is now stale
    later = int(now.moment.timestamp())
    assert gate.check(_signed(b"fresh", later), b"fresh") is Verdict.SIGNED
    assert gate.remembered == 1
    assert gate.check(_signed(b"body 7", stamp), b"body 7") is Verdict.UNSIGNED


def test_two_processes_of_one_server_take_a_signature_once(tmp_path):
    """Web processes share the signatures they saw through a directory, so a replay that
    reaches the other process is refused even while the database is down."""
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    now = _Now(start)
    first = SignatureGate(SIGNING_SECRET, Clock(source=now), shared=str(tmp_path))
    second = SignatureGate(SIGNING_SECRET, Clock(source=now), shared=str(tmp_path))
    stamp = int(start.timestamp())
    headers = _signed(b"a command", stamp)
    assert first.check(headers, b"a command") is Verdict.SIGNED
    assert second.check(headers, b"a command") is Verdict.REPLAYED
    assert len(list(tmp_path.iterdir())) == 1
    now.moment = start.replace(minute=6)  # stale now: the one who took it forgets it
    fresh = _signed(b"fresh", int(now.moment.timestamp()))
    assert first.check(fresh, b"fresh") is Verdict.SIGNED
    assert [p.name for p in tmp_path.iterdir()] == [fresh["x-slack-signature"][3:]]
