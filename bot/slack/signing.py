"""Slack's request signature, checked on the raw bytes before anything parses them.

Bolt verifies signatures too, but only after it has parsed the body (JSON, or a form with
a JSON payload) and it raises a 500 on a timestamp that is not a number. In front of it,
HTTP mode refuses what Slack did not sign with a 401 before reading more than the declared
length, and answers a replay once: a signature is accepted once within the five minutes
Slack's timestamps are valid for, and a copy of the same request gets an empty 200 (what a
duplicate delivery needs) without running anything. The web processes of one server share
what they have seen through a directory (one empty file per signature, created atomically),
so this holds while the database is down too; across servers, handlers/common.py's claims
in the database keep a replay from running twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import re
import threading
from collections import deque
from collections.abc import Mapping
from enum import Enum

from bot.timing import Clock

# Slack rejects timestamps older than this, and so does Parity.
TOLERANCE_SECONDS = 5 * 60
# Slack's payloads are a few kB (a view submission tens); anything larger is not Slack's.
MAX_BODY_BYTES = 1024 * 1024

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Verdict(Enum):
    SIGNED = "signed"  # pass it on
    UNSIGNED = "unsigned"  # 401: missing, malformed, wrong or stale
    REPLAYED = "replayed"  # 200 and nothing else: this exact request was already taken on


class SignatureGate:
    """Checks one process's requests and remembers the signatures it accepted."""

    def __init__(
        self, signing_secret: str, clock: Clock | None = None, shared: str | None = None
    ) -> None:
        """`shared`: a directory the processes of one server remember signatures in."""
        self._secret = signing_secret.encode()
        self._clock = clock or Clock()
        self._shared = shared
        self._seen: set[str] = set()
        self._order: deque[tuple[int, str]] = deque()  # (timestamp, signature) to forget
        self._lock = threading.Lock()

    def check(self, headers: Mapping[str, str], body: bytes) -> Verdict:
        """`headers` with lower-case names; `body` exactly as received."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (_TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature)):
            return Verdict.UNSIGNED
        now = self._clock.now().timestamp()
        if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
            return Verdict.UNSIGNED
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return Verdict.UNSIGNED
        return self._first_time(int(timestamp), signature, now)

    def _first_time(self, timestamp: int, signature: str, now: float) -> Verdict:
        with self._lock:
            # A signature older than the tolerance can no longer be replayed: forget it.
            while self._order and self._order[0][0] < now - TOLERANCE_SECONDS - 1:
                forgotten = self._order.popleft()[1]
                self._seen.discard(forgotten)
                self._unshare(forgotten)
            if signature in self._seen or not self._share(signature):
                return Verdict.REPLAYED
            self._seen.add(signature)
            self._order.append((timestamp, signature))
            return Verdict.SIGNED

    def _share(self, signature: str) -> bool:
        """False when another process of this server has already taken the signature."""
        if self._shared is None:
            return True
        try:
            os.close(os.open(self._path(signature), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        except OSError:  # the directory is gone: this process's memory still holds
            return True
        return True

    def _unshare(self, signature: str) -> None:
        if self._shared is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._path(signature))

    def _path(self, signature: str) -> str:
        return os.path.join(self._shared, signature.removeprefix("v0="))

    @property
    def remembered(self) -> int:
        return len(self._seen)


def request_key(headers: Mapping) -> str | None:
    """What names one signed request across processes (None in Socket Mode: unsigned)."""
    value = headers.get("x-slack-signature")
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return f"sig:{value.removeprefix('v0=')}" if value else None


def signed_only(inner, gate: SignatureGate):
    """WSGI middleware: only signed, first-seen requests reach `inner` (Bolt's adapter),
    with their body as read here."""

    def application(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return inner(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            return _reply(start_response, "413 Content Too Large")
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        }
        verdict = gate.check(headers, body)
        if verdict is Verdict.UNSIGNED:
            return _reply(start_response, "401 Unauthorized")
        if verdict is Verdict.REPLAYED:
            return _reply(start_response, "200 OK")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return inner(environ, start_response)

    return application


def _reply(start_response, status: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return [b""]
