"""/parity snapshots (routed here by commands.py) and its Drop and Undo buttons."""

from __future__ import annotations

from bot.errors import BadInput
from bot.ops.snapshots import change, recheck
from bot.slack import buttons, permissions
from bot.slack.replies import Target
from bot.slack.snapshots import DROPPING, LISTED_IN_SLACK, changed_messages, list_message
from handlers.actions import target_of
from handlers.common import signed_once


def snapshots_command(services, target: Target) -> None:
    """The latest snapshots; the buttons only for those who may drop them."""
    refused = _refusal(services, target)
    listed = services.store.snapshot_list(LISTED_IN_SLACK)
    services.replier.deliver(target, [list_message(listed, refused)])


def press(services, body: dict) -> None:
    action = body["actions"][0]
    target = target_of(body)
    if refused := _refusal(services, target):  # checked again: a button can be replayed
        services.replier.say(target, refused)
        return
    kind = "drop" if action["action_id"] == buttons.SNAPSHOT_DROP else "undo"
    snapshot_id = buttons.stored_id(action.get("value"))
    if snapshot_id is None:
        services.replier.say(target, buttons.NOT_A_BUTTON)
        return
    try:
        shown = change(services.store, snapshot_id, kind, target.user)
    except BadInput as error:
        services.replier.say(target, f"⚠️ Nothing changed: {error}.")
        return
    services.replier.deliver(target, changed_messages(shown, kind))
    recheck(services.runtime, shown, kind)  # alerts about those days are judged again


def _refusal(services, target: Target) -> str | None:
    client = services.replier.client
    return permissions.refusal(client, services.settings, target.channel, target.user, DROPPING)


def register(app, services) -> None:
    @app.action(buttons.SNAPSHOT_DROP)
    @app.action(buttons.SNAPSHOT_UNDO)
    def snapshot_button(ack, body, request):
        ack()
        signed_once(services, request, target_of(body), lambda: press(services, body))
