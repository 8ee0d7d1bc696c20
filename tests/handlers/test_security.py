"""Requests Slack did not sign, or signed too long ago, are refused and do nothing."""

from __future__ import annotations

import time

from tests.handlers.slack_requests import command_body, event_body, mention


def test_wrong_signature_is_401_and_does_nothing(send, fake):
    response = send(event_body(mention("status")), secret="not-the-secret")
    assert response.status == 401
    time.sleep(0.3)
    assert fake.calls == []


def test_missing_signature_is_401(app, fake):
    from slack_bolt.request import BoltRequest

    body = event_body(mention("status"))
    response = app.dispatch(BoltRequest(body=body, headers={"content-type": "application/json"}))
    assert response.status == 401


def test_stale_timestamp_is_401(send, fake):
    ten_minutes_ago = int(time.time()) - 600
    response = send(
        command_body("status", fake.response_url()), form=True, timestamp=ten_minutes_ago
    )
    assert response.status == 401
    time.sleep(0.3)
    assert fake.calls == []


def test_tokens_never_appear_in_replies_or_logs(send, fake, caplog):
    caplog.set_level("DEBUG")
    send(event_body(mention("why don't sent numbers match?")))
    (post,) = fake.wait_for("chat.postMessage")
    assert "xoxb-test-token" not in str(post.params)
    assert "xoxb-test-token" not in caplog.text
    assert "test-signing-secret" not in caplog.text
