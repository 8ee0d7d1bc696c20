"""A local stand-in for Slack's Web API, over real HTTP on port 0, recording every call.

Speaks what Parity uses: auth.test, chat.postMessage/update, conversations.open/replies,
conversations.info and conversations.members (who is in a channel, paged), users.info (who
is an admin or owner), views.publish,
the three-step files_upload_v2, response_url posts and file downloads (and redirects).
Failures can be queued per method (a 429 with Retry-After, a 500, an error payload), or
the whole API can be down for a while (go_down).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

BOT_TOKEN = "xoxb-test-token"
BOT_USER = "UPARITY"
# Who is in a channel nobody set up: the asker of the handler tests (U1), U2, and Parity.
DEFAULT_MEMBERS = frozenset({"U1", "U2", BOT_USER})


@dataclass
class Call:
    method: str
    params: dict
    headers: dict
    at: float = field(default_factory=time.monotonic)
    path: str = ""


@dataclass
class Failure:
    status: int = 200
    body: dict | None = None
    headers: dict = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[Failure]] = {}
        # channel -> its members; a channel not listed has DEFAULT_MEMBERS. Channels in
        # `hidden` do not exist for the bot (channel_not_found).
        self.members: dict[str, set[str]] = {}
        self.hidden: set[str] = set()
        # Workspace roles users.info reports; anyone else is a plain member.
        self.admins: set[str] = set()
        self.owners: set[str] = set()
        # file name -> the URL its download redirects to (302).
        self.redirects: dict[str, str] = {}
        # An outage: until this monotonic time every API call and response_url post is
        # answered with one of `outage_answers`, in turn (429s with Retry-After, 5xx).
        self.down_until = 0.0
        self.outage_seconds: float | None = None
        self.outage_answers: list[Failure] = []
        self._outage_turn = itertools.count()
        # (channel, thread_ts) -> Parity's messages in that thread, as conversations.replies
        # lists them (chat.update edits them in place).
        self.threads: dict[tuple[str, str], list[dict]] = {}
        self._ts = itertools.count(1)
        self._changed = threading.Condition()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, *failures: Failure) -> None:
        self.failures.setdefault(method, []).extend(failures)

    def go_down(self, seconds: float, *answers: Failure, from_first_call: bool = False) -> None:
        """Answer with `answers` in turn for `seconds`, from now or (`from_first_call`, for a
        caller that works a while before it calls, however loaded the machine) from the
        first call."""
        self.outage_answers = list(answers)
        self.outage_seconds = seconds if from_first_call else None
        self.down_until = math.inf if from_first_call else time.monotonic() + seconds

    def outage_answer(self) -> Failure | None:
        if self.outage_seconds is not None:  # the outage starts with this call
            self.down_until = time.monotonic() + self.outage_seconds
            self.outage_seconds = None
        if time.monotonic() >= self.down_until or not self.outage_answers:
            return None
        return self.outage_answers[next(self._outage_turn) % len(self.outage_answers)]

    def members_of(self, channel: str) -> set[str]:
        return self.members.get(channel, DEFAULT_MEMBERS)

    def record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def named(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The first `count` calls of `method`, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.named(method)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    made = [c.method for c in self.calls]
                    raise AssertionError(f"{count} x {method} not called; calls: {made}")
                self._changed.wait(left)
            return self.named(method)[:count]

    def thread_texts(self) -> dict[tuple[str, str], list[str]]:
        """Parity's messages in each thread, as they read now (edits applied)."""
        with self._changed:
            return {key: [m["text"] for m in messages] for key, messages in self.threads.items()}

    def keep_thread(self, method: str, params: dict, ts: str) -> None:
        channel = str(params.get("channel", ""))
        with self._changed:
            if method == "chat.update":
                for messages in self.threads.values():
                    for message in messages:
                        if message["ts"] == ts:
                            message["text"] = params.get("text", "")
            elif params.get("thread_ts"):
                self.threads.setdefault((channel, str(params["thread_ts"])), []).append(
                    {
                        "ts": ts,
                        "user": BOT_USER,
                        "bot_id": "BPARITY",
                        "text": params.get("text", ""),
                    }
                )

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}/response/{name}"


