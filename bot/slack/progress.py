"""Progress of long work started from Slack: one message, posted once and then edited in
place (a refresh's pulls, a shared file's load), never a message per step."""

from __future__ import annotations

import time

from bot.slack.blocks import Message
from bot.slack.replies import Replier, Target


class Progress:
    """One message, posted once and then edited in place. With `after` (seconds), nothing
    is posted until the work has taken that long: quick work shows only its result."""

    def __init__(self, replier: Replier, target: Target, after: float = 0.0) -> None:
        self.replier, self.target = replier, target
        self.ts: str | None = None
        self.shown = False
        self._from = time.monotonic() + after

    def show(self, message: Message) -> None:
        if not self.shown and time.monotonic() < self._from:
            return
        if self.target.ephemeral:
            self.replier.post(self.target, message, replace=self.shown)
        elif self.ts is None:
            self.ts = self.replier.post(self.target, message)
        else:
            self.replier.client.chat_update(
                channel=self.target.channel, ts=self.ts, **message.to_kwargs()
            )
        self.shown = True
