"""Settings from the environment, read and validated once at start-up.

Every missing or invalid variable is named in one error, so a deploy fails with the whole
list instead of one problem at a time. The object is passed in, never imported as a global;
tests build it directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.errors import ConfigError
from bot.ingest import limits as input_limits
from bot.metrics import METRICS
from bot.timing import Clock

DEFAULT_DATABASE_URL = "sqlite:///parity.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Calendar in which days are counted and "today" is decided (an IANA name).
    timezone: str = "UTC"
    # Pin "today" (tests, demos, replays); None means the real date in `timezone`.
    today_override: date | None = None
    # How 03/04/2026 is read: "dmy", "mdy", or None to ask back when both fit.
    date_order: str | None = None
    # Days at the end of a range that are still being processed (1 = today only).
    lag_days: int = 1
    # AJO retries a soft-bounced email for up to 3.5 days; Adobe advises a week of margin.
    retry_window_days: int = 7
    # Residuals within this share of the volume are the two data sources' normal difference.
    tolerance_pct: float = 2.0
    tolerance_by_metric: Mapping[str, float] = field(default_factory=dict)
    # A day's value has settled once later snapshots move it by less than this share (%): a
    # quarter of the 1-2 % Adobe calls a normal difference between the products. One
    # threshold for the lag step's days and the safe range's (bot.reconcile.settled).
    settle_change_pct: float = 0.5
    # How far back snapshot history is read to learn how long values take to settle.
    history_days: int = 60

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
    # Log lines as plain text ("text") or one JSON object per line ("json").
    log_format: str = "text"
    # Who may load files from Slack; both empty means workspace admins and owners only.
    ingest_channels: frozenset[str] = frozenset()
    ingest_users: frozenset[str] = frozenset()
    # How much of a file is read (PARITY_MAX_FILE_MB, _PAGES, _ROWS...; docs/inputs.md).
    limits: input_limits.Limits = field(default_factory=input_limits.Limits)

    # The clock (python -m bot clock): how often it re-reads schedules, retries failed runs
    # and writes its heartbeat; status calls it stale after three missed beats.
    clock_sync_seconds: int = 60
    # A run late by up to this much (the clock was down) still happens, once; later, it is
    # recorded as skipped. Posting Monday's digest on Tuesday would only confuse.
    misfire_grace_seconds: int = 3600
    # Attempts at a scheduled run (a digest post, a pull) before the failure is recorded.
    job_attempts: int = 3
    # Warn (digest, status) when a source has had no snapshot for longer than this.
    snapshot_max_age_hours: int = 48
    # Snapshot pulls the clock runs: connector name -> crontab in `timezone`.
    pulls: Mapping[str, str] = field(default_factory=dict)
    # Days back (today included) each pull fetches: re-reading recent days is how Parity
    # learns how long each source takes to settle.
    pull_days: int = 14

    # Adobe Developer Console, OAuth Server-to-Server credential (the CJA and AEP pulls).
    adobe_client_id: str | None = None
    adobe_client_secret: str | None = field(default=None, repr=False)
    adobe_scopes: tuple[str, ...] = ()
    adobe_org_id: str | None = None
    adobe_ims_url: str = "https://ims-na1.adobelogin.com/ims/token/v3"
    # CJA Reporting API: base URL, data view, canonical metric -> CJA metric id, the
    # dimension naming journeys, and the journeys to pull (empty: every journey with data).
    cja_api_url: str = "https://cja.adobe.io"
    cja_data_view: str | None = None
    cja_metrics: Mapping[str, str] = field(default_factory=dict)
    cja_journey_dimension: str = (
        "variables/_experience.customerJourneyManagement.entities.journey.journeyName"
    )
    cja_journeys: tuple[str, ...] = ()
    # AEP Query Service (PostgreSQL protocol). The password is the IMS access token unless
    # one is given (an expiring credential from Queries > Credentials). AEP_QS_URL, a whole
    # SQLAlchemy URL, replaces the parts (tests, proxies).
    aep_qs_host: str | None = None
    aep_qs_port: int = 80
    aep_qs_database: str | None = None
    aep_qs_user: str | None = None
    aep_qs_password: str | None = field(default=None, repr=False)
    aep_qs_url: str | None = field(default=None, repr=False)

    def cja_metric_ids(self) -> dict[str, str]:
        """CJA metric id -> canonical metric: how saved Reporting API answers are read."""
        return {metric_id: metric for metric, metric_id in self.cja_metrics.items()}

    def clock(self) -> Clock:
        """The clock these settings describe: the reporting time zone, today if pinned."""
        return Clock(self.timezone, self.today_override)

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


def _pulls(raw: str) -> dict[str, str]:
    """Parse "cja=0 */6 * * *; ajo=30 5 * * *" into {name: crontab}, checking each crontab."""
    result: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        name, sep, crontab = part.partition("=")
        name, crontab = name.strip(), " ".join(crontab.split())
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"'{part}' is not NAME=CRONTAB (NAME such as cja)")
        try:
            CronTrigger.from_crontab(crontab, timezone="UTC")
        except ValueError as error:
            raise ValueError(f"'{crontab}' is not a crontab for {name}: {error}") from None
        result[name] = crontab
    return result


def _url(raw: str) -> str:
    if not re.fullmatch(r"https?://\S+", raw):
        raise ValueError("must be an http:// or https:// URL")
    return raw.rstrip("/")


def _names(raw: str) -> tuple[str, ...]:
    """Parse "openid, AdobeID" (commas) into a tuple of names."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _journeys(raw: str) -> tuple[str, ...]:
    """Parse "Welcome Series; Black Friday, US" (semicolons: names may hold commas)."""
    return tuple(part.strip() for part in raw.split(";") if part.strip())


