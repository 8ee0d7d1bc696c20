"""Signed requests as Slack sends them: events (JSON), slash commands and actions (forms)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
_ids = itertools.count(1)


def signed_headers(
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": signature,
    }


def event_body(event: dict, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):06d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UPARITY", "is_bot": True}],
        }
    )


def mention(text: str, *, channel: str = "C1", ts: str = "1699999999.000100", **extra) -> dict:
    return {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@UPARITY> {text}",
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }


def direct_message(text: str, **extra) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "user": "U1",
        "text": text,
        "channel": "D1",
        "ts": "1699999999.000200",
        "event_ts": "1699999999.000200",
        **extra,
    }


def command_body(text: str, response_url: str, *, channel: str = "C1") -> str:
    return urlencode(
        {
            "command": "/parity",
            "text": text,
            "user_id": "U1",
            "user_name": "ana",
            "channel_id": channel,
            "team_id": "T1",
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.2.3",  # Slack gives every request its own
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    ephemeral: bool = False,
    response_url: str = "",
    message_ts: str = "1700000000.000001",
    channel: str = "C1",
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "api_app_id": "A1",
        "channel": {"id": channel},
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "response_url": response_url,
        "trigger_id": f"{next(_ids)}.2.3",  # Slack gives every request its own
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "value": value,
                "block_id": "b1",
                "action_ts": str(time.time()),
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {"type": "message", "ts": message_ts, "text": "answer"}
    return urlencode({"payload": json.dumps(payload)})


FORM = "application/x-www-form-urlencoded"
