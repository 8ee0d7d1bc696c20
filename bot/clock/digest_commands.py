"""`/parity digest …` and `python -m bot digest …`: read, check, and apply schedule changes.

Slack-free, so the slash command and the CLI accept the same words and refuse the same
mistakes with the same sentences. A schedule is saved only once every part of it is valid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.answers.render import render
from bot.clock.status import ScheduleView, clock_status
from bot.clock.weekly import Weekly, parse_weekly
from bot.config import Settings
from bot.errors import BadInput
from bot.store import Store
from bot.store.runs import digest_key
from bot.store.schedules import StoredSchedule


@dataclass(frozen=True)
class Surface:
    """Where the command was typed: how replies are written and channels are named there."""

    flavour: str  # "mrkdwn" (Slack) | "plain" (the command line)
    usage: str
    name_a_channel: str  # the advice when a channel could not be read


SLACK = Surface(
    "mrkdwn",
    "Usage: `/parity digest set #channel mon 09:00 Europe/Berlin [skip-unchanged]`, "
    "`/parity digest off [#channel]`, `/parity digest` (the schedules), "
    "`/parity digest preview` (this week's digest, for you only).",
    "pick it from Slack's list as you type #, so that it becomes a link, or give its id "
    "(C0123ABCD)",
)
CLI = Surface(
    "plain",
    "Usage: python -m bot digest set CHANNEL_ID mon 09:00 Europe/Berlin [skip-unchanged] | "
    "off CHANNEL_ID | list | preview (CHANNEL_ID such as C0123ABCD).",
    "give the channel's id, such as C0123ABCD (in Slack: the channel's name, then the "
    "bottom of its About tab)",
)
SKIP_FLAGS = frozenset({"skip-unchanged", "--skip-unchanged", "quiet"})
_LINK = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class DigestCommand:
    action: str  # list | set | off | preview
    channel: str | None = None
    weekly: Weekly | None = None
    skip_unchanged: bool = False


def parse_channel(word: str, surface: Surface = SLACK) -> str:
    """A channel id from Slack's link (<#C123|name>) or a bare id (C123, for the CLI)."""
    if match := _LINK.match(word):
        return match[1]
    if _ID.match(word):
        return word
    if word.startswith("#"):
        raise BadInput(f"I cannot tell which channel '{word}' is: {surface.name_a_channel}.")
    raise BadInput(f"'{word}' is not a channel: {surface.name_a_channel}.")


def _looks_like_channel(word: str) -> bool:
    return word.startswith(("<", "#")) or bool(_ID.match(word))


def parse_digest_command(
    words: Sequence[str], here: str | None = None, surface: Surface = SLACK
) -> DigestCommand:
    """Read the words after `digest`; `here` is the channel the command was typed in."""
    if not words or words[0].lower() in ("list", "show", "schedules"):
        return DigestCommand("list")
    action, rest = words[0].lower(), list(words[1:])
    if action == "preview":
        return DigestCommand("preview")
    if action in ("off", "stop", "remove"):
        if len(rest) > 1:
            raise BadInput(f"`off` takes at most one channel. {surface.usage}")
        channel = parse_channel(rest[0], surface) if rest else here
        if channel is None:
            raise BadInput("Which channel? For example: digest off C0123ABCD")
        return DigestCommand("off", channel)
    if action == "set":
        channel = here
        if rest and _looks_like_channel(rest[0]):
            channel = parse_channel(rest.pop(0), surface)
        if channel is None:
            raise BadInput("Which channel? For example: digest set C0123ABCD mon 09:00 UTC")
        skip = bool(rest) and rest[-1].lower() in SKIP_FLAGS
        weekly = parse_weekly(rest[:-1] if skip else rest)
        return DigestCommand("set", channel, weekly, skip)
    raise BadInput(f"'{words[0]}' is not something I can do with digests. {surface.usage}")


def apply_digest_command(
    store: Store,
    settings: Settings,
    command: DigestCommand,
    user: str,
    now: datetime,
    surface: Surface = SLACK,
) -> str:
    """Carry out list/set/off and say what was done. (preview is an answer: see service.)"""
    records = store.scheduling
    context: dict = {"action": command.action, "channel": command.channel, "view": None}
    if command.action == "set":
        weekly = command.weekly
        stored = StoredSchedule(
            channel_id=command.channel,
            weekday=weekly.weekday,
            hour=weekly.hour,
            minute=weekly.minute,
            timezone=weekly.timezone,
            skip_unchanged=command.skip_unchanged,
            created_by=user,
            created_at=now,
            updated_at=now,
        )
        context["created"] = records.save_schedule(stored)
        last = records.latest_run(digest_key(command.channel))
        context["view"] = ScheduleView.of(stored, last, now)
    elif command.action == "off":
        context["removed"] = records.delete_schedule(command.channel)
    else:
        context["clock"] = clock_status(store, settings, now)
    return render("digest_schedule.j2", surface.flavour, usage=surface.usage, **context)


def refusal(error: BadInput, surface: Surface = SLACK) -> str:
    return render(
        "digest_schedule.j2",
        surface.flavour,
        action="refused",
        error=str(error),
        usage=surface.usage,
    )
