"""Small helpers every listener shares: reading Slack's text, the redelivery guard."""

from __future__ import annotations

import html
import logging
import re
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


def once(services, key: str | None, target: Target, work: Callable[[], Answer | None]) -> None:
    """Run `work` for a request unless another delivery of it is done or in progress.

    `key` names the request across processes: an event's id (Slack redelivers events), or
    a command's or button's signature (a replayed copy); None runs `work` unguarded. The
    claim is marked done only once `work` has answered. When it could not (the database is
    down, a bug), the person gets the apology a slash command gets and the claim is
    released, so a redelivery is answered rather than dropped.
    """
    store = services.store
    event_id = key
    claimed = None
    try:
        if event_id:
            if not store.claim_event(event_id):
                return
            claimed = event_id
        answer = work()
        failed = answer is not None and answer.error_id is not None
    except Exception:
        error_id = new_error_id()
        log.exception("error %s answering event %s", error_id, event_id)
        _release(store, claimed)
        services.replier.apologise(target, error_id)
        return
    if failed:  # the apology is already delivered (it carries its error id)
        _release(store, claimed)
    elif claimed:
        store.finish_event(claimed)


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
