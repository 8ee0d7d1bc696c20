"""AJO's datasets in AEP Query Service: which are there, and the SQL that counts them.

Counted (adobe-data.md §3, §10): from the message feedback dataset, sends ('sent'), retries
('delay'), bounces ('bounce', 'denylist', 'out_of_band'), errors ('error') and exclusions
('exclude'); from the email tracking dataset, opens, clicks, unsubscribes and spam
complaints; per journey version, channel and hour. Journey names come from the entity
dataset, which has two rows per publication: one name per version is kept. Test executions
(`messageProfile.isTestExecution`) are left out: they are not the journey's audience.

Days are cut in the target time zone from each event's own timestamp
(`from_utc_timestamp`, a Spark SQL function Query Service runs), so a half-hour zone such as
Asia/Kolkata and a daylight-saving day put every event on its local day. Each row is one
(UTC hour, local hour) pair: whole-hour zones give one local hour per UTC hour, half-hour
zones two, so the hourly counts can be read in either clock.

Older sandboxes name the datasets `cjm_*`; those are read when the `ajo_*` ones are absent,
and the pull says which it read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

ENTITY_TABLE = "ajo_entity_dataset"
# Current name first, then the older one (AJO-DOCS help/using/data/datasets-query-examples.md).
FEEDBACK_TABLES = ("ajo_message_feedback_event_dataset", "cjm_message_feedback_event_dataset")
TRACKING_TABLES = (
    "ajo_email_tracking_experience_event_dataset",
    "cjm_email_tracking_experience_event_dataset",
)
FEEDBACK_TABLE, TRACKING_TABLE = FEEDBACK_TABLES[0], TRACKING_TABLES[0]

_CJM = "_experience.customerJourneyManagement"
FEEDBACK_STATUS = f"{_CJM}.messageDeliveryfeedback.feedbackStatus"
INTERACTION_TYPE = f"{_CJM}.messageInteraction.interactionType"
EVENT_JOURNEY_VERSION = f"{_CJM}.messageExecution.journeyVersionID"
TEST_EXECUTION = f"{_CJM}.messageProfile.isTestExecution"
CHANNEL = f"{_CJM}.messageProfile.channel._id"
ENTITY_JOURNEY_VERSION = f"{_CJM}.entities.journey.journeyVersionID"
ENTITY_JOURNEY_ID = f"{_CJM}.entities.journey.journeyID"
ENTITY_JOURNEY_NAME = f"{_CJM}.entities.journey.journeyName"
# The email tracking dataset holds email interactions only.
EMAIL_CHANNEL = "https://ns.adobe.com/xdm/channels/email"

# Counted columns, in the order the query returns them.
METRIC_COLUMNS = (
    "sent", "retries", "bounces", "errors", "excluded",
    "opens", "clicks", "unsubscribes", "spam_complaints",
)  # fmt: skip


@dataclass(frozen=True)
class Datasets:
    """The datasets one pull reads, and which optional fields they have."""

    feedback: str
    tracking: str
    entity: str = ENTITY_TABLE
    # whether each event dataset has the test-execution flag and the channel field
    feedback_test_flag: bool = True
    tracking_test_flag: bool = True
    tracking_channel: bool = True

    def older_names(self) -> tuple[str, ...]:
        return tuple(t for t in (self.feedback, self.tracking) if t.startswith("cjm_"))


def _readable(conn: Connection, table: str, column: str | None = None) -> bool:
    """Whether the table (and the column) can be read: a query that returns no row."""
    what = f'"{column}"' if column else "1"
    try:
        conn.execute(text(f"SELECT {what} FROM {table} WHERE 1 = 0")).all()
    except Exception:  # the driver's error for a missing relation or column
        return False
    return True


def discover(conn: Connection) -> Datasets:
    """The datasets this sandbox has: `ajo_*`, else the older `cjm_*` (the first named is
    kept when neither is there, so the error names the current one)."""
    feedback = next((t for t in FEEDBACK_TABLES if _readable(conn, t)), FEEDBACK_TABLES[0])
    tracking = next((t for t in TRACKING_TABLES if _readable(conn, t)), TRACKING_TABLES[0])
    return Datasets(
        feedback=feedback,
        tracking=tracking,
        feedback_test_flag=_readable(conn, feedback, TEST_EXECUTION),
        tracking_test_flag=_readable(conn, tracking, TEST_EXECUTION),
        tracking_channel=_readable(conn, tracking, CHANNEL),
    )


def _events(table: str, test_flag: bool) -> str:
    conditions = [
        "timestamp >= :start AND timestamp < :end",
        f'"{EVENT_JOURNEY_VERSION}" IS NOT NULL',
    ]
    if test_flag:
        conditions.append(f'COALESCE("{TEST_EXECUTION}", FALSE) = FALSE')
    return f"FROM {table}\n    WHERE " + "\n      AND ".join(conditions)


def counts_sql(datasets: Datasets) -> str:
    """Counts per (UTC hour, local hour in :zone, journey version, channel), with names."""
    hours = (
        "date_trunc('hour', timestamp) AS utc_hour, "
        "date_trunc('hour', from_utc_timestamp(timestamp, :zone)) AS local_hour"
    )
    keys = (
        "date_trunc('hour', timestamp), "
        "date_trunc('hour', from_utc_timestamp(timestamp, :zone)), "
        f'"{EVENT_JOURNEY_VERSION}"'
    )
    tracking_channel = f'"{CHANNEL}"' if datasets.tracking_channel else f"'{EMAIL_CHANNEL}'"
    status, kind = f'"{FEEDBACK_STATUS}"', f'"{INTERACTION_TYPE}"'
    return f"""
