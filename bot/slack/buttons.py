"""The buttons on Parity's messages: their action ids, and the values they carry.

Listeners (handlers/) route on these ids; every message builder takes its buttons from
here, so an id is spelled once.
"""

from __future__ import annotations

import re

from bot.slack.blocks import Button, ChannelPicker

BY_JOURNEY = "parity_by_journey"
BY_DAY = "parity_by_day"
CHART = "parity_chart"
POST = "parity_post"
POST_TO = "parity_post_to"
RERUN = "parity_rerun"
SOURCES = "parity_sources"
REFRESH = "parity_refresh"
HOME_ASK = "parity_home_ask"
# A "Did you mean…?" button: its value is a stored offer (a corrected query), re-run as is.
OFFER = "parity_offer"
ANSWER_ACTIONS = (BY_JOURNEY, BY_DAY, CHART, POST, RERUN, SOURCES)
# On alerts: the value is the episode's id.
ALERT_ACK = "parity_alert_acknowledge"
ALERT_MUTE = "parity_alert_mute"
ALERT_RESOLVE = "parity_alert_resolve"
# On the list of snapshots (/parity snapshots): the value is the snapshot's id.
SNAPSHOT_DROP = "parity_snapshot_drop"
SNAPSHOT_UNDO = "parity_snapshot_undo"
ALERT_ACTIONS = {ALERT_ACK: "acknowledge", ALERT_MUTE: "mute", ALERT_RESOLVE: "resolve"}

# App Home's quick questions: (key, label). The key names a query built directly
# (bot.answers.commands.home_query), never a sentence for the parser.
HOME_QUESTIONS = (
    ("sent_gap", "Why don't Sent numbers match?"),
    ("sent_safe", "Which dates are safe for Sent?"),
    ("last_week", "Reconcile everything last week"),
)


def answer_block_id(answer_id: int) -> str:
    """The actions block names its answer: a channel menu has no value of its own."""
    return f"parity_answer_{answer_id}"


def answer_of_block(block_id: str) -> int | None:
    prefix = "parity_answer_"
    return stored_id(block_id[len(prefix) :]) if block_id.startswith(prefix) else None


_ROW_ID = re.compile(r"[0-9]{1,18}")


def stored_id(value: object) -> int | None:
    """The stored row a button's value names; None when it names none (a button from an
    older Parity, or a value someone changed), which the listener refuses politely."""
    text = value if isinstance(value, str) else ""
    return int(text) if _ROW_ID.fullmatch(text) else None


# What a button that names nothing Parity stores is told.
NOT_A_BUTTON = "⚠️ That button is out of date or was changed on the way: please ask again."


def answer_buttons(
    answer_id: int,
    *,
    can_post: bool,
    pick_channel: bool = False,
    refresh: bool = False,
    sources: bool = False,
) -> list[Button | ChannelPicker]:
    """Drill-down buttons; sharing is a button on a private reply, a channel menu in a DM;
    Refresh (pull now, then answer again) where pulls are configured; the snapshots behind
    the numbers where the answer has some."""
    value = str(answer_id)
    buttons = [
        Button("By journey", BY_JOURNEY, value),
        Button("By day", BY_DAY, value),
        Button("Chart", CHART, value),
    ]
    if can_post:
        buttons.append(Button("Post to channel", POST, value, style="primary"))
    buttons.append(Button("Re-run", RERUN, value))
    if sources:
        buttons.append(Button("Where these numbers come from", SOURCES, value))
    if refresh:
        buttons.append(Button("Refresh", REFRESH, value))
    if pick_channel:
        buttons.append(ChannelPicker("Post to channel…", POST_TO))
    return buttons


def alert_buttons(
    episode_id: int, answer_id: int | None, *, is_open: bool, acknowledged: bool
) -> list[Button]:
    """By day and Chart re-run the episode's stored query; the rest act on the episode."""
    value = str(episode_id)
    buttons = []
    if answer_id:
        buttons += [
            Button("By day", BY_DAY, str(answer_id)),
            Button("Chart", CHART, str(answer_id)),
        ]
    if is_open:
        buttons.append(Button("Mute for a week", ALERT_MUTE, value))
        if not acknowledged:
            buttons.append(Button("Acknowledge", ALERT_ACK, value, style="primary"))
        buttons.append(Button("Resolve", ALERT_RESOLVE, value))
    return buttons
