"""Which snapshots are stored, where each came from, and taking one back out.

`python -m bot snapshots list|show N|drop N|undo N` here, `/parity snapshots` and its Drop
and Undo buttons in Slack (bot/slack/snapshots.py): both read and change the store through
these functions and render the same template.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

from bot.alerts.checks import Change
from bot.answers.render import render
from bot.clock.alerting import after_snapshots
from bot.clock.guard import Outcome, Runtime
from bot.errors import BadInput
from bot.ops import activity
from bot.store import SnapshotSource, Store
from bot.store.provenance import DropEvent

LISTED = 20


@dataclass(frozen=True)
class SnapshotDetail:
    """One snapshot: its provenance, what it holds, how many numbers answers read from it,
    and every drop and undo of it."""

    snapshot: SnapshotSource
    journeys: tuple[str, ...]
    current: int
    history: tuple[DropEvent, ...]

    def to_dict(self) -> dict:
        return {
            **self.snapshot.to_dict(),
            "journeys": list(self.journeys),
            "current_numbers": self.current,
            "drops": [event.to_dict() for event in self.history],
        }


def detail(store: Store, snapshot_id: int) -> SnapshotDetail:
    snapshot = store.snapshot(snapshot_id)
    if snapshot is None:
        raise BadInput(f"there is no snapshot #{snapshot_id}")
    _, _, _, journeys = store.snapshot_span(snapshot_id)
    return SnapshotDetail(
        snapshot,
        journeys,
        store.current_numbers(snapshot_id),
        tuple(store.drop_history(snapshot_id)),
    )


def change(store: Store, snapshot_id: int, action: str, by: str) -> SnapshotDetail:
    """Drop a snapshot ("drop") or undo its drop ("undo"); the detail says what it holds now."""
    if action == "drop":
        store.drop_snapshot(snapshot_id, by)
    else:
        store.undo_drop(snapshot_id, by)
    return detail(store, snapshot_id)


def recheck(runtime: Runtime, shown: SnapshotDetail, action: str) -> list[Outcome]:
    """A drop or an undo changes the numbers of the snapshot's days: the alert checks run
    on them as after a snapshot, each drop or undo once ("drop1:12", "undo2:12")."""
    s = shown.snapshot
    change = Change(s.source, shown.journeys, s.first_day, s.last_day, s.id)
    return after_snapshots(runtime, [change], key=f"{action}{len(shown.history)}")


def _cli_runtime(app) -> Runtime:
    """The CLI's runtime for alert checks: alerts are posted when Slack is set up here, else
    recorded for the clock to post."""
    from bot.slack.client import make_client  # Slack's client loads only when checking

    client = make_client(app.settings) if app.settings.slack_bot_token else None
    return Runtime(app.settings, app.store, client, clock=app.clock)


def _who() -> str:
    current = activity.current()
    return current.by if current else "python -m bot snapshots"


def cmd_snapshots(app, args: argparse.Namespace) -> int:
    store = app.store
    try:
        if args.action == "list":
            listed = store.snapshot_list(args.limit)
            if args.json:
                print(json.dumps([s.to_dict() for s in listed], ensure_ascii=False))
            else:
                print(render("snapshots.j2", part="list", snapshots=listed), end="")
            return 0
        if args.id is None:
            print(f"snapshots {args.action} needs a snapshot number", flush=True)
            return 2
        if args.action == "show":
            shown = detail(store, args.id)
        else:
            shown = change(store, args.id, args.action, _who())
            recheck(_cli_runtime(app), shown, args.action)
    except BadInput as error:
        print(f"Nothing changed: {error}.")
        return 2
    if args.json:
        print(json.dumps(shown.to_dict(), ensure_ascii=False))
    else:
        print(render("snapshots.j2", part=args.action, shown=shown, surface="cli"), end="")
    return 0


def add_commands(command) -> None:
    snapshots = command(
        "snapshots", cmd_snapshots, "list the stored snapshots, show one, drop one or undo a drop"
    )
    snapshots.add_argument("action", choices=("list", "show", "drop", "undo"))
    snapshots.add_argument("id", type=int, nargs="?", metavar="N", help="the snapshot number")
    snapshots.add_argument("--limit", type=int, default=LISTED, help="list: how many (latest)")
    snapshots.add_argument("--json", action="store_true")
