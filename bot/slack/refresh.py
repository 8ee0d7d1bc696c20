"""A refresh on demand in Slack: progress in one message edited in place, then the answer.

The slash command's progress is ephemeral (its response_url, replacing the previous one);
the Refresh button's is a message in the answer's thread (chat.update). When the pulls
stored something new, the question the button was on is answered again, on the new
snapshots; the alert checks run as after any snapshot (bot.clock.refresh).
"""

from __future__ import annotations

import os
import socket

from bot.answers.render import render
from bot.clock.guard import Runtime
from bot.clock.refresh import NothingToRefresh, Refresh, refresh
from bot.slack.present import text_messages
from bot.slack.progress import Progress
from bot.slack.replies import Replier, Target
from bot.store import StoredAnswer


def refresh_in_slack(
    runtime: Runtime,
    replier: Replier,
    target: Target,
    source: str | None,
    stored: StoredAnswer | None = None,
) -> Refresh | None:
    """Run the pulls now, showing how it goes; answer `stored` again if anything is new."""
    progress = Progress(replier, target)

    def show(state: Refresh) -> None:
        progress.show(text_messages(render("refresh.j2", "mrkdwn", refresh=state))[0])

    holder = f"{socket.gethostname()}:{os.getpid()}:slack:{target.user}"
    try:
        state = refresh(runtime, source, holder, show)
    except NothingToRefresh as error:
        replier.say(target, f"⚠️ {error}")
        return None
    if stored is not None and state.new:
        replier.rerun(target, stored.query, stored.question)
    return state
