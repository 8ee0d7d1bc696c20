"""The Query Service pull, running its real SQL on PostgreSQL tables shaped like AJO's datasets.

The tables have the columns Query Service shows with ?FLATTEN (one per XDM leaf, named after
its path), so the counting SQL runs here exactly as it does against Adobe.
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

VERSION = f"{CJM}.messageExecution.journeyVersionID"
STATUS = f"{CJM}.messageDeliveryfeedback.feedbackStatus"
INTERACTION = f"{CJM}.messageInteraction.interactionType"
TEST_FLAG = f"{CJM}.messageProfile.isTestExecution"
CHANNEL = f"{CJM}.messageProfile.channel._id"
EMAIL, PUSH = "https://ns.adobe.com/xdm/channels/email", "https://ns.adobe.com/xdm/channels/push"

# Columns as Query Service shows them with ?FLATTEN; text unless typed here.
FEEDBACK_COLUMNS = [
    VERSION,
    f"{CJM}.messageExecution.messageID",
    STATUS,
    f"{CJM}.messageDeliveryfeedback.messageFailure.type",
    CHANNEL,
    TEST_FLAG,
]
TRACKING_COLUMNS = [VERSION, f"{CJM}.messageExecution.messageID", INTERACTION, CHANNEL, TEST_FLAG]
ENTITY_COLUMNS = [
    f"{CJM}.entities.journey.journeyID",
    f"{CJM}.entities.journey.journeyName",
    f"{CJM}.entities.journey.journeyVersionID",
    f"{CJM}.entities.channelDetails.messageID",
]
TYPES = {TEST_FLAG: "boolean"}

# (timestamp in UTC, journey version, status, how many[, channel, test execution])
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

# Spark SQL's from_utc_timestamp (a UTC timestamp shown in a zone), which Query Service
# runs, as PostgreSQL spells it: the SQL under test is then the production SQL.
FROM_UTC_TIMESTAMP = """
CREATE FUNCTION from_utc_timestamp(ts timestamp, zone text) RETURNS timestamp
AS $$ SELECT (ts AT TIME ZONE 'UTC') AT TIME ZONE zone $$ LANGUAGE SQL IMMUTABLE
"""


def make_datasets(
    url: str,
    feedback=FEEDBACK,
    tracking=TRACKING,
    entity=ENTITY,
    *,
    prefix: str = "ajo",
    test_flags: bool = True,
) -> str:
    """AJO's datasets as Query Service shows them with FLATTEN, in the test's own schema."""
    engine = create_engine(url)
    names = {
        "feedback": f"{prefix}_message_feedback_event_dataset",
        "tracking": f"{prefix}_email_tracking_experience_event_dataset",
    }
    with engine.begin() as conn:
        conn.execute(text(FROM_UTC_TIMESTAMP))
        for kind, field, columns, rows in (
            ("feedback", STATUS, FEEDBACK_COLUMNS, feedback),
            ("tracking", INTERACTION, TRACKING_COLUMNS, tracking),
        ):
            columns = [c for c in columns if test_flags or c != TEST_FLAG]
            typed = ", ".join(f'"{c}" {TYPES.get(c, "text")}' for c in columns)
            conn.execute(
                text(f"CREATE TABLE {names[kind]} (_id text, timestamp timestamp, {typed})")
            )
            for at, version, value, count, *more in rows:
                channel, test = [*more, None, None][:2]
                extra = {CHANNEL: channel} | ({TEST_FLAG: test} if test_flags else {})
                quoted = ", ".join(f'"{c}"' for c in (VERSION, field, *extra))
                marks = ", ".join(f":p{i}" for i in range(len(extra)))
                for _ in range(count):
                    conn.execute(
                        text(f"INSERT INTO {names[kind]} (timestamp, {quoted}) "
                             f"VALUES (:at, :v, :value{', ' if extra else ''}{marks})"),
                        {"at": at, "v": version, "value": value,
                         **{f"p{i}": x for i, x in enumerate(extra.values())}},
                    )  # fmt: skip
        typed = ", ".join(f'"{c}" text' for c in ENTITY_COLUMNS)
        conn.execute(text(f"CREATE TABLE {qs.ENTITY_TABLE} ({typed})"))
        columns = ", ".join(f'"{name}"' for name in ENTITY_COLUMNS)
        for row in entity:
            conn.execute(
                text(f"INSERT INTO {qs.ENTITY_TABLE} ({columns}) VALUES (:a, :b, :c, :d)"),
                dict(zip("abcd", row, strict=True)),
            )
    engine.dispose()
    return url


@pytest.fixture
def datasets(postgres_url):
    return make_datasets(postgres_url)


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


def counted(store: Store, since: date, until: date, metric: str = "sent") -> dict[str, int]:
    frame = store.comparison(since, until, [metric])
    return {str(d.date()): int(v) for d, v in zip(frame["day"], frame["ajo"], strict=True) if v}


def test_a_half_hour_zone_cuts_days_at_its_own_midnight(postgres_url, store):
    url = make_datasets(
        postgres_url,
        feedback=[
            ("2026-11-27 18:15", "v1", "sent", 2),  # 23:45 in Kolkata, Nov 27
            ("2026-11-27 18:45", "v1", "sent", 3),  # 00:15 in Kolkata, Nov 28: same UTC hour
            ("2026-11-28 18:29", "v1", "sent", 1),  # 23:59 in Kolkata, Nov 28
        ],
        tracking=[],
    )
    settings = Settings(aep_qs_url=url, timezone="Asia/Kolkata")

    (report,) = qs.pull_query_service(settings, store, SINCE, UNTIL, NOW)

    assert counted(store, SINCE, UNTIL) == {"2026-11-27": 2, "2026-11-28": 4}
    assert store.calendars("Asia/Kolkata").of("ajo").timezone == "Asia/Kolkata"
    assert report.days == 2


def test_a_daylight_saving_day_has_its_25_hours(postgres_url, store):
    # New York leaves daylight saving on Nov 1, 2026 at 06:00 UTC (02:00 EDT -> 01:00 EST).
    url = make_datasets(
        postgres_url,
        feedback=[
            ("2026-11-01 03:59", "v1", "sent", 1),  # 23:59 EDT, Oct 31
            ("2026-11-01 04:00", "v1", "sent", 2),  # 00:00 EDT, Nov 1
            ("2026-11-01 05:30", "v1", "sent", 4),  # 01:30 EDT
            ("2026-11-01 06:30", "v1", "sent", 8),  # 01:30 EST, the hour again
            ("2026-11-02 04:30", "v1", "sent", 16),  # 23:30 EST, Nov 1 (25 hours in)
            ("2026-11-02 05:00", "v1", "sent", 32),  # 00:00 EST, Nov 2
        ],
        tracking=[],
    )
    settings = Settings(aep_qs_url=url, timezone="America/New_York")

    qs.pull_query_service(settings, store, date(2026, 10, 31), date(2026, 11, 2), NOW)

    assert counted(store, date(2026, 10, 31), date(2026, 11, 2)) == {
        "2026-10-31": 1, "2026-11-01": 30, "2026-11-02": 32
    }  # fmt: skip


def test_test_executions_are_left_out_and_the_channel_carried(postgres_url, store):
    url = make_datasets(
        postgres_url,
        feedback=[
            ("2026-11-28 10:00", "v1", "sent", 5, EMAIL, False),
            ("2026-11-28 10:00", "v1", "sent", 2, EMAIL, True),  # test sends
            ("2026-11-28 10:00", "v1", "sent", 3, PUSH, None),  # not flagged: real
        ],
        tracking=[
            ("2026-11-28 11:00", "v1", "open", 4, EMAIL, False),
            ("2026-11-28 11:00", "v1", "open", 1, EMAIL, True),
        ],
    )

    qs.pull_query_service(Settings(aep_qs_url=url), store, SINCE, UNTIL, NOW)

    assert counted(store, SINCE, UNTIL) == {"2026-11-28": 8}
    assert counted(store, SINCE, UNTIL, "opens") == {"2026-11-28": 4}
    with store.engine.connect() as conn:
        channels = conn.execute(text("SELECT DISTINCT channel FROM series ORDER BY 1")).all()
    assert [c for (c,) in channels] == ["email", "push"]


def test_the_older_cjm_datasets_are_read_and_said(postgres_url, store):
    url = make_datasets(postgres_url, prefix="cjm", test_flags=False)
    notes: list[str] = []

    (report,) = qs.pull_query_service(Settings(aep_qs_url=url), store, SINCE, UNTIL, NOW,
                                      notes=notes)  # fmt: skip

    assert notes[:2] == [
        "read the older datasets cjm_message_feedback_event_dataset, "
        "cjm_email_tracking_experience_event_dataset (the ajo_* ones are not in this sandbox)",
        "cjm_message_feedback_event_dataset, cjm_email_tracking_experience_event_dataset has "
        "no isTestExecution field: test sends are counted too",
    ]
    assert report.origin == (
        "AEP Query Service (cjm_message_feedback_event_dataset, "
        "cjm_email_tracking_experience_event_dataset)"
    )
    assert counted(store, SINCE, UNTIL)["2026-11-27"] == 3


def test_hourly_counts_in_both_clocks_for_the_time_zone_diagnosis(postgres_url):
    url = make_datasets(
        postgres_url,
        feedback=[("2026-11-27 18:15", "v1", "sent", 2), ("2026-11-27 18:45", "v1", "sent", 3)],
        tracking=[],
    )
    engine = qs.engine_for(Settings(aep_qs_url=url))

    found = qs.count_events(engine, SINCE, UNTIL, "Asia/Kolkata", hourly=True)
    engine.dispose()

    hours = found.hourly[["utc_hour", "local_hour", "journey_name", "channel", "sent"]]
    assert [tuple(map(str, row)) for row in hours.itertuples(index=False)] == [
        ("2026-11-27 18:00:00", "2026-11-27 23:00:00", "Welcome Series", "", "2"),
        ("2026-11-27 18:00:00", "2026-11-28 00:00:00", "Welcome Series", "", "3"),
    ]
    assert (found.timezone, found.datasets.feedback) == (
        "Asia/Kolkata",
        "ajo_message_feedback_event_dataset",
    )


def test_a_pull_keeps_the_hours_for_the_time_zone_diagnosis(postgres_url, store):
    url = make_datasets(
        postgres_url,
        feedback=[
            ("2026-11-27 05:10", "v1", "sent", 2),  # 00:10 in New York, Nov 27
            ("2026-11-27 05:50", "v1", "sent", 1),
            ("2026-11-28 03:00", "v1", "sent", 4),  # 22:00 in New York, Nov 27
            ("2026-11-28 03:30", "v9", "sent", 8),  # a version without a name: left out
        ],
        tracking=[],
    )
    settings = Settings(aep_qs_url=url, timezone="America/New_York")

    qs.pull_query_service(settings, store, SINCE, UNTIL, NOW)

    found = store.ajo_hours(SINCE, UNTIL, ["sent"])
    hours = {
        str(datetime.fromtimestamp(h * 3600, UTC))[:16]: v
        for h, v in zip(found.counts["hour"], found.counts["value"], strict=True)
    }
    assert hours == {"2026-11-27 05:00": 3, "2026-11-28 03:00": 4}
    # The pull counted Nov 27 to 29 in New York: 05:00 UTC Nov 27 to 05:00 UTC Nov 30.
    first = datetime(2026, 11, 27, 5, tzinfo=UTC).timestamp() // 3600
    assert (found.covered[0], found.covered[-1]) == (first, first + 3 * 24 - 1)
    assert found.pulls[0][1] == NOW
