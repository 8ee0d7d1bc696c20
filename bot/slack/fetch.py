"""Downloading a file shared in Slack: from Slack's file hosts over HTTPS, nowhere else.

The download carries the bot token, so the address a file event names is checked before
anything is sent: HTTPS to a Slack file host (files.slack.com, or the host of a
configured SLACK_API_URL stand-in with its own scheme, which already receives the token).
A redirect is followed only to that same host; file://, ftp:// and data: are never opened
(the opener has no handler for them).
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

from bot.errors import BadInput

# Slack serves private files from files.slack.com (and, for some workspaces, other
# subdomains); slack-files.com hosts public file links.
SLACK_FILE_DOMAINS = ("slack.com", "slack-files.com")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def is_slack_file_url(url: str, api_url: str) -> bool:
    """Whether the bot token may be sent to `url`."""
    scheme, host, port = _origin(url)
    if port == -1 or not host:
        return False
    if scheme == "https" and any(host == d or host.endswith("." + d) for d in SLACK_FILE_DOMAINS):
        return True
    return (scheme, host, port) == _origin(api_url) and scheme in ("http", "https")


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the host it was sent to, with the same scheme."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            raise BadInput(
                f"Slack sent the file on to another address ({_origin(newurl)[1] or newurl}); "
                "I only download files from Slack itself"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        _SameHostRedirects(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.HTTPDefaultErrorHandler(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(url: str, token: str, api_url: str, max_bytes: int, timeout: float = 60) -> bytes:
    """At most `max_bytes` + 1 bytes of the file at `url` (the caller refuses more)."""
    if not is_slack_file_url(url, api_url):
        raise BadInput("the file's address is not one of Slack's; I only download from Slack")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with _opener().open(request, timeout=timeout) as response:
        return response.read(max_bytes + 1)