def _params(handler: BaseHTTPRequestHandler, raw: bytes) -> dict:
    content_type = handler.headers.get("Content-Type", "")
    if "json" in content_type:
        return json.loads(raw or b"{}")
    if "form" in content_type:
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw.decode()).items()}
    return {"_raw": raw}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path.startswith("/files/"):
            name = unquote(path.removeprefix("/files/"))
            self.fake.record(Call("file.download", {"name": name}, dict(self.headers)))
            if name in self.fake.redirects:
                self._send(302, b"", {"Location": self.fake.redirects[name]})
            elif self.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
                self._send(403, b"forbidden")
            else:
                self._send(200, self.fake.files.get(name, b""))
            return
        self._send(404, {"ok": False, "error": "unknown_path"})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlparse(self.path).path
        if path.startswith("/upload/"):
            self.fake.record(Call("file.upload", {"bytes": len(raw)}, dict(self.headers)))
            self._send(200, b"OK")
            return
        down = self.fake.outage_answer()
        if down is not None:
            name = "response_url" if path.startswith("/response/") else path.removeprefix("/api/")
            self.fake.record(Call(f"{name}!failed", {}, dict(self.headers), path=path))
            self._send(down.status, down.body or {"ok": False}, down.headers)
            return
        if path.startswith("/response/"):
            self.fake.record(Call("response_url", json.loads(raw), dict(self.headers), path=path))
            self._send(200, b"ok")
            return
        method = path.removeprefix("/api/")
        params = _params(self, raw)
        queued = self.fake.failures.get(method)
        if queued:
            failure = queued.pop(0)
            self.fake.record(Call(f"{method}!failed", params, dict(self.headers)))
            self._send(failure.status, failure.body or {"ok": False}, failure.headers)
            return
        self.fake.record(Call(method, params, dict(self.headers)))
        self._send(200, self._answer(method, params))

    def _answer(self, method: str, params: dict) -> dict:
        fake = self.fake
        match method:
            case "auth.test":
                return {"ok": True, "user_id": BOT_USER, "bot_id": "BPARITY", "team_id": "T1"}
            case "chat.postMessage" | "chat.update":
                ts = params.get("ts") or fake.next_ts()
                fake.keep_thread(method, params, ts)
                return {"ok": True, "channel": params.get("channel"), "ts": ts}
            case "conversations.replies":
                channel, parent = str(params.get("channel", "")), str(params.get("ts", ""))
                asked = {"ts": parent, "user": "U1", "text": "the question"}
                with fake._changed:
                    replies = [dict(m) for m in fake.threads.get((channel, parent), [])]
                return {"ok": True, "messages": [asked, *replies]}
            case "conversations.info":
                channel = str(params.get("channel", ""))
                if channel in fake.hidden:
                    return {"ok": False, "error": "channel_not_found"}
                member = BOT_USER in fake.members_of(channel)
                return {"ok": True, "channel": {"id": channel, "is_member": member}}
            case "conversations.members":
                channel = str(params.get("channel", ""))
                members = fake.members_of(channel)
                if channel in fake.hidden or BOT_USER not in members:
                    return {"ok": False, "error": "channel_not_found"}
                ordered = sorted(members)
                start = int(params.get("cursor") or 0)
                end = start + int(params.get("limit") or 100)
                cursor = str(end) if end < len(ordered) else ""
                return {
                    "ok": True,
                    "members": ordered[start:end],
                    "response_metadata": {"next_cursor": cursor},
                }
            case "users.info":
                user = str(params.get("user", ""))
                return {
                    "ok": True,
                    "user": {
                        "id": user,
                        "is_admin": user in fake.admins or user in fake.owners,
                        "is_owner": user in fake.owners,
                        "is_primary_owner": False,
                    },
                }
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(params.get("users", "U"))[1:]}}
            case "files.getUploadURLExternal":
                file_id = f"F{len(fake.calls)}"
                return {
                    "ok": True,
                    "upload_url": f"{fake.url}/upload/{file_id}",
                    "file_id": file_id,
                }
            case "files.completeUploadExternal":
                files = json.loads(params.get("files", "[]"))
                return {"ok": True, "files": [{"id": f["id"]} for f in files]}
            case _:
                return {"ok": True}
