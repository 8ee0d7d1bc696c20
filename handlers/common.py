"""Small helpers every listener shares: reading Slack's text, the redelivery guard."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.store import Store

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def question_text(text: str) -> str:
    """The question without the bot mention, with Slack's &amp; &lt; &gt; undone."""
    return html.unescape(_MENTION.sub(" ", text or "")).strip()


def slack_words(text: str) -> list[str]:
    """A subcommand's words with Slack's escaping undone, links (<#C123|name>) kept as sent."""
    return [w if w.startswith("<") else html.unescape(w) for w in (text or "").split()]


def once(store: Store, body: dict, work: Callable[[], None]) -> None:
    """Run `work` for an event unless another delivery of it is done or in progress.

    The event is marked done only after `work` returns, so a delivery whose first attempt
    failed is answered by the redelivery.
    """
    event_id = body.get("event_id")
    if event_id and not store.claim_event(event_id):
        return
    work()
    if event_id:
        store.finish_event(event_id)
