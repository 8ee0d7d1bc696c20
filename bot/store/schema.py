"""Tables: snapshots, their numbers (current and superseded), journeys and series.

Every number of every snapshot is kept, so the history of a day's value can be read back
(how long each source takes to settle). The latest capture's value per key is kept apart,
maintained at ingest, so that questions never resolve history at read time.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    union_all,
)

# Bump with a new entry in bot.store.database.MIGRATIONS when a table changes.
SCHEMA_VERSION = 10

# PostgreSQL: how full the writer fills the pages of the tables a re-capture updates
# (fillfactor, percent). An update writes a new version of its row; one with room on its
# page is a heap-only update (no new index entries), and the versions it leaves are
# pruned from the page when it is next written. A daily pull updates one source's values
# of its days, half of the rows on those pages of current_values, and every cell of the
# daily comparison and snapshot_counts twice (once per source). Full pages sent every
# update to another page and both indexes. Version 10 (existing stores: pages written
# from then on).
FILL_PERCENT = {"current_values": 60, "daily_comparison": 50, "snapshot_counts": 50}

# One limit for every name a file gives a number (journey names and ids, actions,
# channels), in characters: checked at ingest (bot.store.identity.name_problem) on both
# backends, so that it fits every column below. A journey's key may be longer than its name
# (NFKC spells out ligatures such as U+FDFA): it has its own, the key column's width.
MAX_NAME_CHARS = 200
MAX_KEY_CHARS = 500

metadata = MetaData()

PROVENANCE_COLUMNS = {
    "file_name": String(500),
    "file_hash": String(64),
    "format": String(40),
    "loaded_by": String(500),
    "slack_user": String(50),
    "slack_channel": String(50),
    "pull": String(50),
    "pull_parameters": Text(),
    "day_count": Integer(),
}
# A dropped snapshot's numbers leave every answer; who dropped it and when (version 5).
DROP_COLUMNS = {"dropped_at": DateTime(), "dropped_by": String(500)}

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(8), nullable=False),
    # UTC, stored without an offset so that SQLite compares them as text correctly.
    Column("captured_at", DateTime, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    Column("origin", String(500), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    # The IANA time zone the snapshot's days are in, when its origin said (a CJA data
    # view's, read by a pull); NULL for files, which do not say. Added in version 3.
    Column("timezone", String(64)),
    # Where it came from (version 5; NULL in older stores, which did not record it): the
    # file and the sha256 of its bytes, the format it was read as, who loaded it (a
    # command line, Slack, the clock) and from which Slack user and channel, the pull and
    # its parameters (JSON), and how many days have numbers.
    *(Column(name, kind) for name, kind in (PROVENANCE_COLUMNS | DROP_COLUMNS).items()),
    UniqueConstraint("source", "content_hash", name="uq_snapshots_content"),
)

# Every drop of a snapshot and every undo, in order: who, when. The last one per snapshot
# is its state (also kept on the snapshot's row); the count moves the store's version.
snapshot_drops = Table(
    "snapshot_drops",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, nullable=False, index=True),
    Column("action", String(10), nullable=False),  # drop | undo
    Column("by", String(500), nullable=False),
    Column("at", DateTime, nullable=False),
)

journeys = Table(
    "journeys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False),
    # Folded words (bot.store.identity.name_key): "Welcome-Series " and "welcome series" are
    # one journey, "Приветствие" and "Напоминание" two. Recomputed by migration 4.
    Column("name_key", String(MAX_KEY_CHARS), nullable=False, index=True),
    # The products' journey id, when an export carries it; matched before names.
    Column("external_id", String(200), unique=True),
)

# One stored series: a journey's action on a channel. Data rows carry its id, which keeps
# them narrow (ingest speed is mostly row width and index order).
series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("journey_key", Integer, ForeignKey("journeys.id"), nullable=False),
    Column("action", String(300), nullable=False),
    Column("channel", String(MAX_NAME_CHARS), nullable=False),  # 50 before version 4
    UniqueConstraint("journey_key", "action", "channel", name="uq_series"),
)

# Each stored number is in exactly one of two tables. `current_values` holds, per key, the
# value of the latest capture that has it: the "as of" read every question runs on.
# `superseded_values` holds the values later captures replaced: the history that tells how
# long each source takes to settle. A first capture of some days is written once, straight
# into current_values; only re-captured keys move their old value into the history.
# No per-row foreign keys: the writer creates parents in the same transaction, and checking
# keys per row would double the cost of an ingest.
current_values = Table(
    "current_values",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("source", String(8), nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("snapshot_id", Integer, nullable=False),
    Column("captured_at", DateTime, nullable=False),
    # metric, day, journey first: questions filter on them, and SQLite groups along this
    # order without sorting. journey_key follows from series_id; it is here for that order.
    PrimaryKeyConstraint("metric", "day", "journey_key", "series_id", "source"),
    sqlite_with_rowid=False,
    postgresql_with={"fillfactor": FILL_PERCENT["current_values"]},
)

# Both sources' current values side by side, summed over actions and channels: one row per
# (metric, day, journey), the cell every question compares. Maintained by the writer with
# each snapshot (added to for keys stored the first time, recomputed from current_values
# for cells a re-capture touched), so a question reads one row per cell, never grouping or
# pivoting current_values. `*_rows` count the current values behind each side (0: none
# stored, which a reported 0 is not). Added in version 6.
daily_comparison = Table(
    "daily_comparison",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("ajo", BigInteger, nullable=False),
    Column("cja", BigInteger, nullable=False),
    Column("ajo_rows", Integer, nullable=False),
    Column("cja_rows", Integer, nullable=False),
    PrimaryKeyConstraint("metric", "day", "journey_key"),
    # A question about a few journeys reads their rows, not every journey's days.
    Index("ix_daily_comparison_journey", "journey_key", "metric", "day"),
    sqlite_with_rowid=False,
    postgresql_with={"fillfactor": FILL_PERCENT["daily_comparison"]},
)

# How many current values each snapshot holds per (metric, day, journey): the snapshots an
# answer reads, counted without counting current_values (bot.store.provenance.sources_of).
# Kept by the writer with daily_comparison. Added in version 6.
snapshot_counts = Table(
    "snapshot_counts",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("snapshot_id", Integer, nullable=False),
    Column("numbers", Integer, nullable=False),
    PrimaryKeyConstraint("metric", "day", "journey_key", "snapshot_id"),
    Index("ix_snapshot_counts_journey", "journey_key", "metric", "day"),
    sqlite_with_rowid=False,
    postgresql_with={"fillfactor": FILL_PERCENT["snapshot_counts"]},
)

# snapshot_counts summed over journeys: how many current values each snapshot holds per
# (metric, day). An answer about every journey sums these (a few rows per day) instead of
# one row per cell and snapshot (4 M for 13 months at 1,000 journeys). Kept by the writer
# with snapshot_counts, in the same statements' transaction. Added in version 9.
snapshot_day_counts = Table(
    "snapshot_day_counts",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("snapshot_id", Integer, nullable=False),
    Column("numbers", Integer, nullable=False),
    PrimaryKeyConstraint("metric", "day", "snapshot_id"),
    sqlite_with_rowid=False,
)

# What snapshot history teaches about settling, kept at ingest (version 7): per earlier
# capture (its snapshot), metric, channel and age in whole days at that capture, the numbers
# seen again by a later capture within the settling horizon, their values at that age, and
# their net and absolute change up to the latest such capture. A question sums the rows of
# the snapshots captured since its window (bot.store.learned): a few hundred rows, however
# long the history. Dropped snapshots teach nothing and are left out of every row.
settling_moves = Table(
    "settling_moves",
    metadata,
    Column("snapshot_id", Integer, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("channel", String(MAX_NAME_CHARS), nullable=False),
    Column("age_days", Integer, nullable=False),
    Column("series", BigInteger, nullable=False),
    Column("volume", BigInteger, nullable=False),
    Column("change", BigInteger, nullable=False),
    Column("abs_change", BigInteger, nullable=False),
    PrimaryKeyConstraint("snapshot_id", "metric", "channel", "age_days"),
    sqlite_with_rowid=False,
)

# AJO's counts per UTC hour, from Query Service pulls (version 8): what the time-zone
# diagnosis re-cuts into the data view's days (bot.reconcile.hourly). One value per
# (metric, hour, series): a later pull replaces every hour it covered, for every series.
# `hour` counts whole hours since 1970-01-01 00:00 UTC (an integer: written in bulk alike
# on both backends). Only hours with events are stored; the span says which were counted.
hourly_counts = Table(
    "hourly_counts",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("hour", Integer, nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("journey_key", Integer, nullable=False),
    Column("value", BigInteger, nullable=False),
    Column("span_id", Integer, nullable=False),
    PrimaryKeyConstraint("metric", "hour", "series_id"),
    sqlite_with_rowid=False,
)

# The hours each pull counted, [first_hour, end_hour) in the same integer hours, in the
# order they were written: an hour's counts are the latest span's that covers it, and
# stand only while that span's snapshot is not dropped.
hourly_spans = Table(
    "hourly_spans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, nullable=False, index=True),
    Column("first_hour", Integer, nullable=False),
    Column("end_hour", Integer, nullable=False),
)

superseded_values = Table(
    "superseded_values",
    metadata,
    Column("snapshot_id", Integer, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("value", BigInteger, nullable=False),
    PrimaryKeyConstraint("snapshot_id", "metric", "day", "series_id"),
    sqlite_with_rowid=False,
)


def all_observations():
    """Every number of every snapshot: (snapshot_id, metric, day, series_id, value)."""
    columns = ("snapshot_id", "metric", "day", "series_id", "value")
    return union_all(
        select(*(current_values.c[c] for c in columns)),
        select(*(superseded_values.c[c] for c in columns)),
    ).subquery("observations")


# Slack deliveries already taken on, so a redelivered event is never answered twice.
# A claim without done_at older than the lease is taken over: its first attempt failed.
slack_events = Table(
    "slack_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("claimed_at", DateTime, nullable=False),
    Column("done_at", DateTime),
)

# Answers given in Slack: buttons re-run the stored query, App Home lists the latest.
answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("user_id", String(50), nullable=False),
    Column("channel_id", String(50), nullable=False),
    Column("question", String(2000), nullable=False),
    Column("query", String(4000), nullable=False),  # Query.to_dict() + intent, as JSON
    Column("headline", String(500), nullable=False),
)

# The last query of each conversation (a Slack thread, a DM, a chat session), so a follow-up
# ("and for clicks?") keeps what it does not change. Read only while younger than a day.
conversations = Table(
    "conversations",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("query", Text, nullable=False),  # Query.stored(), as JSON
    Column("updated_at", DateTime, nullable=False, index=True),
)

# Corrected queries offered as buttons ("Did you mean Welcome Series?"): a press re-runs the
# stored query, never re-parsed text.
offers = Table(
    "offers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("query", Text, nullable=False),  # Query.stored(), as JSON
)

# Weekly digests: one schedule per channel (setting it again replaces it). The clock reads
# this table, so a schedule set from Slack or the CLI is picked up without a restart.
digest_schedules = Table(
    "digest_schedules",
    metadata,
    Column("channel_id", String(50), primary_key=True),
    Column("weekday", Integer, nullable=False),  # 0 = Monday
    Column("hour", Integer, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),  # an IANA name
    Column("skip_unchanged", Boolean, nullable=False),
    Column("created_by", String(50), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# One row per scheduled run (a digest post, a pull) and period: the row is the claim, so the
# unique constraint is what makes two clocks, a restart or a retry post a week only once.
# status: claimed | posted | failed | skipped. A failed row with retry_at is retried then;
# without it, it was given up and status shows it. steps_done and message_ts record how far
# a post got, so a retry never sends a message twice.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_key", String(100), nullable=False),
    Column("period", String(40), nullable=False),
    Column("status", String(10), nullable=False),
    Column("scheduled_for", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("retry_at", DateTime),
    Column("error", String(1000)),
    Column("steps_done", Integer, nullable=False),
    Column("message_ts", String(40)),
    UniqueConstraint("job_key", "period", name="uq_job_runs_period"),
)

# The clock's latest sign of life (one row): status warns when it is stale.
clock_heartbeat = Table(
    "clock_heartbeat",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("beat_at", DateTime, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("owner", String(200), nullable=False),
    # Set when that clock exited (`clock --once` after its sweep, or a stopped process):
    # its last beat is then a last sweep, not a sign that it is running.
    Column("stopped_at", DateTime),
)


# Who is told about what (bot.alerts): a channel watches one journey, or all journeys that no
# channel watches by name (journey ""). Metrics "" = all; otherwise canonical names, commas.
alert_watches = Table(
    "alert_watches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(50), nullable=False),
    Column("journey", String(500), nullable=False),
    Column("metrics", String(400), nullable=False),
    Column("threshold_pct", Float),  # None: the metric's tolerance
    Column("created_by", String(50), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("channel_id", "journey", name="uq_alert_watches"),
)

# One alert episode: a journey's gap of one kind (unexplained, missing data...) told in one
# channel. The unique (channel, journey, cause, generation) is what keeps two processes from
# opening the same episode twice: the second insert fails and re-reads. `revision` counts
# the changes; a change is written only over the revision it was decided from.
alert_episodes = Table(
    "alert_episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(50), nullable=False),
    Column("journey", String(500), nullable=False),
    Column("cause", String(32), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # open | resolved
    Column("revision", Integer, nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("threshold_pct", Float, nullable=False),
    Column("figures", Text, nullable=False),  # JSON: one object per metric (Figure)
    Column("resolved_at", DateTime),
    Column("resolved_by", String(50)),  # None: the data; else who pressed Resolve
    Column("acknowledged_by", String(50)),
    Column("acknowledged_at", DateTime),
    Column("muted_until", DateTime),
    Column("muted_by", String(50)),
    Column("message_ts", String(40)),
    Column("answer_id", Integer),
    UniqueConstraint("channel_id", "journey", "cause", "generation", name="uq_alert_episodes"),
)

# The settled days an episode's gap was seen on, per metric: a later check replaces the days
# it judged again, so a backfilled day leaves the episode and a new day joins it.
alert_episode_days = Table(
    "alert_episode_days",
    metadata,
    Column("episode_id", Integer, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("ajo", BigInteger, nullable=False),
    Column("cja", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    PrimaryKeyConstraint("episode_id", "metric", "day"),
)

# What happened to each episode, one row per revision: the thread's lines, the digest's and
# the replay's account. Deliveries to Slack are runs in job_runs ("alert:<id>", "r<rev>").
alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("episode_id", Integer, nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", DateTime, nullable=False, index=True),
    Column("snapshot_id", Integer),
    Column("note", String(1000), nullable=False),
    UniqueConstraint("episode_id", "revision", name="uq_alert_events"),
)

# One pull at a time per source, across processes (refresh on demand and the clock): the row
# is held while a pull runs; a holder that died is taken over after a lease.
pull_locks = Table(
    "pull_locks",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("claimed_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("outcome", String(1000)),
)
