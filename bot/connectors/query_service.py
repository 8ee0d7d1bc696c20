"""AEP Query Service: AJO's own datasets counted per journey and day, over the PostgreSQL wire.

Query Service speaks the PostgreSQL protocol: SQLAlchemy and psycopg connect to
`<org>.platform-query.adobe.io`, port 80, database `<sandbox>:all`, sslmode=require, with
the IMS org id as user and an access token as password. `?FLATTEN` is added to the
database name: Query Service then shows every nested XDM field as a column named after its
path ("_experience.customerJourneyManagement.messageDeliveryfeedback.feedbackStatus"),
quoted in SQL. The test tables are made the same way, so the query below is the one that
runs in production.

Counted (adobe-data.md §3, §10): from the message feedback dataset, sends ('sent'), retries
('delay'), bounces ('bounce', 'denylist', 'out_of_band'), errors ('error') and exclusions
('exclude'); from the email tracking dataset, opens, clicks, unsubscribes and spam
complaints; per journey version and hour. Journey names come from the entity dataset, which
has two rows per publication: one name per version is kept. Hours are turned into days in
PARITY_TIMEZONE here, as Query Service's own session time zone is not documented.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.connectors.ims import ImsToken, missing_credentials
from bot.errors import ConfigError, PullFailed
from bot.ingest import records
from bot.ingest.values import utc_naive
from bot.store import SnapshotReport, Store

log = logging.getLogger(__name__)

# Datasets as Query Service names them, and the XDM paths of the fields read.
FEEDBACK_TABLE = "ajo_message_feedback_event_dataset"
TRACKING_TABLE = "ajo_email_tracking_experience_event_dataset"
ENTITY_TABLE = "ajo_entity_dataset"
_CJM = "_experience.customerJourneyManagement"
FEEDBACK_STATUS = f"{_CJM}.messageDeliveryfeedback.feedbackStatus"
INTERACTION_TYPE = f"{_CJM}.messageInteraction.interactionType"
EVENT_JOURNEY_VERSION = f"{_CJM}.messageExecution.journeyVersionID"
ENTITY_JOURNEY_VERSION = f"{_CJM}.entities.journey.journeyVersionID"
ENTITY_JOURNEY_ID = f"{_CJM}.entities.journey.journeyID"
ENTITY_JOURNEY_NAME = f"{_CJM}.entities.journey.journeyName"

# Counted columns, in the order the query returns them.
METRIC_COLUMNS = (
    "sent", "retries", "bounces", "errors", "excluded",
    "opens", "clicks", "unsubscribes", "spam_complaints",
)  # fmt: skip

DAILY_COUNTS_SQL = f"""
WITH journeys AS (
    SELECT "{ENTITY_JOURNEY_VERSION}" AS version_id,
           MAX("{ENTITY_JOURNEY_ID}") AS journey_id,
           MAX("{ENTITY_JOURNEY_NAME}") AS journey_name
    FROM {ENTITY_TABLE}
    WHERE "{ENTITY_JOURNEY_VERSION}" IS NOT NULL
    GROUP BY "{ENTITY_JOURNEY_VERSION}"
),
counts AS (
    SELECT date_trunc('hour', timestamp) AS hour,
           "{EVENT_JOURNEY_VERSION}" AS version_id,
           SUM(CASE WHEN "{FEEDBACK_STATUS}" = 'sent' THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN "{FEEDBACK_STATUS}" = 'delay' THEN 1 ELSE 0 END) AS retries,
           SUM(CASE WHEN "{FEEDBACK_STATUS}" IN ('bounce', 'denylist', 'out_of_band')
                    THEN 1 ELSE 0 END) AS bounces,
           SUM(CASE WHEN "{FEEDBACK_STATUS}" = 'error' THEN 1 ELSE 0 END) AS errors,
           SUM(CASE WHEN "{FEEDBACK_STATUS}" = 'exclude' THEN 1 ELSE 0 END) AS excluded,
           0 AS opens, 0 AS clicks, 0 AS unsubscribes, 0 AS spam_complaints
    FROM {FEEDBACK_TABLE}
    WHERE timestamp >= :start AND timestamp < :end
      AND "{EVENT_JOURNEY_VERSION}" IS NOT NULL
    GROUP BY date_trunc('hour', timestamp), "{EVENT_JOURNEY_VERSION}"
    UNION ALL
    SELECT date_trunc('hour', timestamp) AS hour,
           "{EVENT_JOURNEY_VERSION}" AS version_id,
           0, 0, 0, 0, 0,
           SUM(CASE WHEN "{INTERACTION_TYPE}" = 'open' THEN 1 ELSE 0 END),
           SUM(CASE WHEN "{INTERACTION_TYPE}" = 'click' THEN 1 ELSE 0 END),
           SUM(CASE WHEN "{INTERACTION_TYPE}" = 'unsubscribe' THEN 1 ELSE 0 END),
           SUM(CASE WHEN "{INTERACTION_TYPE}" = 'spam_complaint' THEN 1 ELSE 0 END)
    FROM {TRACKING_TABLE}
    WHERE timestamp >= :start AND timestamp < :end
      AND "{EVENT_JOURNEY_VERSION}" IS NOT NULL
    GROUP BY date_trunc('hour', timestamp), "{EVENT_JOURNEY_VERSION}"
)
SELECT c.hour, c.version_id, j.journey_id, j.journey_name,
       {", ".join(f"SUM(c.{m}) AS {m}" for m in METRIC_COLUMNS)}
