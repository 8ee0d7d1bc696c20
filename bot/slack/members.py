"""Who may send Parity's messages where: the bot and the person asking must both be members.

A schedule or a "post to channel" names a channel the request itself does not prove the
person can see (a typed id, a picked channel, a tampered form): a digest could otherwise be
pointed at a private channel its asker is not in, or turned off by someone outside it.
Slack answers who is in a channel (conversations.info, conversations.members); each check
returns None when allowed, else the polite sentence the asker is told.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

_PAGE = 1000


def refusal(client: WebClient, channel: str, user: str, doing: str) -> str | None:
    """None when Parity and `user` are both in `channel`; else why `doing` is refused."""
    link = f"<#{channel}>"
    try:
        info = client.conversations_info(channel=channel)["channel"]
        if not info.get("is_member"):
            return f"⚠️ I am not in {link}, so I cannot {doing} there. Invite me (/invite @Parity)."
        if not _has_member(client, channel, user):
            return f"⚠️ Only members of {link} can {doing} there."
    except SlackApiError as error:
        reason = error.response.get("error", "unknown_error")
        log.info("membership of %s not known (%s)", channel, reason)
        return f"⚠️ I cannot see {link} ({reason}), so I cannot {doing} there."
    return None


def _has_member(client: WebClient, channel: str, user: str) -> bool:
    cursor = None
    while True:
        page = client.conversations_members(channel=channel, limit=_PAGE, cursor=cursor)
        if user in page["members"]:
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return False
