"""A CSV export shared where Parity is: download, ingest, reply in the thread."""

from __future__ import annotations

from bot.clock.alerting import after_snapshots
from bot.slack import files, permissions
from bot.slack.replies import Target
from handlers.common import once

LOADING = "load files into Parity"


def ingest_event(services, body: dict, event: dict) -> None:
    channel, user = event["channel"], event.get("user", "")
    target = Target(channel, user, thread_ts=event.get("thread_ts") or event.get("ts"))
    shared = [files.SharedFile.from_event(f) for f in event.get("files", [])]
    shared = [f for f in shared if f.looks_tabular]
    if not shared:
        return

    def work() -> None:
        client = services.replier.client
        if refused := permissions.refusal(client, services.settings, channel, user, LOADING):
            services.replier.say(target, refused)
            return
        text = event.get("text", "")
        results = files.ingest_in_slack(
            services.settings, services.store, services.replier, target, shared, text
        )
        after_snapshots(services.runtime, [r for loaded in results for r in loaded.reports])

    once(services, body.get("event_id"), target, work)


def register(app, services) -> None:
    """Shared files arrive as message events; handlers/messages.py routes them here."""