WITH journeys AS (
    SELECT "{ENTITY_JOURNEY_VERSION}" AS version_id,
           MAX("{ENTITY_JOURNEY_ID}") AS journey_id,
           MAX("{ENTITY_JOURNEY_NAME}") AS journey_name
    FROM {datasets.entity}
    WHERE "{ENTITY_JOURNEY_VERSION}" IS NOT NULL
    GROUP BY "{ENTITY_JOURNEY_VERSION}"
),
counts AS (
    SELECT {hours}, "{EVENT_JOURNEY_VERSION}" AS version_id, "{CHANNEL}" AS channel,
           SUM(CASE WHEN {status} = 'sent' THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN {status} = 'delay' THEN 1 ELSE 0 END) AS retries,
           SUM(CASE WHEN {status} IN ('bounce', 'denylist', 'out_of_band')
                    THEN 1 ELSE 0 END) AS bounces,
           SUM(CASE WHEN {status} = 'error' THEN 1 ELSE 0 END) AS errors,
           SUM(CASE WHEN {status} = 'exclude' THEN 1 ELSE 0 END) AS excluded,
           0 AS opens, 0 AS clicks, 0 AS unsubscribes, 0 AS spam_complaints
    {_events(datasets.feedback, datasets.feedback_test_flag)}
    GROUP BY {keys}, "{CHANNEL}"
    UNION ALL
    SELECT {hours}, "{EVENT_JOURNEY_VERSION}" AS version_id, {tracking_channel} AS channel,
           0, 0, 0, 0, 0,
           SUM(CASE WHEN {kind} = 'open' THEN 1 ELSE 0 END),
           SUM(CASE WHEN {kind} = 'click' THEN 1 ELSE 0 END),
           SUM(CASE WHEN {kind} = 'unsubscribe' THEN 1 ELSE 0 END),
           SUM(CASE WHEN {kind} = 'spam_complaint' THEN 1 ELSE 0 END)
    {_events(datasets.tracking, datasets.tracking_test_flag)}
    GROUP BY {keys}{f', "{CHANNEL}"' if datasets.tracking_channel else ""}
)
SELECT c.utc_hour, c.local_hour, c.version_id, c.channel, j.journey_id, j.journey_name,
       {", ".join(f"SUM(c.{m}) AS {m}" for m in METRIC_COLUMNS)}
FROM counts c
LEFT JOIN journeys j ON j.version_id = c.version_id
GROUP BY c.utc_hour, c.local_hour, c.version_id, c.channel, j.journey_id, j.journey_name
ORDER BY c.utc_hour, c.local_hour, c.version_id, c.channel
"""


def channel_name(channel_id: str | None) -> str:
    """XDM's channel id as Parity names channels: '.../channels/email' -> 'email'."""
    if not channel_id:
        return ""
    return str(channel_id).rstrip("/").rsplit("/", 1)[-1].lower()
