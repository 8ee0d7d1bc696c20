"""python -m bench --faults: the web process under load while its database goes away.

Starts `python -m bot serve --http --processes 2` on a fresh PostgreSQL schema (the demo's
numbers) reached through a local TCP proxy, pointed at the fake Slack Web API, and sends a
bounded mix of signed requests over loopback for a fixed time: slash commands, mentions,
DMs, Slack's redeliveries of events already sent (X-Slack-Retry-Num) and exact replays of
commands. Meanwhile the proxy cuts the database for a while (every connection dropped, new
ones refused), then lets it back. Afterwards every question is matched with what reached
Slack: an answer, the apology, nothing (lost) or more than one reply (duplicated).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlparse

from bench.slack import _free_port, _wait_healthy, percentile
from bot.evaluate.demo import generate
from bot.store import Store
from tests.handlers.fake_slack import BOT_TOKEN, FakeSlack
from tests.handlers.slack_requests import (
    FORM,
    SIGNING_SECRET,
    command_body,
    direct_message,
    event_body,
    mention,
    signed_headers,
)
from tests.tcp_proxy import TcpProxy

QUESTIONS = (
    "why don't sent numbers match?",
    "safe range for sent",
    "status",
    "reconcile delivered last 7 days",
    "why don't opens match by journey?",
)
APOLOGY = "Sorry, something went wrong on my side"
# The mix of requests, by share.
MIX = (("command", 0.45), ("mention", 0.30), ("dm", 0.15), ("retry", 0.07), ("replay", 0.03))


@dataclass
class Sent:
    kind: str
    key: str  # where its reply goes: a response_url path, or channel:thread
    at: float = 0.0
    ack_seconds: float = 0.0
    status: int = 0
    during_cut: bool = False


@dataclass
class Report:
    sent: list[Sent] = field(default_factory=list)
    questions: dict[str, list[str]] = field(default_factory=dict)  # key -> replies' texts
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    refused_connections: int = 0
    duration_s: float = 0.0

    def counts(self) -> dict[str, int]:
        answered = apologised = lost = duplicated = late_answer = 0
        for replies in self.questions.values():
            if not replies:
                lost += 1
            elif len(replies) > 1:
                duplicated += 1
                # An apology while the database was down, then the answer to Slack's
                # redelivery once it was back: what a released claim is for.
                late_answer += APOLOGY in replies[0] and all(APOLOGY not in r for r in replies[1:])
            elif APOLOGY in replies[0]:
                apologised += 1
            else:
                answered += 1
        return {
            "questions": len(self.questions),
            "answered": answered,
            "apologised": apologised,
            "lost": lost,
            "duplicated": duplicated,
            "of which apology then answer": late_answer,
        }


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's master and workers)."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        rss = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), 0)
        total += int(rss) / 1024
        pids += [int(c) for c in children]
    return total


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status
    except HTTPError as error:
        return error.code


def _replies(fake: FakeSlack) -> dict[str, list[str]]:
    """Each question's replies as they stand now: a message edited in place (an apology
    replaced by the answer) counts once, with its last text."""
    found: dict[str, list[str]] = {}
    threads, calls = fake.thread_texts(), list(fake.calls)
    for (channel, thread), texts in threads.items():
        found[f"{channel}:{thread}"] = texts
    for call in calls:
        if call.method == "response_url":
            found.setdefault(call.path, []).append(call.params.get("text", ""))
    return found


def run(
    database_url: str,
    today: date,
    *,
    duration: float = 120.0,
    rate: float = 25.0,
    cut_at: float = 40.0,
    cut_for: float = 20.0,
    concurrency: int = 32,
    seed: int = 14,
) -> Report:
    """One run against `database_url` (an empty PostgreSQL schema), cut through a proxy."""
    store = Store.open(database_url)
    for frame in generate(today):
        store.save(frame, "demo")
    store.close()
    target = urlparse(database_url.replace("+psycopg", ""))
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    fake = FakeSlack().start()
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": proxy.url_for(database_url),
        "PARITY_TODAY": today.isoformat(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
        # No "working on it" notices: each question's replies are then its answers alone.
        "PARITY_WORKING_NOTICE_SECONDS": "30",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--processes", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    report = Report()
    try:
        _wait_healthy(url, server)
        _warm_up(url, fake)
        report.rss_before_mb = _rss_mb(server.pid)
        report.sent = _load(url, fake, proxy, duration, rate, cut_at, cut_for, concurrency, seed)
        expected = {s.key for s in report.sent if s.kind in ("command", "mention", "dm")}
        _wait_for_replies(fake, expected, quiet=10.0, limit=180.0)
        time.sleep(5.0)  # stragglers: a second reply would show up now
        replies = _replies(fake)
        report.questions = {key: replies.get(key, []) for key in expected}
        report.rss_after_mb = _rss_mb(server.pid)
        report.refused_connections = proxy.refused
        report.duration_s = duration
    finally:
        server.terminate()
        server.wait(timeout=30)
        fake.stop()
        proxy.stop()
    return report


def _warm_up(url: str, fake: FakeSlack) -> None:
    """Each question once, answered, before anything is measured."""
    for n, question in enumerate(QUESTIONS):
        body = command_body(question, fake.response_url(f"warm{n}"))
        _post(f"{url}/slack/events", body.encode(), signed_headers(body, content_type=FORM))
    fake.wait_for("response_url", len(QUESTIONS), timeout=120)
    fake.calls.clear()


def _load(url, fake, proxy, duration, rate, cut_at, cut_for, concurrency, seed) -> list[Sent]:
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    events: list[str] = []  # event bodies sent, for Slack's redeliveries
    commands: list[tuple[bytes, dict]] = []  # signed commands, for exact replays
    plan: list[tuple[float, str, int]] = []
    for n in range(int(duration * rate)):
        plan.append((n / rate, rng.choices(kinds, weights)[0], n))
    sent: list[Sent] = []
    lock = threading.Lock()
    started = time.monotonic()
    cut = threading.Timer(cut_at, proxy.cut)
    back = threading.Timer(cut_at + cut_for, proxy.restore)
    cut.start()
    back.start()

    def one(at: float, kind: str, n: int) -> None:
        time.sleep(max(0.0, started + at - time.monotonic()))
        question = QUESTIONS[n % len(QUESTIONS)]
        ts = f"1600{n:06d}.{n:06d}"  # before any ts the fake Slack gives its replies
        if kind == "retry" and events:
            with lock:
                body = rng.choice(events[-50:])
            headers = {**signed_headers(body), "x-slack-retry-num": "1"}
            headers["x-slack-retry-reason"] = "http_timeout"
            record = Sent(kind, "")
            data = body.encode()
        elif kind == "replay" and commands:
            with lock:
                data, headers = rng.choice(commands[-20:])
            record = Sent(kind, "")
        elif kind in ("mention", "dm", "retry", "replay"):
            event = mention(question, ts=ts) if kind != "dm" else direct_message(question, ts=ts)
            body = event_body(event, event_id=f"EvBench{n:06d}")
            with lock:
                events.append(body)
            channel = "C1" if kind != "dm" else "D1"
            record = Sent(kind if kind in ("mention", "dm") else "mention", f"{channel}:{ts}")
            data, headers = body.encode(), signed_headers(body)
        else:
            body = command_body(question, fake.response_url(f"c{n}"))
            data, headers = body.encode(), signed_headers(body, content_type=FORM)
            with lock:
                commands.append((data, headers))
            record = Sent("command", f"/response/c{n}")
        record.during_cut = not proxy.is_up
        record.at = time.monotonic()
        record.status = _post(f"{url}/slack/events", data, headers)
        record.ack_seconds = time.monotonic() - record.at
        with lock:
            sent.append(record)

    with ThreadPoolExecutor(concurrency) as pool:
        for step in plan:
            pool.submit(one, *step)
    cut.join()
    back.join()
    return sent


def _wait_for_replies(fake: FakeSlack, expected: set[str], quiet: float, limit: float) -> None:
    """Until every question has a reply, or nothing has arrived for `quiet` seconds."""
    deadline = time.monotonic() + limit
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        replies = _replies(fake)
        if expected <= replies.keys():
            return
        count = len(fake.calls)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > quiet:
            return
        time.sleep(0.5)


def print_report(report: Report) -> None:
    acks = [s.ack_seconds for s in report.sent]
    during = [s.ack_seconds for s in report.sent if s.during_cut]
    statuses: dict[int, int] = {}
    for s in report.sent:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    kinds: dict[str, int] = {}
    for s in report.sent:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    counts = report.counts()
    print("| measure | value |\n|---|---|")
    print(f"| requests sent in {report.duration_s:.0f} s | {len(acks):,} ({_join(kinds)}) |")
    print(f"| HTTP statuses | {_join(statuses)} |")
    print(
        f"| ack | p50 {statistics.median(acks) * 1000:.0f} ms, "
        f"p99 {percentile(acks, 0.99) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms |"
    )
    if during:
        print(
            f"| ack while the database was cut ({len(during)} requests) | "
            f"p50 {statistics.median(during) * 1000:.0f} ms, "
            f"p99 {percentile(during, 0.99) * 1000:.0f} ms |"
        )
    print(f"| questions (commands, mentions, DMs) | {counts['questions']:,} |")
    print(f"| answered | {counts['answered']:,} |")
    print(f"| apologised (asked while the database was cut) | {counts['apologised']:,} |")
    print(f"| lost (no reply) | {counts['lost']:,} |")
    print(
        f"| duplicated (more than one reply) | {counts['duplicated']:,} "
        f"({counts['of which apology then answer']} an apology, then the redelivery's answer) |"
    )
    print(f"| database connections refused while cut | {report.refused_connections:,} |")
    print(
        f"| RSS of the web processes (master + 2 workers) | before {report.rss_before_mb:.0f} MB, "
        f"after {report.rss_after_mb:.0f} MB |"
    )


def _join(counts: dict) -> str:
    return ", ".join(f"{key}: {value:,}" for key, value in sorted(counts.items(), key=str))