def _date_order(raw: str) -> str | None:
    value = raw.strip().lower()
    if value not in ("dmy", "mdy", ""):
        raise ValueError("must be dmy (20/11/2026) or mdy (11/20/2026)")
    return value or None


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("text", "json"):
        raise ValueError("must be text or json")
    return value


def _cja_metrics(raw: str) -> dict[str, str]:
    """Parse "sent=metrics/sends_ajo,bounces=metrics/bounces" into {metric: CJA metric id}."""
    result: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        metric, sep, metric_id = (piece.strip() for piece in part.partition("="))
        if not sep or metric not in METRICS or not metric_id:
            raise ValueError(f"'{part}' is not METRIC=CJA_METRIC_ID with a known metric")
        result[metric] = metric_id
    return result


# variable -> (Settings field, parser)
_VARIABLES = {
    "DATABASE_URL": ("database_url", str),
    "PARITY_TIMEZONE": ("timezone", _timezone),
    "PARITY_TODAY": ("today_override", date.fromisoformat),
    "PARITY_DATE_ORDER": ("date_order", _date_order),
    "PARITY_LAG_DAYS": ("lag_days", _positive_int),
    "PARITY_RETRY_WINDOW_DAYS": ("retry_window_days", _positive_int),
    "PARITY_TOLERANCE_PCT": ("tolerance_pct", _percentage),
    "PARITY_TOLERANCES": ("tolerance_by_metric", _tolerances),
    "PARITY_SETTLE_CHANGE_PCT": ("settle_change_pct", _percentage),
    "PARITY_HISTORY_DAYS": ("history_days", _positive_int),
    "SLACK_BOT_TOKEN": ("slack_bot_token", str),
    "SLACK_SIGNING_SECRET": ("slack_signing_secret", str),
    "SLACK_APP_TOKEN": ("slack_app_token", str),
    "SLACK_API_URL": ("slack_api_url", str),
    "PORT": ("port", _positive_int),
    "PARITY_WORKERS": ("workers", _positive_int),
    "PARITY_WORKING_NOTICE_SECONDS": ("working_notice_seconds", _seconds),
    "PARITY_LOG_FORMAT": ("log_format", _log_format),
    "PARITY_INGEST_CHANNELS": ("ingest_channels", _id_list),
    "PARITY_INGEST_USERS": ("ingest_users", _id_list),
    "PARITY_CLOCK_SYNC_SECONDS": ("clock_sync_seconds", _positive_int),
    "PARITY_MISFIRE_GRACE_SECONDS": ("misfire_grace_seconds", _positive_int),
    "PARITY_JOB_ATTEMPTS": ("job_attempts", _positive_int),
    "PARITY_SNAPSHOT_MAX_AGE_HOURS": ("snapshot_max_age_hours", _positive_int),
    "PARITY_PULLS": ("pulls", _pulls),
    "PARITY_PULL_DAYS": ("pull_days", _positive_int),
    "ADOBE_CLIENT_ID": ("adobe_client_id", str),
    "ADOBE_CLIENT_SECRET": ("adobe_client_secret", str),
    "ADOBE_SCOPES": ("adobe_scopes", _names),
    "ADOBE_ORG_ID": ("adobe_org_id", str),
    "ADOBE_IMS_URL": ("adobe_ims_url", _url),
    "CJA_API_URL": ("cja_api_url", _url),
    "CJA_DATA_VIEW": ("cja_data_view", str),
    "CJA_METRICS": ("cja_metrics", _cja_metrics),
    "CJA_JOURNEY_DIMENSION": ("cja_journey_dimension", str),
    "CJA_JOURNEYS": ("cja_journeys", _journeys),
    "AEP_QS_HOST": ("aep_qs_host", str),
    "AEP_QS_PORT": ("aep_qs_port", _positive_int),
    "AEP_QS_DATABASE": ("aep_qs_database", str),
    "AEP_QS_USER": ("aep_qs_user", str),
    "AEP_QS_PASSWORD": ("aep_qs_password", str),
    "AEP_QS_URL": ("aep_qs_url", str),
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
    caps = {}
    for variable, name in input_limits.VARIABLES.items():
        raw = env.get(variable, "").strip()
        try:
            if raw:
                caps[name] = _positive_int(raw)
        except ValueError as error:
            problems.append(f"{variable}={raw!r}: {error}")
    if caps:
        values["limits"] = input_limits.Limits(**caps)
    if problems:
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(problems))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
