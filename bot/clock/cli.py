"""The CLI's scheduling commands: `python -m bot digest …`, `clock` and `pull`.

Kept apart from bot.cli so the command line's core stays small; bot.cli adds these to its
parser. `digest` shares its words and its refusals with `/parity digest`; `pull` fetches
from the live services (bot.connectors) with the same functions the clock runs on a
schedule.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, date, datetime, timedelta

from bot.answers.commands import direct_query
from bot.answers.render import render
from bot.answers.service import Parity
from bot.clock.digest_commands import CLI, apply_digest_command, parse_digest_command, refusal
from bot.errors import BadInput, ConfigError, ParityError
from bot.ingest.loading import Loaded
from bot.store.schedules import StoredSchedule

FAILED_OUTCOMES = frozenset({"failed", "retrying"})


def _aware(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_digest(app: Parity, args: argparse.Namespace) -> int:
    now = app.clock.at(args.now).now()
    words = list(args.words)
    if args.dry_run or words[:1] == ["preview"]:
        today = args.today or app.today()
        answer = app.answer(direct_query("digest", today), today)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else answer.text)
        return 1 if answer.error else 0
    if words or not args.channel:
        try:
            order = parse_digest_command(words, here=args.channel, surface=CLI)
        except BadInput as error:
            print(refusal(error, CLI), end="")
            return 2
        print(apply_digest_command(app.store, app.settings, order, "cli", now, CLI), end="")
        return 0
    return _post_now(app, args.channel, now)


def _post_now(app: Parity, channel: str, now: datetime) -> int:
    """Post the channel's digest now, through the same once-a-week guard as the clock."""
    from bot.clock import jobs
    from bot.slack.client import make_client

    if not app.settings.slack_bot_token:
        raise ConfigError("Posting needs SLACK_BOT_TOKEN (or use --dry-run to print it).")
    schedule = app.store.scheduling.schedule(channel) or StoredSchedule(
        channel, now.weekday(), now.hour, now.minute, "UTC", False, "cli", now, now
    )
    runtime = jobs.Runtime(app.settings, app.store, make_client(app.settings), clock=app.clock)
    outcome = jobs.run_digest(runtime, schedule, now, now)
    messages = {
        "posted": f"Posted the digest in {channel} ({outcome.period}).",
        "busy": f"{channel} already has (or is getting) its digest for {outcome.period}.",
        "skipped": f"Skipped: {outcome.detail}",
    }
    print(messages.get(outcome.status, f"{outcome.status}: {outcome.detail}"))
    return 0 if outcome.status in messages else 1


def cmd_clock(app: Parity, args: argparse.Namespace) -> int:
    from bot.clock.process import run_clock  # the scheduler is imported by the clock only

    app.store.close()  # the clock opens its own store
    if not args.verbose:  # a long-running process: say what it does, not just what fails
        logging.getLogger("bot").setLevel(logging.INFO)
    outcomes = run_clock(app.settings, once=args.once, now=args.now)
    for outcome in outcomes:
        detail = f": {outcome.detail}" if outcome.detail else ""
        print(f"{outcome.job_key} {outcome.period} {outcome.status}{detail}")
    # A cron job running `clock --once` must see a failed run (one to be retried, too).
    return 1 if any(o.status in FAILED_OUTCOMES for o in outcomes) else 0


def cmd_pull(app, args: argparse.Namespace) -> int:
    from bot.connectors.cja_api import pull_cja  # the connectors load only when pulling
    from bot.connectors.query_service import pull_query_service

    settings = app.settings
    until = args.until or app.today()
    since = args.since or until - timedelta(days=settings.pull_days - 1)
    if since > until:
        print(f"--since {since} is after --until {until}", file=sys.stderr)
        return 2
    if args.product == "ajo" and not args.query_service:
        print(
            "AJO's numbers are pulled from AEP Query Service: add --query-service", file=sys.stderr
        )
        return 2
    notes: list[str] = []
    now = app.clock.now()
    try:
        if args.product == "cja":
            reports = pull_cja(
                settings, app.store, since, until, now, data_view=args.data_view, notes=notes
            )
            name = f"CJA Reporting API ({args.data_view or settings.cja_data_view})"
        else:
            reports = pull_query_service(settings, app.store, since, until, now, notes=notes)
            name = "AEP Query Service"
    except ParityError as error:
        print(f"Nothing stored: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"reports": [r.to_dict() for r in reports], "notes": notes}))
        return 0
    print(render("ingest.j2", files=[Loaded(name, tuple(reports))]), end="")
    if not reports:
        print(f"{name}: nothing to store from {since} to {until}.")
    _print_notes(notes)
    return 0


def _print_notes(notes) -> None:
    for note in notes:
        print(f"⚠️ {note}")


def add_commands(command) -> None:
    """Add `digest`, `clock` and `pull` to the CLI; `command` is bot.cli's sub-parser factory."""
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

    pull = command(
        "pull", cmd_pull, "fetch numbers from the CJA Reporting API or AEP Query Service"
    )
    pull.add_argument("product", choices=("cja", "ajo"))
    pull.add_argument("--data-view", help="cja: the data view id (dv_...); else CJA_DATA_VIEW")
    pull.add_argument(
        "--query-service", action="store_true", help="ajo: count AJO's datasets in Query Service"
    )
    pull.add_argument("--since", type=date.fromisoformat, help="first day (YYYY-MM-DD)")
    pull.add_argument("--until", type=date.fromisoformat, help="last day (default: today)")
    pull.add_argument("--json", action="store_true", help="print the snapshots as JSON")