FROM counts c
LEFT JOIN journeys j ON j.version_id = c.version_id
GROUP BY c.hour, c.version_id, j.journey_id, j.journey_name
ORDER BY c.hour, c.version_id
"""


def connection_url(settings: Settings, password: Callable[[], str]) -> URL | str:
    """AEP_QS_URL as given, else the documented parts (the password asked for last)."""
    if settings.aep_qs_url:
        url = settings.aep_qs_url
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if "+" not in url else url
    database = settings.aep_qs_database or ""
    if "?" not in database:
        database += "?FLATTEN"
    return URL.create(
        "postgresql+psycopg",
        username=settings.aep_qs_user or settings.adobe_org_id,
        password=password(),
        host=settings.aep_qs_host,
        port=settings.aep_qs_port,
        database=database,
        # PostgreSQL 12+ clients must not try GSS encryption with Query Service.
        query={"sslmode": "require", "gssencmode": "disable"},
    )


def missing_configuration(settings: Settings) -> list[str]:
    if settings.aep_qs_url:
        return []
    missing = [n for n, v in (("AEP_QS_HOST", settings.aep_qs_host),
                              ("AEP_QS_DATABASE", settings.aep_qs_database)) if not v]  # fmt: skip
    if not (settings.aep_qs_user or settings.adobe_org_id):
        missing.append("AEP_QS_USER (or ADOBE_ORG_ID)")
    if not settings.aep_qs_password:
        missing += [f"{name} (or AEP_QS_PASSWORD)" for name in missing_credentials(settings)]
    return missing


def engine_for(settings: Settings) -> Engine:
    """An engine for one pull: no pool, no transaction, parameters bound by the client."""
    missing = missing_configuration(settings)
    if missing:
        raise ConfigError(f"Missing configuration for Query Service: {', '.join(missing)}")

    def password() -> str:
        return settings.aep_qs_password or ImsToken(settings).get()

    return create_engine(
        connection_url(settings, password),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        # Client-side binding and no prepared statements: plain SQL text on the wire.
        connect_args={"cursor_factory": psycopg.ClientCursor, "prepare_threshold": None},
    )


def _utc_bounds(since: date, until: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Midnight starting `since` and midnight ending `until`, in `zone`, as naive UTC."""
    start = datetime.combine(since, time(), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(until + timedelta(days=1), time(), zone)
    return start, end.astimezone(UTC).replace(tzinfo=None)


def daily_counts(engine: Engine, since: date, until: date, timezone: str) -> pd.DataFrame:
    """One row per (journey version, day in `timezone`), with the counts, via DAILY_COUNTS_SQL."""
    zone = ZoneInfo(timezone)
    start, end = _utc_bounds(since, until, zone)
    try:
        with engine.connect() as conn:
            result = conn.execute(text(DAILY_COUNTS_SQL), {"start": start, "end": end})
            hourly = pd.DataFrame(result.all(), columns=list(result.keys()))
    except Exception as error:  # the driver's errors: connection, permissions, missing tables
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise PullFailed(f"Query Service: {reason}") from None
    if hourly.empty:
        return hourly
    # SUMs come back as numeric (Decimal) on PostgreSQL, bigint elsewhere: counts either way.
    hourly[list(METRIC_COLUMNS)] = hourly[list(METRIC_COLUMNS)].astype("int64")
    hours = pd.to_datetime(hourly["hour"]).dt.tz_localize("UTC").dt.tz_convert(zone)
    hourly["day"] = hours.dt.tz_localize(None).dt.normalize()
    keys = ["version_id", "journey_id", "journey_name", "day"]
    hourly[keys[:3]] = hourly[keys[:3]].astype(object).where(hourly[keys[:3]].notna(), None)
    return hourly.groupby(keys, dropna=False, sort=True)[list(METRIC_COLUMNS)].sum().reset_index()


def pull_query_service(
    settings: Settings,
    store: Store,
    since: date,
    until: date,
    now: datetime,
    *,
    notes: list[str] | None = None,
    engine: Engine | None = None,
) -> list[SnapshotReport]:
    """Count AJO's datasets for `since`..`until` and store them as one AJO snapshot."""
    notes = [] if notes is None else notes
    engine = engine or engine_for(settings)
    try:
        daily = daily_counts(engine, since, until, settings.timezone)
    finally:
        engine.dispose()
    if daily.empty:
        notes.append(f"no journey events in Query Service from {since} to {until}")
        return []
    nameless = daily["journey_name"].isna()
    if nameless.any():
        versions = sorted(daily.loc[nameless, "version_id"].unique())
        notes.append(
            f"left out events of {len(versions)} journey version(s) with no name in "
            f"{ENTITY_TABLE} (it lags publication by about 30 minutes): {', '.join(versions)}"
        )
        daily = daily[~nameless]
    # Versions of one journey add up: the journey is what both products report on.
    daily = daily.groupby(["journey_name", "journey_id", "day"], dropna=False).sum(
        numeric_only=True
    )
    long = daily[list(METRIC_COLUMNS)].stack().reset_index()
    long.columns = ["journey", "journey_id", "day", "metric", "value"]
    frame = records.frame(
        source="ajo",
        captured_at=utc_naive(now),
        journey=long["journey"].to_numpy(),
        journey_id=long["journey_id"].fillna("").to_numpy(),
        day=long["day"].to_numpy(dtype="datetime64[us]"),
        metric=long["metric"].to_numpy(),
        value=long["value"].to_numpy(dtype=np.int64),
        describe=lambda i: f"journey '{long['journey'].iloc[i]}' on {long['day'].iloc[i]:%Y-%m-%d}",
    )
    for note in notes:
        log.warning("Query Service pull: %s", note)
    return store.save(frame, origin="AEP Query Service (AJO datasets)")


pull_ajo = pull_query_service  # the name PARITY_PULLS schedules it by ("ajo=30 5 * * *")
