"""Buttons on answers: each re-runs the stored query, never re-parses text."""

from __future__ import annotations

import re

from bot.slack import buttons, present
from bot.slack.members import refusal as membership_refusal
from bot.slack.refresh import refresh_in_slack
from bot.slack.replies import Target
from handlers.common import signed_once

_ANSWER_ACTION = re.compile(
    "^(" + "|".join((*buttons.ANSWER_ACTIONS, buttons.POST_TO, buttons.REFRESH)) + ")$"
)


def offer(services, body: dict) -> None:
    """ "Did you mean…?": re-run the stored corrected query, as is."""
    action = body["actions"][0]
    target = target_of(body)
    offer_id = buttons.stored_id(action.get("value"))
    if offer_id is None:
        services.replier.say(target, buttons.NOT_A_BUTTON)
        return
    stored = services.store.load_offer(offer_id)
    if stored is None:
        services.replier.say(target, "That suggestion is no longer stored: please ask again.")
        return
    label, query = stored
    services.replier.rerun(target, query, label)


def target_of(body: dict) -> Target:
    """Reply in the answer's thread, or ephemerally when the answer was ephemeral."""
    container = body.get("container", {})
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id", "")
    user = (body.get("user") or {}).get("id", "")
    if container.get("is_ephemeral"):
        return Target(channel, user, response_url=body.get("response_url"))
    thread = message.get("thread_ts") or message.get("ts") or container.get("message_ts")
    return Target(channel, user, thread_ts=thread)


def press(services, body: dict) -> None:
    action = body["actions"][0]
    target = target_of(body)
    value = action.get("value")  # a channel menu has none: its block names the answer
    answer_id = (
        buttons.stored_id(value) if value else buttons.answer_of_block(action.get("block_id", ""))
    )
    if answer_id is None:
        services.replier.say(target, buttons.NOT_A_BUTTON)
        return
    stored = services.store.load_answer(answer_id)
    if stored is None:
        services.replier.say(target, "That answer is no longer stored: please ask again.")
        return
    kind = action["action_id"]
    if kind == buttons.RERUN:
        services.replier.rerun(target, stored.query, stored.question)
        return
    if kind == buttons.REFRESH:  # pull now, then answer again on what arrived
        refresh_in_slack(services.runtime, services.replier, target, None, stored)
        return
    answer = services.parity.answer(stored.query, services.parity.today(), "mrkdwn")
    if kind == buttons.BY_JOURNEY:
        services.replier.deliver(target, present.breakdown_messages(answer, "journey"))
    elif kind == buttons.BY_DAY:
        services.replier.deliver(target, present.breakdown_messages(answer, "day"))
    elif kind == buttons.SOURCES:
        services.replier.deliver(target, present.sources_messages(answer))
    elif kind == buttons.CHART:
        if target.ephemeral:  # a chart of a private answer goes to the asker's DM
            dm = services.replier.client.conversations_open(users=target.user)["channel"]["id"]
            target = Target(dm, target.user)
        services.replier.chart(target, answer)
    elif kind in (buttons.POST, buttons.POST_TO):
        channel = action.get("selected_conversation") or target.channel
        # Pressed where it was asked, the asker is evidently there; a picked channel may
        # be one they are not in, or one Parity is not in.
        if channel != target.channel and (
            refused := membership_refusal(
                services.replier.client, channel, target.user, "post this answer"
            )
        ):
            services.replier.say(target, refused)
            return
        services.replier.share(
            target,
            channel,
            present.answer_messages(
                answer, stored.id, can_post=False, refresh=bool(services.settings.pulls)
            ),
        )


def register(app, services) -> None:
    @app.action(_ANSWER_ACTION)
    def answer_button(ack, body, request):
        ack()
        signed_once(services, request, target_of(body), lambda: press(services, body))

    @app.action(buttons.OFFER)
    def offer_button(ack, body, request):
        ack()
        signed_once(services, request, target_of(body), lambda: offer(services, body))
