"""Answers as Slack messages: mrkdwn from the shared templates, buttons, App Home."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks import Button, ChannelPicker, Message, actions, build_messages, header, section
from bot.render import render
from bot.service import Answer
from bot.store import StoredAnswer

BY_JOURNEY = "parity_by_journey"
BY_DAY = "parity_by_day"
CHART = "parity_chart"
POST = "parity_post"
POST_TO = "parity_post_to"
RERUN = "parity_rerun"
HOME_ASK = "parity_home_ask"
ANSWER_ACTIONS = (BY_JOURNEY, BY_DAY, CHART, POST, RERUN)

HOME_QUESTIONS = (
    "why don't Sent numbers match?",
    "which dates are safe for sent?",
    "reconcile everything last week",
)


def answer_block_id(answer_id: int) -> str:
    """The actions block names its answer: a channel menu has no value of its own."""
    return f"parity_answer_{answer_id}"


def answer_of_block(block_id: str) -> int | None:
    prefix = "parity_answer_"
    return int(block_id[len(prefix) :]) if block_id.startswith(prefix) else None


def answer_buttons(
    answer_id: int, *, can_post: bool, pick_channel: bool = False
) -> list[Button | ChannelPicker]:
    """Drill-down buttons; sharing is a button on a private reply, a channel menu in a DM."""
    value = str(answer_id)
    buttons = [
        Button("By journey", BY_JOURNEY, value),
        Button("By day", BY_DAY, value),
        Button("Chart", CHART, value),
    ]
    if can_post:
        buttons.append(Button("Post to channel", POST, value, style="primary"))
    buttons.append(Button("Re-run", RERUN, value))
    if pick_channel:
        buttons.append(ChannelPicker("Post to channel…", POST_TO))
    return buttons


def answer_messages(
    answer: Answer, answer_id: int | None, *, can_post: bool, pick_channel: bool = False
) -> list[Message]:
    """The answer (rendered for Slack) with buttons when it is a reconciliation."""
    if answer.digest is not None and not answer.error:  # a message and its thread
        from bot.slack.digest import digest_messages  # it builds on this module's buttons

        return digest_messages(answer.digest, answer_id, can_post=can_post)
    if not answer_id:
        return build_messages(answer.text)
    buttons = answer_buttons(answer_id, can_post=can_post, pick_channel=pick_channel)
    return build_messages(answer.text, buttons=buttons, actions_id=answer_block_id(answer_id))


def breakdown_messages(answer: Answer, by: str) -> list[Message]:
    text = render("breakdown.j2", "mrkdwn", answer=answer, by=by)
    return build_messages(text)


def text_messages(mrkdwn: str) -> list[Message]:
    return build_messages(mrkdwn)


def home_view(status: Answer, recent: list[StoredAnswer]) -> dict:
    now = datetime.now(UTC).replace(tzinfo=None)
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
