"""JSON over HTTPS with the standard library, within Adobe's limits: a request rate, back-off.

No HTTP dependency is added for three endpoints: urllib does GET, POST, forms and JSON.
Adobe's request limits are held by bot.connectors.limits; a 429 answer asks to wait
(Retry-After when it says how long), 5xx answers and dropped connections are tried again
with growing pauses. Clocks and sleeps are injectable so tests
never wait.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from bot.timing import Clock

TIMEOUT_SECONDS = 300  # Adobe's own execution timeout for a report


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # parsed JSON, or the text when it is not JSON
    headers: Mapping[str, str]


def send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> Response:
    """One HTTP exchange; any status comes back as a Response, network failures raise OSError."""
    data, sent = None, dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    sent.setdefault("Accept", "application/json")
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, _parse(answer.read()), dict(answer.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, _parse(error.read()), dict(error.headers or {}))


def _parse(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        return text


Send = Callable[..., Response]


@dataclass
class Backoff:
    """How often and how long to wait before trying a failed request again."""

    attempts: int = 6
    first: float = 2.0
    cap: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = field(default=random.random)

    def pause(self, attempt: int, retry_after: str | None = None, least: float = 0.0) -> None:
        """Wait before attempt `attempt + 1`: Retry-After when given, else doubling pauses
        (never less than `least`)."""
        wait = retry_after_seconds(retry_after)
        if wait is None:
            wait = min(self.cap, self.first * 2**attempt) * (0.5 + self.jitter() / 2)
        self.sleep(min(max(wait, least), self.cap))


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds, or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - Clock().now()).total_seconds(), 0.0)


def describe(response: Response) -> str:
    """An error answer in a line: Adobe's error code and description when it gives them."""
    body = response.body
    if isinstance(body, dict):
        code = body.get("errorCode") or body.get("error_code") or body.get("error")
        text = body.get("errorDescription") or body.get("message") or body.get("error_description")
        if code or text:
            return f"{response.status} {code or ''}: {text or ''}".replace(" :", ":").strip()
    text = str(body or "").strip().splitlines()[:1]
    return f"{response.status} {text[0][:200] if text else ''}".strip()
