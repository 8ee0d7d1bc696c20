"""`python -m bot serve --http` as deployed: a real gunicorn process, signed requests over
real sockets, /metrics scraped by a real GET after a question is asked, /healthz read."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.error import URLError

import pytest

from tests.faketime import python_module
from tests.handlers.fake_slack import BOT_TOKEN, FakeSlack
from tests.handlers.slack_requests import SIGNING_SECRET, event_body, mention, signed_headers
from tests.test_cli import ROOT

TODAY = "2026-11-29"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


@pytest.fixture
def fake():
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture
def server(tmp_path, fake, demo_db):
    """serve --http on a free port over a copy of the demo store; its base URL."""
    yield from _serve(tmp_path, fake, demo_db)


@pytest.fixture
def two_workers(tmp_path, fake, demo_db):
    """serve --http --processes 2, sharing figures through PROMETHEUS_MULTIPROC_DIR."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    yield from _serve(tmp_path, fake, demo_db, "--processes", "2",
                      PROMETHEUS_MULTIPROC_DIR=str(shared))  # fmt: skip


def _serve(tmp_path, fake, demo_db, *options: str, **extra: str):
    database = tmp_path / "parity.db"
    shutil.copy(demo_db, database)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARITY_", "SLACK_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{database}",
        PARITY_TODAY=TODAY,
        PORT=str(port),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PARITY_LOG_FORMAT="json",
        PARITY_WORKING_NOTICE_SECONDS="60",  # one message, the answer, however loaded the host
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    process = subprocess.Popen(
        [sys.executable, *python_module("bot"), "serve", "--http", *options],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"{url}/healthz")
            break
        except (URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=30)


def _ask(server: str, fake) -> None:
    body = event_body(mention("why don't sent numbers match?"))
    request = urllib.request.Request(
        f"{server}/slack/events", data=body.encode(), headers=signed_headers(body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    (answer,) = fake.wait_for("chat.postMessage", timeout=60)
    assert "Sent" in answer.params["text"]


def test_metrics_show_a_questions_latency_after_it_is_asked(server, fake):
    _, content_type, before = _get(f"{server}/metrics")
    assert content_type.startswith("text/plain; version=")
    assert 'parity_question_seconds_count{intent="reconcile"}' not in before
    _ask(server, fake)

    _, _, after = _get(f"{server}/metrics")
    lines = after.splitlines()
    assert 'parity_question_seconds_count{intent="reconcile"} 1.0' in lines
    (total,) = [
        line for line in lines if line.startswith('parity_question_seconds_sum{intent="reconcile"}')
    ]
    assert float(total.split()[-1]) > 0
    assert 'parity_question_seconds_bucket{intent="reconcile",le="60.0"} 1.0' in lines
    assert 'parity_answers_total{intent="reconcile",outcome="ok"} 1.0' in lines
    assert 'parity_slack_acks_total{kind="event"} 1.0' in lines
    assert "parity_database_up 1.0" in lines
    assert any(
        line.startswith('parity_result_cache_total{cache="results",result="miss"}')
        for line in lines
    )


def test_healthz_says_the_database_answers_and_that_no_clock_ever_beat(server):
    status, content_type, body = _get(f"{server}/healthz")
    assert (status, content_type) == (200, "application/json")
    health = json.loads(body)
    assert (health["ok"], health["database"]) == (True, "ok")
    assert health["clock"]["heartbeat_age_seconds"] is None
    assert health["clock"]["stale"] is True


def test_with_two_workers_every_scrape_shows_the_question_whichever_worker_answers(
    two_workers, fake
):
    _ask(two_workers, fake)
    for _ in range(6):  # connections land on either worker: each must show the sum
        lines = _get(f"{two_workers}/metrics")[2].splitlines()
        assert 'parity_question_seconds_count{intent="reconcile"} 1.0' in lines
