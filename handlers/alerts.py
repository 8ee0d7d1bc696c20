"""Buttons on alerts: acknowledge, mute for a week, resolve; the message is then edited."""

from __future__ import annotations

import re

from bot.alerts.runner import act
from bot.clock.alerting import deliver
from bot.slack import buttons

_ALERT_ACTION = re.compile("^(" + "|".join(buttons.ALERT_ACTIONS) + ")$")


def press_alert(services, body: dict) -> None:
    action = body["actions"][0]
    user = (body.get("user") or {}).get("id", "")
    step = buttons.ALERT_ACTIONS[action["action_id"]]
    revision = act(services.store, int(action["value"]), step, user, services.clock.now())
    if revision is not None:  # None: already done, or the episode has a newer one
        deliver(services.runtime, revision)


def register(app, services) -> None:
    @app.action(_ALERT_ACTION)
    def alert_button(ack, body):
        ack()
        services.later(press_alert, services, body)
