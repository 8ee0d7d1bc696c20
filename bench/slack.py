"""Slash commands against the real web process: ack latency and time to answer.

Starts `python -m bot serve --http` on a stored benchmark database, pointed at the fake
Slack Web API (SLACK_API_URL), then sends signed /parity commands over HTTP, N at a time.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.handlers.fake_slack import BOT_TOKEN, FakeSlack
from tests.handlers.slack_requests import FORM, SIGNING_SECRET, command_body, signed_headers

QUESTION = "why don't sent numbers match?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("web process did not become healthy")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(database_url: str, today: str, commands: int = 200, concurrency: int = 20) -> dict:
    fake = FakeSlack().start()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PARITY_TODAY": today,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--processes", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    sent_at: dict[str, float] = {}
    try:
        _wait_healthy(url, process)

        def one(i: int) -> float:
            body = command_body(QUESTION, fake.response_url(f"c{i}"))
            request = urllib.request.Request(
                f"{url}/slack/events",
                data=body.encode(),
                headers=signed_headers(body, content_type=FORM),
                method="POST",
            )
            started = time.monotonic()
            sent_at[f"c{i}"] = started
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                assert response.status == 200
            return time.monotonic() - started

        with ThreadPoolExecutor(concurrency) as pool:
            acks = list(pool.map(one, range(commands)))
        fake.wait_for("response_url", commands, timeout=300)
        answer_times = [arrival - sent_at[name] for name, arrival in _arrivals(fake).items()]
    finally:
        process.terminate()
        process.wait(timeout=30)
        fake.stop()
    return {
        "ack_p50_ms": statistics.median(acks) * 1000,
        "ack_p99_ms": percentile(acks, 0.99) * 1000,
        "answer_p50_s": statistics.median(answer_times),
        "answer_p95_s": percentile(answer_times, 0.95),
    }


def _arrivals(fake: FakeSlack) -> dict[str, float]:
    """When the final answer for each command reached its response_url."""
    arrivals: dict[str, float] = {}
    for call in fake.named("response_url"):
        if call.params.get("text", "").startswith("⏳"):
            continue
        arrivals[call.path.rsplit("/", 1)[-1]] = call.at
    return arrivals
