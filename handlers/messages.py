"""Questions in a channel (an @mention) or a DM; exports shared as files go to files.py."""

from __future__ import annotations

from bot.slack.replies import Target
from handlers import files
from handlers.common import once, question_text


def answer_event(services, body: dict, event: dict) -> None:
    if event.get("files"):
        files.ingest_event(services, body, event)
        return
    target = Target(
        channel=event["channel"],
        user=event.get("user", ""),
        thread_ts=event.get("thread_ts") or event.get("ts"),
    )
    question = question_text(event.get("text", ""))
    # A follow-up keeps what it does not change: per thread in a channel, per DM.
    if event.get("channel_type") == "im":
        conversation = f"dm:{target.channel}"
    else:
        conversation = f"thread:{target.channel}:{target.thread_ts}"
    once(
        services,
        body.get("event_id"),
        target,
        lambda: services.replier.ask(target, question or "help", conversation=conversation),
    )


def on_message(services, body: dict, event: dict) -> None:
    """DMs are questions; in channels Parity only listens to mentions and shared files."""
    if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
        return
    if event.get("files"):
        files.ingest_event(services, body, event)
    elif event.get("channel_type") == "im":
        answer_event(services, body, event)


def register(app, services) -> None:
    @app.event("app_mention")
    def app_mention(body, event):
        services.later(answer_event, services, body, event)

    @app.event("message")
    def message(body, event):
        services.later(on_message, services, body, event)
