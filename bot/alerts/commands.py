"""`/parity watch …`, `/parity unwatch …` and `python -m bot watch|unwatch`: who is told.

Slack-free, so the slash command and the CLI accept the same words and refuse the same
mistakes with the same sentences (channels are links or ids in Slack, ids on the command
line: bot.clock.digest_commands' surfaces). A watch is saved only once every part is valid.

    watch                                  the watches, and the open episodes
    watch <journey|all> [metric…] <channel> [threshold %]
    unwatch <journey|all> [<channel>]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.alerts.runner import close_unwatched
from bot.answers.render import render
from bot.clock.digest_commands import SLACK, Surface, parse_channel
from bot.errors import BadInput
from bot.language import parse_question
from bot.store import Store
from bot.store.episodes import Revision
from bot.store.watches import ALL

SLACK_USAGE = (
    "Usage: `/parity watch <journey or all> [metric…] #channel [threshold %]` (an alert in "
    "#channel when a gap appears), `/parity unwatch <journey or all> [#channel]`, "
    "`/parity watch` (the watches and open alerts)."
)
CLI_USAGE = (
    "Usage: python -m bot watch JOURNEY|all [METRIC…] CHANNEL_ID [THRESHOLD] | "
    "python -m bot unwatch JOURNEY|all CHANNEL_ID | python -m bot watch (list); "
    "CHANNEL_ID such as C0123ABCD."
)
_THRESHOLD = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")
_CHANNELISH = re.compile(r"^(<#[CG][A-Z0-9]+(\|[^>]*)?>|#\S+|[CGD][A-Z0-9]{2,})$")
_ALL = frozenset({"all", "every", "everything", "*"})


@dataclass(frozen=True)
class WatchCommand:
    action: str  # list | watch | unwatch
    channel: str | None = None
    journey: str = ALL  # a stored journey's display name, or ALL
    metrics: tuple[str, ...] = ()
    threshold_pct: float | None = None


def usage(surface: Surface) -> str:
    return SLACK_USAGE if surface is SLACK else CLI_USAGE


def parse_watch_command(
    action: str,
    words: Sequence[str],
    *,
    journeys: Sequence[str],
    today: date,
    here: str | None = None,
    surface: Surface = SLACK,
) -> WatchCommand:
    """Read the words after `watch` or `unwatch`; `here` is the channel typed in (Slack)."""
    words = list(words)
    if action == "watch" and (not words or words == ["list"]):
        return WatchCommand("list")
    threshold = None
    if action == "watch" and words and (match := _THRESHOLD.match(words[-1])):
        threshold = float(match[1])
        if not 0 < threshold <= 100:
            raise BadInput(f"The threshold {words[-1]} is not a percentage between 0 and 100.")
        words.pop()
    channels = [w for w in words if _CHANNELISH.match(w)]
    if len(channels) > 1:
        raise BadInput(f"Name one channel, not {len(channels)}. {usage(surface)}")
    channel = parse_channel(channels[0], surface) if channels else here
    if channel is None:
        raise BadInput(f"Which channel? {usage(surface)}")
    if channel.startswith("D"):
        raise BadInput("Alerts go to channels, not direct messages: name a channel.")
    rest = [w for w in words if w not in channels]
    journey, metrics = _subject(rest, journeys, today, surface)
    if action == "unwatch":
        return WatchCommand("unwatch", channel, journey)
    return WatchCommand("watch", channel, journey, metrics, threshold)


def _subject(
    words: list[str], journeys: Sequence[str], today: date, surface: Surface
) -> tuple[str, tuple[str, ...]]:
    """The journey (or ALL) and the metrics the words name."""
    if not words:
        raise BadInput(f"Which journey (or all)? {usage(surface)}")
    every = words[0].casefold() in _ALL
    text = " ".join(words[1:] if every else words)
    query = parse_question(text, today=today, journeys=journeys)
    if every:
        if query.journeys:
            raise BadInput("Name one journey, or all of them, not both.")
        return ALL, query.metrics
    if len(query.journeys) > 1:
        names = ", ".join(query.journeys)
        raise BadInput(f"'{text}' names several journeys ({names}): watch them one at a time.")
    if not query.journeys:
        known = ", ".join(sorted(journeys)) or "none stored yet"
        raise BadInput(f"No stored journey matches '{text}'. Known journeys: {known}.")
    return query.journeys[0], query.metrics


@dataclass(frozen=True)
class WatchReply:
    """What a watch command did: the reply, and the episodes it closed (their messages are
    to be edited: nobody in their channel hears about the journey any more)."""

    text: str
    closed: tuple[Revision, ...] = ()


def apply_watch_command(
    store: Store, command: WatchCommand, user: str, now: datetime, surface: Surface = SLACK
) -> WatchReply:
    """Carry out list/watch/unwatch and say what was done."""
    records = store.alerts
    context: dict = {"command": command, "usage": usage(surface), "closed": ()}
    if command.action == "watch":
        context["created"] = records.save_watch(
            channel_id=command.channel,
            journey=command.journey,
            metrics=command.metrics,
            threshold_pct=command.threshold_pct,
            user=user,
            now=now,
        )
        owned = {w.journey for w in records.watches() if not w.covers_all}
        context["owned"] = sorted(owned)
    elif command.action == "unwatch":
        context["removed"] = records.delete_watch(command.channel, command.journey)
    else:
        context["watches"] = records.watches()
        context["episodes"] = records.open_episodes()
    if command.action != "list":
        context["closed"] = tuple(close_unwatched(store, user, now))
    text = render("watch.j2", surface.flavour, now=now, **context)
    return WatchReply(text, context["closed"])


def refusal(error: BadInput, surface: Surface = SLACK) -> str:
    """The reply to a watch that cannot be read: what is wrong, and the usage."""
    return render("watch.j2", surface.flavour, command=None, error=str(error), usage=usage(surface))
