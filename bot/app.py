"""Builds the Bolt App and registers handlers/. A router only: no listener logic here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from time import perf_counter

from slack_bolt import App
from slack_sdk import WebClient

import handlers
from bot.answers.service import Parity, new_error_id
from bot.clock.guard import Runtime
from bot.clock.pulls import PullFunction, discover
from bot.config import Settings
from bot.ops import telemetry
from bot.ops.activity import acting
from bot.slack.client import make_client
from bot.slack.replies import Replier, Target
from bot.store import Store
from bot.timing import Clock
from handlers.common import RecentKeys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """What listeners may use; built once per process."""

    settings: Settings
    clock: Clock
    store: Store
    parity: Parity
    replier: Replier
    work: ThreadPoolExecutor
    # For what runs once across processes: alert checks and deliveries, refresh pulls.
    runtime: Runtime
    # Requests apologised for lately, so that while the database is down a redelivery of
    # one is not apologised for twice (handlers.common.once).
    apologised: RecentKeys = field(default_factory=RecentKeys)

    def later(self, fn: Callable, *args, reply_to: Target | None = None) -> None:
        """Run a command's or a button's work after its ack, without holding the listener.

        Bolt answers Slack only once a listener has called ack(), and listeners wait for a
        free thread: work done inside them would delay other requests' acks behind it.
        When the work fails, the person at `reply_to` gets the apology an answer gets
        rather than silence.
        """
        user, channel = requester(args)
        self.work.submit(self._guarded, reply_to, fn, args, user, channel).add_done_callback(
            _log_exception
        )

    def _guarded(
        self,
        reply_to: Target | None,
        fn: Callable,
        args: tuple,
        user: str | None,
        channel: str | None,
    ) -> None:
        # Run as the request: its log lines and what it stores say whose it is.
        with acting("request", "Slack", user=user, channel=channel):
            try:
                fn(*args)
            except Exception:
                if reply_to is None:
                    raise
                error_id = new_error_id()
                log.exception("error %s in %s", error_id, getattr(fn, "__name__", "work"))
                self.replier.apologise(reply_to, error_id)


def requester(payloads) -> tuple[str | None, str | None]:
    """Who sent a request, and where: from the event, command or action payload among a
    listener's arguments (the innermost, an event inside its envelope, wins)."""
    user = channel = None
    for payload in payloads:
        if isinstance(payload, Target):  # where a reply goes names who asked, and where
            user, channel = payload.user or user, payload.channel or channel
            continue
        if not isinstance(payload, dict):
            continue
        found = payload.get("user_id") or payload.get("user")
        place = payload.get("channel_id") or payload.get("channel")
        found = found.get("id") if isinstance(found, dict) else found
        place = place.get("id") if isinstance(place, dict) else place
        user, channel = found or user, place or channel
    return user, channel


class ParityApp(App):
    """Bolt's App with the thread pools Parity's work runs in, so that a process (or a
    test) can let requests in flight finish before what they post to goes away."""

    def __init__(self, *, executors: tuple[ThreadPoolExecutor, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self._executors = executors

    def drain(self) -> None:
        """Wait for every request in flight, then refuse new ones. Pools are shut in the
        order work flows (listeners hand to work and answers), so none is closed while
        an earlier one may still submit to it."""
        for pool in self._executors:
            pool.shutdown(wait=True)


def create_app(
    settings: Settings,
    client: WebClient | None = None,
    store: Store | None = None,
    clock: Clock | None = None,
    pulls: Mapping[str, PullFunction] | None = None,
) -> ParityApp:
    """A Bolt App wired to Parity. Nothing talks to Slack until a request arrives.

    `pulls` are what a refresh on demand may run (default: the connectors' pulls)."""
    clock = clock or settings.clock()
    client = client or make_client(settings)
    store = store or Store.open(settings.database_url, clock)
    parity = Parity(store, settings, clock)
    # Listeners only parse and ack (events are acked by Bolt before they run); the work
    # runs in `work`, and answers in `answers`, so that a listener can post "working on
    # it" while its answer is still being computed.
    listeners = ThreadPoolExecutor(settings.workers, thread_name_prefix="parity-listener")
    work = ThreadPoolExecutor(settings.workers, thread_name_prefix="parity-work")
    answers = ThreadPoolExecutor(settings.workers, thread_name_prefix="parity-answer")
    app = ParityApp(
        executors=(listeners, work, answers),
        name="parity",
        signing_secret=settings.slack_signing_secret or "",
        client=client,
        token_verification_enabled=False,
        listener_executor=listeners,
        logger=logging.getLogger("parity.slack"),
    )
    replier = Replier(client, parity, settings, answers)
    runtime = Runtime(settings, store, client, discover() if pulls is None else pulls, clock)
    services = Services(settings, clock, store, parity, replier, work, runtime)
    app.use(_count_ack)
    handlers.register(app, services)
    app.error(_log_failure)
    return app


def _count_ack(body: dict, next) -> None:
    """Bolt middleware: the request is acknowledged when the chain returns (events are
    acked before their listener runs; commands and buttons call ack() first thing)."""
    started = perf_counter()
    next()
    kind = _request_kind(body)
    telemetry.ACKS.labels(kind).inc()
    telemetry.ACK_SECONDS.labels(kind).observe(perf_counter() - started)


def _request_kind(body: dict) -> str:
    if body.get("command"):
        return "command"
    kind = body.get("type", "")
    if kind == "event_callback":
        return "event"
    return "action" if kind in ("block_actions", "view_submission", "shortcut") else "other"


def _log_exception(future) -> None:
    if (error := future.exception()) is not None:
        log.error("error %s in background work", new_error_id(), exc_info=error)


def _log_failure(error: Exception, body: dict) -> None:
    """Listener failures the answer path did not turn into a reply (Slack refusing a post,
    a download dropping): logged once, with what kind of request it was, never the body."""
    kind = body.get("type") or body.get("command") or "request"
    event = (body.get("event") or {}).get("type", "")
    log.error("error %s handling %s %s", new_error_id(), kind, event, exc_info=error)
