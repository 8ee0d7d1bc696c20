"""Buttons on alerts: acknowledge, mute for a week, resolve; the message is then edited."""

from __future__ import annotations

import re

from bot.alerts.runner import act
from bot.clock.alerting import deliver
from bot.slack import buttons
from handlers.actions import target_of
from handlers.common import signed_once

_ALERT_ACTION = re.compile("^(" + "|".join(buttons.ALERT_ACTIONS) + ")$")


def press_alert(services, body: dict) -> None:
    action = body["actions"][0]
    user = (body.get("user") or {}).get("id", "")
    step = buttons.ALERT_ACTIONS[action["action_id"]]
    episode_id = buttons.stored_id(action.get("value"))
    episode = services.store.alerts.episode(episode_id) if episode_id is not None else None
    target = target_of(body)
    # An alert's buttons act on the alert they are under, in its own channel.
    if episode is None or episode.channel_id != target.channel:
        services.replier.say(target, buttons.NOT_A_BUTTON)
        return
    revision = act(services.store, episode.id, step, user, services.clock.now())
    if revision is not None:  # None: already done, or the episode has a newer one
        deliver(services.runtime, revision)


def register(app, services) -> None:
    @app.action(_ALERT_ACTION)
    def alert_button(ack, body, request):
        ack()
        signed_once(services, request, target_of(body), lambda: press_alert(services, body))
