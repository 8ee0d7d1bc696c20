"""Running Parity for Slack: HTTP mode under gunicorn, or Socket Mode.

HTTP mode serves /slack/events (Bolt's WSGI adapter, signatures checked) and /healthz.
Socket Mode needs no public URL. One Slack app uses one of the two, never both.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings, check_slack
from bot.slack.signing import SignatureGate, signed_only

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App, gate: SignatureGate | None = None):
    """/slack/events for Slack (only what Slack signed, once), /healthz for the platform's
    health checks."""
    gate = gate or SignatureGate(app._signing_secret)  # the secret the App was built with
    slack = signed_only(SlackRequestHandler(app, path=EVENTS_PATH), gate)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            body = json.dumps({"ok": True}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
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

        def load(self):
            gate = SignatureGate(settings.slack_signing_secret, shared=signatures)
            return wsgi_app(create_app(settings), gate)

    log.info("HTTP mode on port %s (%s workers)", settings.port, workers)
    try:
        Server().run()
    finally:
        shutil.rmtree(signatures, ignore_errors=True)


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app

    check_slack(settings, socket_mode=True)
    log.info("Socket Mode")
    SocketModeHandler(create_app(settings), settings.slack_app_token).start()
