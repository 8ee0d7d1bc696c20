"""Who is in a channel (conversations.members): only its members may change what Parity
posts there (alert watches; digest schedules can use the same check).

One helper for every such check, so the refusals read the same everywhere. Slack answers
with pages of member ids; a channel Parity cannot see (a private one it was not invited
to) cannot be checked, and the person is told to invite it rather than silently allowed.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import ParityError

PAGE = 200


class NotAMember(ParityError):
    """The person may not change this channel's settings: they are not in it, or Parity
    cannot tell. The message is plain text; `channel` is the channel's id, for a link."""

    def __init__(self, message: str, channel: str) -> None:
        super().__init__(message)
        self.channel = channel


def is_member(client: WebClient, channel: str, user: str) -> bool:
    """Whether `user` is in `channel`; raises NotAMember when Slack will not say."""
    cursor = None
    try:
        while True:
            page = client.conversations_members(channel=channel, cursor=cursor, limit=PAGE)
            if user in page.get("members", []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
    except SlackApiError as error:
        reason = error.response.get("error", "unknown_error")
        if reason in ("channel_not_found", "not_in_channel"):
            raise NotAMember(
                "I cannot see who is in this channel: invite me there first (/invite @Parity).",
                channel,
            ) from None
        if reason == "missing_scope":
            raise NotAMember(
                "I may not read channel members: my Slack app needs the channels:read and "
                "groups:read scopes (an admin can add them and reinstall).",
                channel,
            ) from None
        raise


def require_member(client: WebClient, channel: str, user: str, what: str) -> None:
    """Refuse (NotAMember) unless `user` is in `channel`; `what` names the change."""
    if not is_member(client, channel, user):
        raise NotAMember(f"only its members can change {what}: join it first.", channel)
