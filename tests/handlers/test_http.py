"""The HTTP path end to end: a real server, signed requests over real sockets."""

from __future__ import annotations

import json
import urllib.request

from tests.handlers.http_server import post as http_post
from tests.handlers.slack_requests import FORM, command_body, event_body, mention, signed_headers


def test_healthz(http_url):
    with urllib.request.urlopen(f"{http_url}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}


def test_signed_mention_over_http_is_answered(http_url, fake):
    body = event_body(mention("status"))
    status, _ = http_post(f"{http_url}/slack/events", body, signed_headers(body))
    assert status == 200
    (post,) = fake.wait_for("chat.postMessage")
    assert "Parity status" in post.params["text"]


def test_slash_command_over_http(http_url, fake):
    body = command_body("safe sent", fake.response_url())
    status, _ = http_post(f"{http_url}/slack/events", body, signed_headers(body, content_type=FORM))
    assert status == 200
    (reply,) = fake.wait_for("response_url")
    assert "Safe range for Sent" in reply.params["text"]


def test_bad_signature_over_http_is_401(http_url, fake):
    body = event_body(mention("status"))
    status, _ = http_post(f"{http_url}/slack/events", body, signed_headers(body, secret="wrong"))
    assert status == 401
    assert fake.calls == []
