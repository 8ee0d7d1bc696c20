"""Questions in a channel (an @mention) or a DM; exports shared as files go to files.py."""

from __future__ import annotations

from bot.slack.replies import Target
from handlers import files
from handlers.common import once, question_text


def answer_event(services, body: dict, event: dict, redelivered: bool = False) -> None:
    """`redelivered`: Slack sent the event again (it did not see an earlier ack). A reply
    one delivery already gave stands; an apology is replaced by the answer, in place."""
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
    replacing = None
    if redelivered and (earlier := services.replier.earlier_reply(target, event.get("ts", ""))):
        if not earlier.apology:
            return
        replacing = earlier.ts
    once(
        services,
        body.get("event_id"),
        target,
        lambda: services.replier.ask(
            target, question or "help", conversation=conversation, replacing=replacing
        ),
        apologise=replacing is None,
    )


def on_message(services, body: dict, event: dict, redelivered: bool = False) -> None:
    """DMs are questions; in channels Parity only listens to mentions and shared files."""
    if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
        return
    if event.get("files"):
        files.ingest_event(services, body, event)
    elif event.get("channel_type") == "im":
        answer_event(services, body, event, redelivered)


def register(app, services) -> None:
    @app.event("app_mention")
    def app_mention(body, event, request):
        services.later(answer_event, services, body, event, _redelivered(request))

    @app.event("message")
    def message(body, event, request):
        services.later(on_message, services, body, event, _redelivered(request))


def _redelivered(request) -> bool:
    """Slack numbers its retries of an event (X-Slack-Retry-Num); Socket Mode has none."""
    return bool((request.headers or {}).get("x-slack-retry-num"))
