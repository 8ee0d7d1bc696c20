"""The buttons on Parity's messages: their action ids, and the values they carry.

Listeners (handlers/) route on these ids; every message builder takes its buttons from
here, so an id is spelled once.
"""

from __future__ import annotations

from bot.slack.blocks import Button, ChannelPicker

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
