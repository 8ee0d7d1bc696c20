"""The corpus's Query Service rows (tests/ingest/corpus/query_service.json) pulled from
PostgreSQL tables shaped like AJO's datasets, with the stored numbers they must give."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.config import Settings
from bot.connectors import query_service as qs
from tests.connectors.test_query_service import FROM_UTC_TIMESTAMP, TYPES

CORPUS = json.loads(
    (Path(__file__).parents[1] / "ingest" / "corpus" / "query_service.json").read_text()
)
TABLES = (
    "ajo_message_feedback_event_dataset",
    "ajo_email_tracking_experience_event_dataset",
    "ajo_entity_dataset",
)


def load(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(FROM_UTC_TIMESTAMP))
        for table in TABLES:
            rows = CORPUS[table]
            columns = list(dict.fromkeys(c for row in rows for c in row))
            typed = ", ".join(
                "timestamp timestamp" if c == "timestamp" else f'"{c}" {TYPES.get(c, "text")}'
                for c in columns
            )
            conn.execute(text(f"CREATE TABLE {table} ({typed})"))
            quoted = ", ".join("timestamp" if c == "timestamp" else f'"{c}"' for c in columns)
            marks = ", ".join(f":c{i}" for i in range(len(columns)))
            conn.execute(
                text(f"INSERT INTO {table} ({quoted}) VALUES ({marks})"),
                [{f"c{i}": row.get(c) for i, c in enumerate(columns)} for row in rows],
            )
    engine.dispose()


def test_the_corpus_rows_give_the_expected_stored_numbers(postgres_url, store):
    load(postgres_url)
    settings = Settings(aep_qs_url=postgres_url, timezone=CORPUS["timezone"])
    since, until = (date.fromisoformat(CORPUS[k]) for k in ("since", "until"))

    qs.pull_query_service(settings, store, since, until, datetime(2026, 11, 29, tzinfo=UTC))

    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT j.name, s.channel, v.day, v.metric, v.value FROM current_values v "
                "JOIN series s ON s.id = v.series_id JOIN journeys j ON j.id = v.journey_key "
                "WHERE v.value <> 0 ORDER BY v.day, v.metric"
            )
        ).all()
    found = sorted([name, channel, str(day)[:10], metric, value] for name, channel, day, metric,
                   value in rows)  # fmt: skip
    assert found == sorted(CORPUS["expected"])
