"""The snapshot store: what both products reported, when, and the latest value of each.

`Store` is the one object the rest of Parity uses; it hides SQL and transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select, text

from bot.errors import BadInput
from bot.metrics import SOURCES
from bot.ops import activity, telemetry
from bot.query import Query
from bot.store import (
    captures,
    conversations,
    drops,
    hourly,
    interactions,
    learned,
    provenance,
    reader,
)
from bot.store.alerts import AlertRecords
from bot.store.calendars import Calendars, calendars
from bot.store.concurrency import writer_lock
from bot.store.database import connect
from bot.store.identity import name_key
from bot.store.provenance import Provenance, SnapshotSource
from bot.store.scheduling import ClockRecords
from bot.store.schema import journeys, snapshot_drops, snapshots
from bot.store.writer import (
    AlreadyStored,
    RepeatedNumbers,
    SnapshotReport,
    save_frame,
    save_stream,
)
from bot.timing import Clock

__all__ = ["Calendars", "Provenance", "SnapshotReport", "SnapshotSource", "Store", "StoredAnswer"]

StoredAnswer = interactions.StoredAnswer

# PostgreSQL's memory for one sort of a read (work_mem), per reading transaction only.
SORT_MEMORY = "128MB"


class Store:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        # What stamps ingests, answers and event claims (UTC, stored without an offset).
        self.clock = clock or Clock()

    @classmethod
    def open(cls, url: str, clock: Clock | None = None) -> Store:
        """Connect to `url`, creating or upgrading the schema."""
        return cls(connect(url), clock)

    def _utcnow(self) -> datetime:
        return self.clock.now().replace(tzinfo=None)

    def close(self) -> None:
        self.engine.dispose()

    def save(
        self,
        frame: pd.DataFrame,
        origin: str,
        timezone: str | None = None,
        source: Provenance | None = None,
        hours: hourly.PulledHours | None = None,
    ) -> list[SnapshotReport]:
        """Store a validated frame as snapshots: all of it or, on any error, none of it.

        `timezone` is the IANA zone the frame's days are in when its origin said (a CJA data
        view's): recorded with the snapshot, and told in every answer about those days.
        `source` is where the frame came from; who loaded it is the current activity's.
        `hours`: AJO's hourly counts behind a frame of one capture (a Query Service pull),
        kept with its snapshot in the same transaction (bot.store.hourly); the same
        numbers stored again keep the hours stored with them.
        """
        recorded = provenance.columns(source, activity.current())
        with self.engine.begin() as conn:
            writer_lock(conn)  # journeys and duplicates are read as a sequential run reads them
            reports = save_frame(conn, frame, origin, self._utcnow(), timezone, recorded)
            if hours is not None:
                if len(reports) != 1:
                    raise ValueError("hourly counts belong to a frame of one capture")
                if not reports[0].duplicate:
                    hourly.save(conn, reports[0].snapshot_id, hours)
        _count(reports)
        return reports

    def save_stream(
        self,
        chunks,
        origin: str,
        source: Provenance | None = None,
        file_hash: Callable[[], str] | None = None,
        again: Callable[[], Iterable[pd.DataFrame]] | None = None,
    ) -> SnapshotReport:
        """Store a file read in chunks as one snapshot, in one transaction; `file_hash`
        gives the sha256 of the file's bytes once every chunk is read (hashed as read).
        `again` reads the chunks anew, for a file that gives a number in two chunks (its
        repeats are then checked chunk by chunk); without it such a file is refused."""
        recorded = provenance.columns(source, activity.current())
        try:
            report = self._save_stream(chunks, origin, recorded, file_hash, careful=False)
        except RepeatedNumbers:
            if again is None:
                raise BadInput("the file gives some number twice") from None
            report = self._save_stream(again(), origin, recorded, file_hash, careful=True)
        _count([report])
        return report

    def _save_stream(self, chunks, origin, recorded, file_hash, careful) -> SnapshotReport:
        try:
            with self.engine.begin() as conn:
                writer_lock(conn)
                return save_stream(
                    conn, chunks, origin, self._utcnow(), recorded, file_hash, careful
                )
        except AlreadyStored as stored:  # rolled back: nothing new is written
            return stored.report

    def version(self) -> tuple[int, int, int]:
        """Changes whenever a snapshot is stored, dropped or restored: what cached results
        are keyed by."""
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(func.coalesce(func.max(snapshots.c.id), 0), func.count())
            ).one()
            changes = conn.scalar(select(func.coalesce(func.max(snapshot_drops.c.id), 0)))
            return (*stored, changes)

    def drop_snapshot(self, snapshot_id: int, by: str) -> SnapshotSource:
        """Take a snapshot's numbers out of every answer: each key it holds gets back the
        value of the capture before it. Raises BadInput for an unknown or dropped one."""
        with self.engine.begin() as conn:
            writer_lock(conn)
            drops.drop(conn, snapshot_id, by, self._utcnow())
            return provenance.one(conn, snapshot_id)

    def undo_drop(self, snapshot_id: int, by: str) -> SnapshotSource:
        """Put a dropped snapshot's numbers back, as if it had never been dropped."""
        with self.engine.begin() as conn:
            writer_lock(conn)
            drops.undo(conn, snapshot_id, by, self._utcnow())
            return provenance.one(conn, snapshot_id)

    def current_numbers(self, snapshot_id: int) -> int:
        """How many numbers every answer reads from this snapshot."""
        with self.engine.connect() as conn:
            return provenance.current_numbers(conn, snapshot_id)

    def drop_history(self, snapshot_id: int) -> list[provenance.DropEvent]:
        with self.engine.connect() as conn:
            return provenance.drop_events(conn, snapshot_id)

    def journey_names(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            return reader.journey_names(conn)

    def series_channels(self) -> list[tuple[int, str]]:
        """(journey key, channel) of every stored series, once each (see reader)."""
        with self.engine.connect() as conn:
            return reader.series_channels(conn)

    def journey_keys(self, names: Sequence[str]) -> list[int]:
        """Keys of the journeys with these display names."""
        if not names:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(journeys.c.id).where(journeys.c.name.in_(list(names))))
            return [key for (key,) in rows]

    def journeys_named(self, names: Sequence[str]) -> dict[int, str]:
        """Key -> display name of the journeys these names (as a file spelled them) are."""
        wanted = {name_key(name) for name in names}
        with self.engine.connect() as conn:
            rows = conn.execute(select(journeys.c.id, journeys.c.name, journeys.c.name_key))
            return {key: name for key, name, nkey in rows if nkey in wanted}

    def comparison(
        self,
        start: date,
        end: date,
        metrics: Sequence[str] = (),
        journey_keys: Sequence[int] = (),
    ) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return reader.comparison_frame(conn, start, end, metrics, journey_keys)

    def settling_history(
        self, captured_since: datetime, max_age_days: int, metrics: Sequence[str] = ()
    ) -> pd.DataFrame:
        """How far values moved after each age, per source, metric and channel (see
        reader): summed from what the writer keeps (bot.store.learned) at its horizon,
        folded from the stored captures at any other."""
        with self.engine.connect() as conn:
            if max_age_days == learned.HORIZON_DAYS:
                return learned.history(conn, captured_since, metrics)
            if conn.dialect.name == "postgresql":
                # Its window sorts the numbers seen again (1.4 M after a daily 14-day pull
                # at 1,000 journeys): in memory, not spilled to disk at the 4 MB default.
                conn.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
            return reader.settling_history(conn, captured_since, max_age_days, metrics)

    def calendars(self, reporting: str) -> Calendars:
        """The time zones the stored days are in, per source, against `reporting`'s."""
        with self.engine.connect() as conn:
            return calendars(conn, reporting)

    def ajo_hours(
        self,
        start: date,
        end: date,
        metrics: Sequence[str] = (),
        journey_keys: Sequence[int] = (),
    ) -> hourly.AjoHours | None:
        """AJO's hourly counts around these days (Query Service pulls), or None."""
        with self.engine.connect() as conn:
            return hourly.read(conn, start, end, tuple(metrics), tuple(journey_keys))

    def capture_times(
        self,
        start: date,
        end: date,
        metrics: Sequence[str] = (),
        journey_keys: Sequence[int] = (),
    ) -> pd.DataFrame:
        """When each current value was captured (see bot.store.captures)."""
        with self.engine.connect() as conn:
            return captures.capture_times(conn, start, end, metrics, journey_keys)

    def coverage(self, start: date, end: date) -> list[captures.Coverage]:
        with self.engine.connect() as conn:
            return captures.coverage(conn, start, end)

    def snapshots_in_order(self) -> list[captures.StoredSnapshot]:
        with self.engine.connect() as conn:
            return captures.snapshots_in_order(conn)

    def snapshots_since(self, ingested_since: datetime) -> list[captures.StoredSnapshot]:
        with self.engine.connect() as conn:
            return captures.snapshots_since(conn, ingested_since)

    def snapshot_span(self, snapshot_id: int) -> tuple[str, date, date, tuple[str, ...]]:
        with self.engine.connect() as conn:
            return captures.snapshot_span(conn, snapshot_id)

    def snapshot_rows(self, snapshot_id: int) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return captures.snapshot_rows(conn, snapshot_id)

    def snapshot_sources(
        self,
        start: date,
        end: date,
        metrics: Sequence[str] = (),
        journey_keys: Sequence[int] = (),
    ) -> list[SnapshotSource]:
        """The snapshots an answer about these days, metrics and journeys is computed from."""
        with self.engine.connect() as conn:
            return provenance.sources_of(conn, start, end, metrics, journey_keys)

    def snapshot_list(self, limit: int | None = None) -> list[SnapshotSource]:
        with self.engine.connect() as conn:
            return provenance.listed(conn, limit)

    def snapshot(self, snapshot_id: int) -> SnapshotSource | None:
        with self.engine.connect() as conn:
            return provenance.one(conn, snapshot_id)

    def overview(self) -> list[reader.SourceOverview]:
        with self.engine.connect() as conn:
            return [reader.source_overview(conn, source) for source in SOURCES]

    def last_captured(self, source: str) -> datetime | None:
        """When `source`'s latest kept snapshot was captured (UTC), None before any."""
        with self.engine.connect() as conn:
            return reader.last_captured(conn, source)

    # Conversations (Slack): redelivery guard and stored answers.

    def claim_event(self, event_id: str, lease: timedelta = timedelta(seconds=60)) -> bool:
        """True when this process should handle the event (first delivery, or a failed one)."""
        with self.engine.begin() as conn:
            return interactions.claim_event(conn, event_id, self._utcnow(), lease)

    def release_event(self, event_id: str) -> None:
        """Give back an event not answered, so its redelivery is taken on at once."""
        with self.engine.begin() as conn:
            interactions.release_event(conn, event_id)

    def finish_event(self, event_id: str) -> None:
        with self.engine.begin() as conn:
            interactions.finish_event(conn, event_id, self._utcnow())
            # Slack stops redelivering within minutes; an hour of memory is plenty.
            interactions.purge_events(conn, self._utcnow() - timedelta(hours=1))

    def save_answer(
        self, *, user_id: str, channel_id: str, question: str, query: Query, headline: str
    ) -> int:
        with self.engine.begin() as conn:
            return interactions.save_answer(
                conn,
                now=self._utcnow(),
                user_id=user_id,
                channel_id=channel_id,
                question=question,
                query=query,
                headline=headline,
            )

    def load_answer(self, answer_id: int) -> StoredAnswer | None:
        with self.engine.connect() as conn:
            return interactions.load_answer(conn, answer_id)

    def recent_answers(self, limit: int = 5) -> list[StoredAnswer]:
        with self.engine.connect() as conn:
            return interactions.recent_answers(conn, limit)

    def previous_query(self, conversation: str) -> Query | None:
        """The conversation's last query, if it is less than a day old."""
        with self.engine.connect() as conn:
            return conversations.previous_query(conn, conversation, self._utcnow())

    def remember_query(self, conversation: str, query: Query) -> None:
        with self.engine.begin() as conn:
            conversations.remember(conn, conversation, query, self._utcnow())

    def save_offer(self, label: str, query: Query) -> int:
        with self.engine.begin() as conn:
            return conversations.save_offer(conn, label, query, self._utcnow())

    def load_offer(self, offer_id: int) -> tuple[str, Query] | None:
        with self.engine.connect() as conn:
            return conversations.load_offer(conn, offer_id)

    # The clock process (bot.clock): digest schedules, scheduled runs, heartbeat.

    @property
    def scheduling(self) -> ClockRecords:
        return ClockRecords(self.engine)

    # Alerts (bot.alerts): watches, episodes, pull locks.

    @property
    def alerts(self) -> AlertRecords:
        return AlertRecords(self.engine)


def _count(reports: list[SnapshotReport]) -> None:
    """Committed snapshots, for /metrics (a rolled-back one never gets here)."""
    for report in reports:
        outcome = "duplicate" if report.duplicate else "stored"
        telemetry.INGESTS.labels(report.source, outcome).inc()
        if not report.duplicate:
            telemetry.INGESTED_ROWS.labels(report.source).inc(report.rows)
