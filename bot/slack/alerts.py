"""Alerts in Slack: the episode's message, its edits in place, and lines in its thread.

Slack only: what to post and when is decided in bot.alerts and bot.clock.alerting; this
module builds the Block Kit message from templates/alert.j2 and makes the three calls.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.answers.render import render
from bot.reconcile.registry import cause_named
from bot.slack.blocks import Message, build_messages
from bot.slack.buttons import alert_buttons, answer_block_id
from bot.store.episodes import Episode


def alert_message(episode: Episode, now: datetime) -> Message:
    """The episode as one message: verdict, figures, evidence, what to check, buttons."""
    text = render("alert.j2", "mrkdwn", episode=episode, now=now, part="message")
    buttons = alert_buttons(
        episode.id,
        episode.answer_id,
        is_open=episode.is_open,
        acknowledged=bool(episode.acknowledged_by),
    )
    title = f"Parity alert · {episode.journey} · {cause_named(episode.cause).alert}"
    block_id = answer_block_id(episode.answer_id) if episode.answer_id else None
    # One message, whatever happens: the edits replace it, so nothing may spill over.
    return build_messages(text, title=title, buttons=buttons, actions_id=block_id)[0]


def thread_line(episode: Episode, kind: str, note: str, now: datetime) -> Message:
    text = render("alert.j2", "mrkdwn", episode=episode, now=now, part="line", kind=kind, note=note)
    return build_messages(text)[0]


def post_alert(client: WebClient, channel: str, message: Message) -> str:
    """Post the episode's message; its ts, which every later edit and line refers to."""
    return client.chat_postMessage(channel=channel, **message.to_kwargs())["ts"]


def update_alert(client: WebClient, channel: str, ts: str, message: Message) -> None:
    client.chat_update(channel=channel, ts=ts, **message.to_kwargs())


def post_line(client: WebClient, channel: str, ts: str, message: Message) -> None:
    client.chat_postMessage(channel=channel, thread_ts=ts, **message.to_kwargs())
