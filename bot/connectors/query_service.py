"""AEP Query Service: AJO's own datasets counted per journey, channel and day, over the
PostgreSQL wire.

Query Service speaks the PostgreSQL protocol: SQLAlchemy and psycopg connect to
`<org>.platform-query.adobe.io`, port 80, database `<sandbox>:all`, sslmode=require, with
the IMS org id as user and an access token as password. `?FLATTEN` is added to the
database name: Query Service then shows every nested XDM field as a column named after its
path ("_experience.customerJourneyManagement.messageDeliveryfeedback.feedbackStatus"),
quoted in SQL. The test tables are made the same way, so the query that runs in
production is the one tested. What is counted and how days are cut: bot.connectors.ajo_datasets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.connectors.ajo_datasets import (
    ENTITY_TABLE,
    METRIC_COLUMNS,
    Datasets,
    channel_name,
    counts_sql,
    discover,
)
from bot.connectors.ims import ImsToken, missing_credentials
from bot.errors import ConfigError, PullFailed
from bot.ingest import records
from bot.ingest.values import utc_naive
from bot.store import Provenance, SnapshotReport, Store
from bot.store.hourly import PulledHours

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Counts:
    """What one Query Service read found: counts per journey version, channel and day in
    the target zone; per hour too when asked (the time-zone diagnosis reads the hours);
    and the datasets read."""

    daily: pd.DataFrame
    hourly: pd.DataFrame | None
    datasets: Datasets
    timezone: str


_KEYS = ["version_id", "journey_id", "journey_name", "channel"]


def count_events(
    engine: Engine, since: date, until: date, timezone: str, *, hourly: bool = False
) -> Counts:
    """Counts of AJO's events from `since` to `until`, days cut in `timezone` from each
    event's timestamp. `hourly` keeps the (UTC hour, local hour) rows the SQL groups by:
    columns utc_hour and local_hour (naive), the keys, and the counts."""
    start, end = _utc_bounds(since, until, ZoneInfo(timezone))
    try:
        with engine.connect() as conn:
            datasets = discover(conn)
            result = conn.execute(
                text(counts_sql(datasets)), {"start": start, "end": end, "zone": timezone}
            )
            rows = pd.DataFrame(result.all(), columns=list(result.keys()))
    except Exception as error:  # the driver's errors: connection, permissions, missing tables
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise PullFailed(f"Query Service: {reason}") from None
    if rows.empty:
        return Counts(rows, rows if hourly else None, datasets, timezone)
    # SUMs come back as numeric (Decimal) on PostgreSQL, bigint elsewhere: counts either way.
    rows[list(METRIC_COLUMNS)] = rows[list(METRIC_COLUMNS)].astype("int64")
    rows["channel"] = rows["channel"].map(channel_name)
    rows[_KEYS[:3]] = rows[_KEYS[:3]].astype(object).where(rows[_KEYS[:3]].notna(), None)
    for column in ("utc_hour", "local_hour"):
        rows[column] = pd.to_datetime(rows[column]).astype("datetime64[us]")
    rows["day"] = rows["local_hour"].dt.normalize()
    daily = rows.groupby([*_KEYS, "day"], dropna=False, sort=True)[list(METRIC_COLUMNS)].sum()
    return Counts(
        daily.reset_index(), rows.drop(columns="day") if hourly else None, datasets, timezone
    )


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
    """Count AJO's datasets for `since`..`until` and store them as one AJO snapshot, its
    days in PARITY_TIMEZONE (recorded with the snapshot), with the counts per UTC hour
    they were summed from (the time-zone diagnosis re-cuts them into a data view's days)."""
    notes = [] if notes is None else notes
    engine = engine or engine_for(settings)
    try:
        found = count_events(engine, since, until, settings.timezone, hourly=True)
    finally:
        engine.dispose()
    notes.extend(dataset_notes(found.datasets))
    daily = found.daily
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
    hours = _pulled_hours(found, since, until, settings.timezone)
    # Versions of one journey add up: the journey is what both products report on.
    daily = daily.groupby(["journey_name", "journey_id", "channel", "day"], dropna=False).sum(
        numeric_only=True
    )
    long = daily[list(METRIC_COLUMNS)].stack().reset_index()
    long.columns = ["journey", "journey_id", "channel", "day", "metric", "value"]
    frame = records.frame(
        source="ajo",
        captured_at=utc_naive(now),
        journey=long["journey"].to_numpy(),
        journey_id=long["journey_id"].fillna("").to_numpy(),
        channel=long["channel"].to_numpy(),
        day=long["day"].to_numpy(dtype="datetime64[us]"),
        metric=long["metric"].to_numpy(),
        value=long["value"].to_numpy(dtype=np.int64),
        describe=lambda i: f"journey '{long['journey'].iloc[i]}' on {long['day'].iloc[i]:%Y-%m-%d}",
    )
    for note in notes:
        log.warning("Query Service pull: %s", note)
    pulled = Provenance(
        pull="ajo",
        parameters={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "datasets": [found.datasets.feedback, found.datasets.tracking],
            "timezone": settings.timezone,
        },
    )
    return store.save(
        frame,
        origin=_origin(found.datasets),
        timezone=settings.timezone,
        source=pulled,
        hours=hours,
    )


def _pulled_hours(found: Counts, since: date, until: date, timezone: str) -> PulledHours:
    """The counts per journey, channel, metric and UTC hour (versions added up, as for
    days; versions without a name left out), and the UTC hours the pull counted."""
    first, end = _utc_bounds(since, until, ZoneInfo(timezone))
    rows = found.hourly.loc[found.hourly["journey_name"].notna()]
    if rows.empty:
        return PulledHours(rows.iloc[:0], first, end)
    summed = rows.groupby(["journey_name", "journey_id", "channel", "utc_hour"], dropna=False)[
        list(METRIC_COLUMNS)
    ].sum()
    long = summed.stack().reset_index()
    long.columns = ["journey", "journey_id", "channel", "utc_hour", "metric", "value"]
    long["journey_id"] = long["journey_id"].fillna("")
    return PulledHours(long.loc[long["value"] > 0].reset_index(drop=True), first, end)


def dataset_notes(datasets: Datasets) -> list[str]:
    """Which datasets were read when they are not the current ones, and what they lack."""
    notes = []
    older = datasets.older_names()
    if older:
        notes.append(
            f"read the older datasets {', '.join(older)} (the ajo_* ones are not in this sandbox)"
        )
    lacking = [
        table
        for table, has in ((datasets.feedback, datasets.feedback_test_flag),
                           (datasets.tracking, datasets.tracking_test_flag))
        if not has
    ]  # fmt: skip
    if lacking:
        notes.append(
            f"{', '.join(lacking)} has no isTestExecution field: test sends are counted too"
        )
    return notes


def _origin(datasets: Datasets) -> str:
    if datasets.older_names():
        return f"AEP Query Service ({datasets.feedback}, {datasets.tracking})"
    return "AEP Query Service (AJO datasets)"


pull_ajo = pull_query_service  # the name PARITY_PULLS schedules it by ("ajo=30 5 * * *")
