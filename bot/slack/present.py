"""Answers as Slack messages: mrkdwn from the shared templates, buttons, App Home."""

from __future__ import annotations

from bot.answers.render import render
from bot.answers.service import Answer
from bot.slack.blocks import (
    Button,
    Message,
    actions,
    build_messages,
    header,
    section,
)
from bot.slack.buttons import (
    HOME_ASK,
    HOME_QUESTIONS,
    answer_block_id,
    answer_buttons,
)
from bot.slack.digest import digest_messages
from bot.store import StoredAnswer


def answer_messages(
    answer: Answer,
    answer_id: int | None,
    *,
    can_post: bool,
    pick_channel: bool = False,
    refresh: bool = False,
) -> list[Message]:
    """The answer (rendered for Slack) with buttons when it is a reconciliation; `refresh`
    adds the Refresh button (where pulls are configured)."""
    if answer.digest is not None and not answer.error:  # a message and its thread
        return digest_messages(answer.digest, answer_id, can_post=can_post)
    if not answer_id:
        return build_messages(answer.text)
    buttons = answer_buttons(
        answer_id, can_post=can_post, pick_channel=pick_channel, refresh=refresh
    )
    return build_messages(answer.text, buttons=buttons, actions_id=answer_block_id(answer_id))


def breakdown_messages(answer: Answer, by: str) -> list[Message]:
    text = render("breakdown.j2", "mrkdwn", answer=answer, by=by)
    return build_messages(text)


def text_messages(mrkdwn: str) -> list[Message]:
    return build_messages(mrkdwn)


def home_view(status: Answer, recent: list[StoredAnswer]) -> dict:
    now = status.now.replace(tzinfo=None)
    # Status paragraphs (snapshots and clock; digest schedules and problems) as sections.
    status_sections = build_messages(status.text)[0].blocks
    blocks = [
        header("Parity · AJO vs CJA"),
        *status_sections,
        {"type": "divider"},
        section(render("home.j2", "mrkdwn", recent=recent, now=now)),
        actions([Button(q, HOME_ASK, q) for q in HOME_QUESTIONS]),
    ]
    return {"type": "home", "blocks": blocks}
