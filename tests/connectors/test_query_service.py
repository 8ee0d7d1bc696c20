"""The Query Service pull, running its real SQL on PostgreSQL tables shaped like AJO's datasets.

The tables have the columns Query Service shows with ?FLATTEN (one per XDM leaf, named after
its path), so DAILY_COUNTS_SQL runs here exactly as it does against Adobe.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text

from bot.config import Settings
from bot.connectors import query_service as qs
from bot.errors import ConfigError, PullFailed
from bot.store import Store

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
SINCE, UNTIL = date(2026, 11, 27), date(2026, 11, 29)
CJM = "_experience.customerJourneyManagement"

TABLES = {
    qs.FEEDBACK_TABLE: [
        f"{CJM}.messageExecution.journeyVersionID", f"{CJM}.messageExecution.messageID",
        f"{CJM}.messageDeliveryfeedback.feedbackStatus",
        f"{CJM}.messageDeliveryfeedback.messageFailure.type",
        f"{CJM}.messageProfile.channel._id",
    ],
    qs.TRACKING_TABLE: [
        f"{CJM}.messageExecution.journeyVersionID", f"{CJM}.messageExecution.messageID",
        f"{CJM}.messageInteraction.interactionType",
    ],
    qs.ENTITY_TABLE: [
        f"{CJM}.entities.journey.journeyID", f"{CJM}.entities.journey.journeyName",
        f"{CJM}.entities.journey.journeyVersionID", f"{CJM}.entities.channelDetails.messageID",
    ],
}  # fmt: skip

# (timestamp in UTC, journey version, status, how many)
FEEDBACK = [
    ("2026-11-27 10:00", "v1", "sent", 3), ("2026-11-27 10:05", "v1", "delay", 1),
    ("2026-11-27 10:10", "v1", "bounce", 1), ("2026-11-27 10:10", "v1", "denylist", 1),
    ("2026-11-27 10:15", "v1", "error", 1), ("2026-11-27 10:20", "v1", "exclude", 2),
    ("2026-11-27 10:25", "v1", "duplicate", 1),
    ("2026-11-28 03:00", "v2", "sent", 1),  # Nov 27 in New York
    ("2026-11-28 12:00", "v3", "sent", 2), ("2026-11-28 13:00", "v3", "out_of_band", 1),
    ("2026-11-28 12:00", "v9", "sent", 4),  # a version the entity dataset does not name yet
    ("2026-11-30 01:00", "v3", "sent", 5),  # Nov 30 in UTC, Nov 29 in New York
    ("2026-11-28 12:00", None, "sent", 7),  # a campaign, not a journey
    ("2026-11-26 23:00", "v1", "sent", 6),  # before the range everywhere
]  # fmt: skip
TRACKING = [
    ("2026-11-27 11:00", "v1", "open", 2), ("2026-11-27 11:00", "v1", "click", 1),
    ("2026-11-27 11:30", "v1", "unsubscribe", 1), ("2026-11-27 12:00", "v1", "spam_complaint", 1),
    ("2026-11-27 12:00", "v1", "landing_page_view", 1),
    ("2026-11-29 09:00", "v3", "open", 1),
]  # fmt: skip
# Two entity rows per publication; versions 1 and 2 are one journey.
ENTITY = [
    ("j-1", "Welcome Series", "v1", "m-1"), ("j-1", "Welcome Series", "v1", "m-1"),
    ("j-1", "Welcome Series", "v2", "m-2"), ("j-1", "Welcome Series", "v2", "m-2"),
    ("j-3", "Black Friday, US", "v3", "m-3"), ("j-3", "Black Friday, US", "v3", "m-3"),
    (None, None, None, "m-campaign"),
]  # fmt: skip


@pytest.fixture
def datasets(postgres_url):
    """AJO's datasets as Query Service shows them with FLATTEN, in a fresh schema."""
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        for table, columns in TABLES.items():
            quoted = ", ".join(f'"{c}" text' for c in columns)
            conn.execute(text(f"CREATE TABLE {table} (_id text, timestamp timestamp, {quoted})"))
        for table, rows, field in (
            (qs.FEEDBACK_TABLE, FEEDBACK, f"{CJM}.messageDeliveryfeedback.feedbackStatus"),
            (qs.TRACKING_TABLE, TRACKING, f"{CJM}.messageInteraction.interactionType"),
        ):
            version = f"{CJM}.messageExecution.journeyVersionID"
            for at, journey_version, value, count in rows:
                for _ in range(count):
                    conn.execute(
                        text(f'INSERT INTO {table} (timestamp, "{version}", "{field}") '
                             "VALUES (:at, :v, :value)"),
                        {"at": at, "v": journey_version, "value": value},
                    )  # fmt: skip
        columns = ", ".join(f'"{name}"' for name in TABLES[qs.ENTITY_TABLE])
        for row in ENTITY:
            conn.execute(
                text(f"INSERT INTO {qs.ENTITY_TABLE} ({columns}) VALUES (:a, :b, :c, :d)"),
                dict(zip("abcd", row, strict=True)),
            )
    engine.dispose()
    return postgres_url


