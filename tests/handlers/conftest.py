"""A real Bolt App over a real store, talking to the fake Slack Web API on port 0."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

import pytest
from slack_bolt.request import BoltRequest

from bot.app import create_app
from bot.config import Settings
from bot.evaluate.demo import generate
from bot.server import wsgi_app
from bot.slack.client import make_client
from bot.store import Store
from bot.timing import Clock
from tests.handlers.fake_slack import BOT_TOKEN, FakeSlack
from tests.handlers.http_server import serving
from tests.handlers.slack_requests import FORM, signed_headers

TODAY = date(2026, 11, 29)
# What every handler test's app reads as now: midday of TODAY, whatever the real date.
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo store, built once and copied for each test."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store.open(f"sqlite:///{path}")
    for frame in generate(TODAY):
        store.save(frame, "demo")
    store.close()
    return path


@pytest.fixture
def fake():
    slack = FakeSlack().start()
    yield slack
    slack.stop()


@pytest.fixture
def slack_settings(tmp_path, fake, demo_db) -> Settings:
    database = tmp_path / "parity.db"
    shutil.copy(demo_db, database)
    return Settings(
        database_url=f"sqlite:///{database}",
        today_override=TODAY,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret="test-signing-secret",
        slack_api_url=fake.api_url,
        # Far beyond any answer's time even on a loaded machine, so that a test sees the
        # answer itself; the notice has its own test with a short delay.
        working_notice_seconds=60.0,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock.fixed(NOW).pinned(TODAY)


@pytest.fixture
def store(slack_settings, clock):
    store = Store.open(slack_settings.database_url, clock)
    yield store
    store.close()


@pytest.fixture
def app(slack_settings, store, clock):
    app = create_app(slack_settings, client=make_client(slack_settings), store=store, clock=clock)
    yield app
    # Before the fake Slack and the store go: a listener still answering would otherwise
    # post into the next test's server, or find its database closed.
    app.drain()


class Sender:
    """Signs and dispatches requests through the real App, as Slack would send them."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, body: str, *, form: bool = False, headers: dict | None = None, **sign):
        signed = signed_headers(body, content_type=FORM if form else "application/json", **sign)
        signed.update(headers or {})
        return self.app.dispatch(BoltRequest(body=body, headers=signed))


@pytest.fixture
def send(app):
    return Sender(app)


@pytest.fixture
def http_url(app):
    """The app behind HTTP mode's WSGI application, on a real socket."""
    with serving(wsgi_app(app)) as url:
        yield url
