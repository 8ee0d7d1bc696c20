"""Web API clients that retry what is worth retrying: connection errors, 429 and 5xx.

A 429 waits for its Retry-After; the others back off, up to 10 s between tries. Slack
refusing a call (ok: false, such as not_in_channel) is not retried: it would refuse again.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.jitter import RandomJitter
from slack_sdk.webhook import WebhookClient

from bot.config import Settings
from bot.ops import telemetry


def _counted(handler: type, reason: str) -> type:
    """A retry handler that counts each retry it decides (parity_slack_api_retries_total)."""

    def prepare_for_next_attempt(self, **kwargs) -> None:
        telemetry.SLACK_RETRIES.labels(reason).inc()
        handler.prepare_for_next_attempt(self, **kwargs)

    return type(
        handler.__name__, (handler,), {"prepare_for_next_attempt": prepare_for_next_attempt}
    )


_CONNECTION = _counted(ConnectionErrorRetryHandler, "connection")
_RATE_LIMIT = _counted(RateLimitErrorRetryHandler, "rate_limited")
_SERVER_ERROR = _counted(ServerErrorRetryHandler, "server_error")


class CappedBackoff(RetryIntervalCalculator):
    """0.5, 1, 2, 4, 8 s, then every 10 s, each with jitter (so processes spread out)."""

    def __init__(self, first: float = 0.5, cap: float = 10.0) -> None:
        self.first, self.cap = first, cap
        self.jitter = RandomJitter()

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return self.jitter.recalculate(min(self.first * 2 ** min(current_attempt, 16), self.cap))


# Retries of one call, across all three handlers (slack_sdk counts them together): enough
# to ride out Slack answering 429 or 5xx, or not answering, for a couple of minutes
# (CappedBackoff: about 125 s in all). A reply, unlike a digest, has no later run to retry it.
MAX_RETRIES = 16


def retry_handlers() -> list:
    # RateLimitErrorRetryHandler waits for Retry-After before trying again.
    backoff = CappedBackoff()
    return [
        _CONNECTION(max_retry_count=MAX_RETRIES, interval_calculator=backoff),
        _RATE_LIMIT(max_retry_count=MAX_RETRIES),
        _SERVER_ERROR(max_retry_count=MAX_RETRIES, interval_calculator=backoff),
    ]


class CountingClient(WebClient):
    """A WebClient that counts the calls that failed after their retries, by method and
    Slack's error code (parity_slack_api_errors_total)."""

    def api_call(self, api_method: str, **kwargs):
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            reason = error.response.get("error", "unknown_error")
            telemetry.SLACK_ERRORS.labels(api_method, reason).inc()
            raise
        except Exception as error:
            telemetry.SLACK_ERRORS.labels(api_method, type(error).__name__).inc()
            raise


def make_client(settings: Settings) -> WebClient:
    base_url = settings.slack_api_url
    if not base_url.endswith("/"):
        base_url += "/"
    return CountingClient(
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
