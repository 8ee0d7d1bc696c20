"""The CLI's scheduling commands: `python -m bot digest …` and `python -m bot clock`.

Kept apart from bot.cli so the command line's core stays small; bot.cli adds these to its
parser. `digest` shares its words and its refusals with `/parity digest`.
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import UTC, datetime

from bot.digest_commands import apply_digest_command, parse_digest_command, refusal
from bot.errors import BadInput, ConfigError
from bot.service import Parity
from bot.store.schedules import StoredSchedule


def _aware(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_digest(app: Parity, args: argparse.Namespace) -> int:
    now = args.now or datetime.now(UTC)
    words = list(args.words)
    if args.dry_run or words[:1] == ["preview"]:
        answer = app.ask("digest", today=args.today)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else answer.text)
        return 1 if answer.error else 0
    if words or not args.channel:
        try:
            order = parse_digest_command(words, here=args.channel)
        except BadInput as error:
            print(refusal(error, "plain"), end="")
            return 2
        print(apply_digest_command(app.store, app.settings, order, "cli", now, "plain"), end="")
        return 0
    return _post_now(app, args.channel, now)


def _post_now(app: Parity, channel: str, now: datetime) -> int:
    """Post the channel's digest now, through the same once-a-week guard as the clock."""
    from bot import jobs
    from bot.slack.client import make_client

    if not app.settings.slack_bot_token:
        raise ConfigError("Posting needs SLACK_BOT_TOKEN (or use --dry-run to print it).")
    schedule = app.store.clock.schedule(channel) or StoredSchedule(
        channel, now.weekday(), now.hour, now.minute, "UTC", False, "cli", now, now
    )
    runtime = jobs.Runtime(app.settings, app.store, make_client(app.settings))
    outcome = jobs.run_digest(runtime, schedule, now, now)
    messages = {
        "posted": f"Posted the digest in {channel} ({outcome.period}).",
        "busy": f"{channel} already has (or is getting) its digest for {outcome.period}.",
        "skipped": f"Skipped: {outcome.detail}",
    }
    print(messages.get(outcome.status, f"{outcome.status}: {outcome.detail}"))
    return 0 if outcome.status in messages else 1


def cmd_clock(app: Parity, args: argparse.Namespace) -> int:
    from bot.schedule import run_clock  # the scheduler is imported by the clock only

    app.store.close()  # the clock opens its own store
    if not args.verbose:  # a long-running process: say what it does, not just what fails
        logging.getLogger("bot").setLevel(logging.INFO)
    outcomes = run_clock(app.settings, once=args.once, now=args.now)
    for outcome in outcomes:
        detail = f": {outcome.detail}" if outcome.detail else ""
        print(f"{outcome.job_key} {outcome.period} {outcome.status}{detail}")
    return 0


def add_commands(command) -> None:
    """Add `digest` and `clock` to the CLI; `command` is bot.cli's sub-parser factory."""
    digest = command(
        "digest",
        cmd_digest,
        "weekly digests: print this week's, list/set/off schedules, or post one now",
    )
    digest.add_argument(
        "words",
        nargs="*",
        metavar="ACTION",
        help="list | set [CHANNEL] mon 09:00 Europe/Berlin [skip-unchanged] | off [CHANNEL] "
        "| preview",
    )
    digest.add_argument("--channel", help="the channel id (C0123ABCD): post its digest now")
    digest.add_argument("--dry-run", action="store_true", help="print the digest, post nothing")
    digest.add_argument("--json", action="store_true", help="with --dry-run: the JSON answer")
    digest.add_argument("--now", type=_aware, help="pretend it is this time (ISO 8601)")

    clock = command("clock", cmd_clock, "run the scheduler: weekly digests and snapshot pulls")
    clock.add_argument("--once", action="store_true", help="one sweep of what is due, then exit")
    clock.add_argument("--now", type=_aware, help="with --once: pretend it is this time")
