"""Who may change what everyone's answers are computed from: load files, drop snapshots.

A file shared in Slack replaces, for the keys it holds, the numbers every answer reads, so
by default only the workspace's admins and owners may do it (Slack's users.info says who
they are). PARITY_INGEST_USERS and PARITY_INGEST_CHANNELS hand it to named people or
channels instead: each list that is set must allow the request. Anything else is refused
with a reply that says who can.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.render import render
from bot.config import Settings

log = logging.getLogger(__name__)

_ROLES = ("is_admin", "is_owner", "is_primary_owner")


def refusal(
    client: WebClient, settings: Settings, channel: str, user: str, doing: str
) -> str | None:
    """None when `user` may `doing` ("load files into Parity") in `channel`; else the reply."""
    users, channels = settings.ingest_users, settings.ingest_channels
    if users or channels:
        if (not channels or channel in channels) and (not users or user in users):
            return None
        return _refused(doing, users=sorted(users), channels=sorted(channels))
    try:
        profile = client.users_info(user=user)["user"]
    except SlackApiError as error:
        reason = error.response.get("error", "unknown_error")
        log.info("role of %s not known (%s)", user, reason)
        return _refused(doing, reason=reason)
    if any(profile.get(role) for role in _ROLES):
        return None
    return _refused(doing)


def _refused(doing: str, users=(), channels=(), reason: str | None = None) -> str:
    return render(
        "permission.j2", "mrkdwn", doing=doing, users=users, channels=channels, reason=reason
    ).strip()
