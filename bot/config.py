"""Settings from the environment, read and validated once at start-up.

Every missing or invalid variable is named in one error, so a deploy fails with the whole
list instead of one problem at a time. The object is passed in, never imported as a global;
tests build it directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.metrics import METRICS

DEFAULT_DATABASE_URL = "sqlite:///parity.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Calendar in which days are counted and "today" is decided (an IANA name).
    timezone: str = "UTC"
    # Pin "today" (tests, demos, replays); None means the real date in `timezone`.
    today_override: date | None = None
    # Days at the end of a range that are still being processed (1 = today only).
    lag_days: int = 1
    # AJO retries a soft-bounced email for up to 3.5 days; Adobe advises a week of margin.
    retry_window_days: int = 7
    # Residuals within this share of the volume are the two data sources' normal difference.
    tolerance_pct: float = 2.0
    tolerance_by_metric: Mapping[str, float] = field(default_factory=dict)

    # Slack. Secrets are kept out of repr() so they never reach a log line.
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    # The Web API base URL: a corporate proxy, or a local stand-in in tests.
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    # Answers computed at once per process; more wait in line (acks never do).
    workers: int = 8
    # Post "working on it" when an answer takes longer than this, then update it in place.
    working_notice_seconds: float = 1.5
    # Who may ingest files from Slack; empty means anyone in a channel Parity is in.
    ingest_channels: frozenset[str] = frozenset()
    ingest_users: frozenset[str] = frozenset()

    def today(self) -> date:
        """Today in the reporting time zone, unless pinned."""
        if self.today_override is not None:
            return self.today_override
        return datetime.now(ZoneInfo(self.timezone)).date()

    def tolerance_for(self, metric: str) -> float:
        """The tolerance (a percentage) for one metric."""
        return self.tolerance_by_metric.get(metric, self.tolerance_pct)


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _percentage(raw: str) -> float:
    value = float(raw)
    if not 0 <= value <= 100:
        raise ValueError("must be between 0 and 100")
    return value


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone name such as Europe/Berlin") from None
    return raw


def _id_list(raw: str) -> frozenset[str]:
    """Parse "C123, C456" into a set of Slack ids."""
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _seconds(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _tolerances(raw: str) -> dict[str, float]:
    """Parse "sent=2,opens=5" into {"sent": 2.0, "opens": 5.0}."""
    result: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        metric, sep, value = part.partition("=")
        metric = metric.strip()
        if not sep or metric not in METRICS:
            raise ValueError(f"'{part}' is not METRIC=PERCENT with a known metric")
        result[metric] = _percentage(value)
    return result


# variable -> (Settings field, parser)
_VARIABLES = {
    "DATABASE_URL": ("database_url", str),
    "PARITY_TIMEZONE": ("timezone", _timezone),
    "PARITY_TODAY": ("today_override", date.fromisoformat),
    "PARITY_LAG_DAYS": ("lag_days", _positive_int),
    "PARITY_RETRY_WINDOW_DAYS": ("retry_window_days", _positive_int),
    "PARITY_TOLERANCE_PCT": ("tolerance_pct", _percentage),
    "PARITY_TOLERANCES": ("tolerance_by_metric", _tolerances),
    "SLACK_BOT_TOKEN": ("slack_bot_token", str),
    "SLACK_SIGNING_SECRET": ("slack_signing_secret", str),
    "SLACK_APP_TOKEN": ("slack_app_token", str),
    "SLACK_API_URL": ("slack_api_url", str),
    "PORT": ("port", _positive_int),
    "PARITY_WORKERS": ("workers", _positive_int),
    "PARITY_WORKING_NOTICE_SECONDS": ("working_notice_seconds", _seconds),
    "PARITY_INGEST_CHANNELS": ("ingest_channels", _id_list),
    "PARITY_INGEST_USERS": ("ingest_users", _id_list),
}


def check_slack(settings: Settings, socket_mode: bool) -> None:
    """Name every Slack variable the chosen mode needs and lacks."""
    needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if socket_mode:
        needed["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    missing = [name for name, value in needed.items() if not value]
    if missing:
        mode = "Socket Mode" if socket_mode else "HTTP mode"
        raise ConfigError(f"Missing configuration for {mode}: {', '.join(missing)}")


def load_settings(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Build Settings from `env` (default: os.environ); raise ConfigError naming every bad one."""
    env = os.environ if env is None else env
    values: dict = {}
    problems: list[str] = []
    for variable, (name, parse) in _VARIABLES.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as error:
            problems.append(f"{variable}={raw!r}: {error}")
    if problems:
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(problems))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
