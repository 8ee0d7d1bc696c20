"""/healthz: 200 while the database answers, 503 when it does not; the clock's heartbeat
age is told but never fails the check."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine

from bot.config import Settings
from bot.ops.health import check
from bot.server import wsgi_app
from bot.slack.signing import SignatureGate
from bot.store import Store

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _call(application, path: str) -> tuple[str, dict]:
    started = {}

    def start_response(status, headers):
        started.update(status=status, headers=dict(headers))

    body = b"".join(application({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response))
    return started["status"], json.loads(body) if path == "/healthz" else body.decode()


def test_a_store_that_answers_is_healthy_and_the_clocks_age_is_told(store):
    settings = Settings(clock_sync_seconds=60)
    assert check(store, settings, NOW).beat_age_seconds is None
    store.scheduling.beat(NOW - timedelta(seconds=90), NOW - timedelta(hours=1), "host:1")
    health = check(store, settings, NOW)
    assert (health.status, health.beat_age_seconds, health.clock_stale) == (200, 90.0, False)
    late = check(store, settings, NOW + timedelta(minutes=5))
    assert (late.status, late.clock_stale) == (200, True)  # a stale clock: still serving
    assert late.to_dict()["clock"] == {
        "heartbeat_age_seconds": 390.0, "stale": True, "exited": False, "stale_after_seconds": 180,
    }  # fmt: skip


def test_a_database_that_does_not_answer_is_503_over_wsgi():
    # Nothing listens on port 1: every connection is refused.
    down = Store(create_engine("postgresql+psycopg://parity@127.0.0.1:1/parity"))
    settings = Settings()
    health = check(down, settings, NOW)
    assert (health.status, health.database_ok) == (503, False)
    status, body = _call(
        wsgi_app(None, SignatureGate("secret"), lambda: check(down, settings, NOW)), "/healthz"
    )
    assert status == "503 Service Unavailable"
    assert body["ok"] is False
    assert body["database"] == "unavailable: OperationalError"
    _, metrics = _call(
        wsgi_app(None, SignatureGate("secret"), lambda: check(down, settings, NOW)), "/metrics"
    )
    assert "parity_database_up 0.0" in metrics.splitlines()
