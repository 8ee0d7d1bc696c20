"""Web API clients that retry what is worth retrying: connection errors, 429 and 5xx."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.config import Settings


def retry_handlers() -> list:
    # RateLimitErrorRetryHandler waits for Retry-After before trying again.
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_client(settings: Settings) -> WebClient:
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=15,
        retry_handlers=retry_handlers(),
    )


def webhook(url: str) -> WebhookClient:
    """A client for a response_url (slash commands, buttons on ephemeral messages)."""
    return WebhookClient(url, timeout=15, retry_handlers=retry_handlers())


def describe_error(error: Exception) -> str:
    """A failed call in a line: Slack's own error code when Slack refused."""
    if isinstance(error, SlackApiError):
        return f"Slack refused: {error.response.get('error', 'unknown_error')}"
    return f"{type(error).__name__}: {error}"
