"""The HTTP path end to end: a real server, signed requests over real sockets."""

from __future__ import annotations

import json
import threading
import urllib.request
from socketserver import ThreadingMixIn
from urllib.error import HTTPError
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.server import wsgi_app
from tests.handlers.slack_requests import FORM, command_body, event_body, mention, signed_headers


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def http_url(app):
    server = make_server("127.0.0.1", 0, wsgi_app(app), _ThreadingServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _post(url: str, body: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


def test_healthz(http_url):
    with urllib.request.urlopen(f"{http_url}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True}


def test_signed_mention_over_http_is_answered(http_url, fake):
    body = event_body(mention("status"))
    status, _ = _post(f"{http_url}/slack/events", body, signed_headers(body))
    assert status == 200
    (post,) = fake.wait_for("chat.postMessage")
    assert "Parity status" in post.params["text"]


def test_slash_command_over_http(http_url, fake):
    body = command_body("safe sent", fake.response_url())
    status, _ = _post(f"{http_url}/slack/events", body, signed_headers(body, content_type=FORM))
    assert status == 200
    (reply,) = fake.wait_for("response_url")
    assert "Safe range for Sent" in reply.params["text"]


def test_bad_signature_over_http_is_401(http_url, fake):
    body = event_body(mention("status"))
    status, _ = _post(f"{http_url}/slack/events", body, signed_headers(body, secret="wrong"))
    assert status == 401
    assert fake.calls == []
