"""The CLI's alert commands: `python -m bot watch …`, `unwatch …` and `alerts [--replay]`.

Kept apart from bot.cli like the scheduling commands; bot.cli adds these to its parser.
`watch` and `unwatch` share their words and refusals with `/parity watch|unwatch` (channels
by id here: C0123ABCD). `alerts` lists the open episodes; `alerts --replay` runs the checks
over the stored snapshots in capture order and prints what would have been posted.
"""

from __future__ import annotations

import argparse
import sys

from bot.alerts.commands import apply_watch_command, parse_watch_command, refusal
from bot.alerts.replay import REPLAY_CHANNEL, replay
from bot.answers.render import render
from bot.answers.service import Parity
from bot.clock.digest_commands import CLI
from bot.errors import BadInput
from bot.store.episodes import Episode


def _watch(action: str):
    def command(app: Parity, args: argparse.Namespace) -> int:
        journeys = sorted(set(app.store.journey_names().values()))
        try:
            order = parse_watch_command(
                action, args.words, journeys=journeys, today=app.today(), surface=CLI
            )
        except BadInput as error:
            print(refusal(error, CLI), end="")
            return 2
        now = app.clock.now()
        print(apply_watch_command(app.store, order, "cli", now, CLI).text, end="")
        return 0

    return command


def cmd_alerts(app: Parity, args: argparse.Namespace) -> int:
    now = app.clock.now()
    if not args.replay:
        episodes = app.store.alerts.open_episodes()
        print(render("_episodes.j2", episodes=episodes, now=now), end="")
        return 0
    watches = app.store.alerts.watches()
    snapshots = app.store.snapshots_in_order()
    print(
        render(
            "replay.j2",
            part="start",
            count=len(snapshots),
            watches=watches,
            channel=REPLAY_CHANNEL,
        ),
        end="",
    )
    episodes: dict[int, Episode] = {}
    for step in replay(app.store, app.settings, watches):
        for told in step.told:
            episodes[told.revision.episode.id] = told.revision.episode
        if step.told:
            print(render("replay.j2", part="step", step=step), end="")
            sys.stdout.flush()
    print(render("replay.j2", part="end", episodes=list(episodes.values())), end="")
    return 0


def add_commands(command) -> None:
    """Add `watch`, `unwatch` and `alerts` to the CLI (`command`: bot.cli's factory)."""
    watch = command("watch", _watch("watch"), "alert a channel when a journey's numbers show a gap")
    watch.add_argument(
        "words",
        nargs="*",
        metavar="WORD",
        help="JOURNEY|all [METRIC…] CHANNEL_ID [THRESHOLD]; nothing: list the watches",
    )
    unwatch = command("unwatch", _watch("unwatch"), "stop a channel's alerts for a journey")
    unwatch.add_argument("words", nargs="+", metavar="WORD", help="JOURNEY|all CHANNEL_ID")
    alerts = command("alerts", cmd_alerts, "the open alerts, or a replay of the checks")
    alerts.add_argument(
        "--replay",
        action="store_true",
        help="run the checks over the stored snapshots in capture order; print what would "
        "have been posted (nothing is stored or sent)",
    )
