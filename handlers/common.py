"""Small helpers every listener shares: reading Slack's text, the redelivery guard."""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.answers.service import Answer, new_error_id
from bot.slack.replies import Target
from bot.slack.signing import request_key

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def question_text(text: str) -> str:
    """The question without the bot mention, with Slack's &amp; &lt; &gt; undone."""
    return html.unescape(_MENTION.sub(" ", text or "")).strip()


def slack_words(text: str) -> list[str]:
    """A subcommand's words with Slack's escaping undone, links (<#C123|name>) kept as sent."""
    return [w if w.startswith("<") else html.unescape(w) for w in (text or "").split()]


def once(
    services,
    key: str | None,
    target: Target,
    work: Callable[[], Answer | None],
    *,
    apologise: bool = True,
) -> None:
    """Run `work` for a request unless another delivery of it is done or in progress.

    `key` names the request across processes: an event's id (Slack redelivers events), or
    a command's or button's signature (a replayed copy); None runs `work` unguarded. The
    claim is marked done only once `work` has answered. When it could not (the database is
    down, a bug), the person gets the apology a slash command gets and the claim is
    released, so a redelivery is answered rather than dropped. `apologise` is False when
    the person already has the apology (a redelivery replacing it).
    """
    store = services.store
    claimed = None
    try:
        if key:
            try:
                taken = store.claim_event(key)
            except Exception:
                # The database cannot say whether it was taken: while it is down, Slack's
                # retries of a request already apologised for get no second apology here.
                if services.apologised.seen(key) or not apologise:
                    return
                raise
            if not taken:
                return
            claimed = key
        answer = work()
        failed = answer is not None and answer.error_id is not None
    except Exception:
        error_id = new_error_id()
        log.exception("error %s answering request %s", error_id, key)
        _release(store, claimed)
        services.apologised.add(key)
        if apologise:
            services.replier.apologise(target, error_id)
        return
    if failed:  # the apology is already delivered (it carries its error id)
        services.apologised.add(key)
        _release(store, claimed)
    elif claimed:
        store.finish_event(claimed)


class RecentKeys:
    """Keys this process saw in the last `seconds` (bounded, thread-safe)."""

    def __init__(self, seconds: float = 60.0, limit: int = 10_000) -> None:
        self.seconds, self.limit = seconds, limit
        self._at: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str | None) -> None:
        if not key:
            return
        with self._lock:
            self._at[key] = time.monotonic()
            self._at.move_to_end(key)
            while len(self._at) > self.limit:
                self._at.popitem(last=False)

    def seen(self, key: str) -> bool:
        with self._lock:
            at = self._at.get(key)
            return at is not None and time.monotonic() - at < self.seconds


def signed_once(services, request, target: Target, work: Callable[[], Answer | None]) -> None:
    """After the ack: `work` for a command or a button, once per signed request."""
    services.later(once, services, request_key(request.headers), target, work)


def _release(store, event_id: str | None) -> None:
    """Give the event back; if even that fails, its lease runs out and frees it."""
    if not event_id:
        return
    try:
        store.release_event(event_id)
    except Exception:
        log.warning("event %s stays claimed until its lease runs out", event_id, exc_info=True)
