"""Running Parity for Slack: HTTP mode under gunicorn, or Socket Mode.

HTTP mode serves /slack/events (Bolt's WSGI adapter, signatures checked), /healthz (200
while the database answers, else 503) and /metrics (Prometheus; docs/operations.md).
Socket Mode needs no public URL. One Slack app uses one of the two, never both.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings, check_slack
from bot.ops.health import Health, check
from bot.ops.telemetry import exposition
from bot.slack.signing import SignatureGate, signed_only
from bot.store import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"

_STATUS = {200: "200 OK", 503: "503 Service Unavailable"}


def wsgi_app(
    app: App, gate: SignatureGate | None = None, health: Callable[[], Health] | None = None
):
    """/slack/events for Slack (only what Slack signed, once), /healthz for the platform's
    health checks (`health` checks the database and reads the clock's heartbeat), /metrics
    for Prometheus."""
    gate = gate or SignatureGate(app._signing_secret)  # the secret the App was built with
    slack = signed_only(SlackRequestHandler(app, path=EVENTS_PATH), gate)

    def application(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            state = health() if health else None
            body = json.dumps(state.to_dict() if state else {"ok": True}).encode()
            start_response(_STATUS[state.status if state else 200], [_JSON])
            return [body]
        if path == "/metrics":
            body, content_type = exposition(health().metrics() if health else ())
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        return slack(environ, start_response)

    return application


def serve_http(settings: Settings, workers: int = 1) -> None:
    """gunicorn with threads; each worker process builds its own App after the fork."""
    from gunicorn.app.base import BaseApplication

    from bot.app import create_app

    check_slack(settings, socket_mode=False)
    # Made before the workers fork: they tell each other which signatures they have seen.
    signatures = tempfile.mkdtemp(prefix="parity-signatures-")

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", max(settings.workers, 4))
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", None)
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                self.cfg.set("child_exit", _worker_exited)

        def load(self):
            gate = SignatureGate(settings.slack_signing_secret, shared=signatures)
            clock = settings.clock()
            store = Store.open(settings.database_url, clock)
            app = create_app(settings, store=store, clock=clock)
            return wsgi_app(app, gate, lambda: check(store, settings, clock.now()))

    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        log.warning(
            "%s workers without PROMETHEUS_MULTIPROC_DIR: each /metrics scrape shows one "
            "worker's figures (docs/operations.md)",
            workers,
        )
    log.info("HTTP mode on port %s (%s workers)", settings.port, workers)
    try:
        Server().run()
    finally:
        shutil.rmtree(signatures, ignore_errors=True)


_JSON = ("Content-Type", "application/json")


def _worker_exited(_server, worker) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges leave the shared figures."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app

    check_slack(settings, socket_mode=True)
    log.info("Socket Mode")
    app = create_app(settings)
    try:
        SocketModeHandler(app, settings.slack_app_token).start()
    finally:
        # Stopped (Ctrl-C, SIGTERM): answers already being computed are still posted.
        app.drain()