@pytest.fixture
def store(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'parity.db'}")
    yield store
    store.close()


def stored(store: Store) -> list[tuple]:
    names = store.journey_names()
    frame = store.comparison(SINCE, UNTIL)
    return sorted(
        (names[k], str(d.date()), m, v)
        for k, d, m, v in zip(frame["journey_key"], frame["day"], frame["metric"], frame["ajo"],
                              strict=True)
        if v
    )  # fmt: skip


def test_counts_per_journey_and_day_from_the_three_datasets(datasets, store):
    settings = Settings(aep_qs_url=datasets)
    notes: list[str] = []

    (report,) = qs.pull_query_service(settings, store, SINCE, UNTIL, NOW, notes=notes)

    assert (report.source, report.origin, report.captured_at) == (
        "ajo",
        "AEP Query Service (AJO datasets)",
        NOW,
    )
    assert report.journeys == ("Black Friday, US", "Welcome Series")
    assert report.rows == 36  # four journey-days, nine metrics each (zeros too)
    assert stored(store) == [
        ("Black Friday, US", "2026-11-28", "bounces", 1),
        ("Black Friday, US", "2026-11-28", "sent", 2),
        ("Black Friday, US", "2026-11-29", "opens", 1),
        ("Welcome Series", "2026-11-27", "bounces", 2),
        ("Welcome Series", "2026-11-27", "clicks", 1),
        ("Welcome Series", "2026-11-27", "errors", 1),
        ("Welcome Series", "2026-11-27", "excluded", 2),
        ("Welcome Series", "2026-11-27", "opens", 2),
        ("Welcome Series", "2026-11-27", "retries", 1),
        ("Welcome Series", "2026-11-27", "sent", 3),
        ("Welcome Series", "2026-11-27", "spam_complaints", 1),
        ("Welcome Series", "2026-11-27", "unsubscribes", 1),
        ("Welcome Series", "2026-11-28", "sent", 1),
    ]
    assert notes == [
        "left out events of 1 journey version(s) with no name in ajo_entity_dataset (it lags "
        "publication by about 30 minutes): v9"
    ]


def test_days_are_counted_in_the_reporting_time_zone(datasets, store):
    settings = Settings(aep_qs_url=datasets, timezone="America/New_York")

    qs.pull_query_service(settings, store, SINCE, UNTIL, NOW)

    assert [row for row in stored(store) if row[2] == "sent"] == [
        ("Black Friday, US", "2026-11-28", "sent", 2),
        ("Black Friday, US", "2026-11-29", "sent", 5),
        ("Welcome Series", "2026-11-27", "sent", 4),
    ]


def test_the_journey_id_comes_along(datasets, store):
    qs.pull_query_service(Settings(aep_qs_url=datasets), store, SINCE, UNTIL, NOW)

    with store.engine.connect() as conn:
        ids = conn.execute(text("SELECT name, external_id FROM journeys ORDER BY name")).all()
    assert [tuple(row) for row in ids] == [("Black Friday, US", "j-3"), ("Welcome Series", "j-1")]


def test_a_missing_dataset_fails_the_pull_plainly(postgres_url, store):
    with pytest.raises(PullFailed) as caught:
        qs.pull_query_service(Settings(aep_qs_url=postgres_url), store, SINCE, UNTIL, NOW)

    assert str(caught.value).startswith('Query Service: relation "ajo_entity_dataset" does not')


def test_the_connection_is_query_services_documented_one():
    settings = Settings(
        aep_qs_host="acme.platform-query.adobe.io",
        aep_qs_database="prod:all",
        adobe_org_id="ABC123@AdobeOrg",
    )

    url = qs.connection_url(settings, lambda: "an-ims-token")

    assert (url.host, url.port, url.database, url.username, url.password) == (
        "acme.platform-query.adobe.io", 80, "prod:all?FLATTEN", "ABC123@AdobeOrg", "an-ims-token"
    )  # fmt: skip
    assert dict(url.query) == {"sslmode": "require", "gssencmode": "disable"}


def test_missing_configuration_is_named_in_full():
    with pytest.raises(ConfigError) as caught:
        qs.engine_for(Settings())

    assert str(caught.value) == (
        "Missing configuration for Query Service: AEP_QS_HOST, AEP_QS_DATABASE, AEP_QS_USER "
        "(or ADOBE_ORG_ID), ADOBE_CLIENT_ID (or AEP_QS_PASSWORD), ADOBE_CLIENT_SECRET (or "
        "AEP_QS_PASSWORD), ADOBE_ORG_ID (or AEP_QS_PASSWORD), ADOBE_SCOPES (or AEP_QS_PASSWORD)"
    )
