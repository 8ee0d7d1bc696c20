"""The "Where these numbers come from" list: provenance from files and people is escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.answers.service import Answer
from bot.query import Query
from bot.slack.present import sources_messages
from bot.store import SnapshotSource

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _snapshot(**fields) -> SnapshotSource:
    base = {
        "id": 7, "source": "cja", "captured_at": NOW, "ingested_at": NOW, "origin": "x.csv",
        "rows": 4, "first_day": date(2026, 11, 27), "last_day": date(2026, 11, 28), "days": 2,
        "numbers": 3,
    }  # fmt: skip
    return SnapshotSource(**{**base, **fields})


def _listed(*snapshots: SnapshotSource) -> str:
    query = Query(intent="reconcile", start=date(2026, 11, 27), end=date(2026, 11, 28))
    answer = Answer(intent="reconcile", query=query, today=NOW.date(), now=NOW,
                    snapshots=snapshots)  # fmt: skip
    (message,) = sources_messages(answer)
    return message.blocks[0]["text"]["text"]


def test_a_hostile_file_name_and_command_are_escaped():
    text = _listed(
        _snapshot(file_name="<!channel> & *gotcha*.csv", format="wide CSV"),
        _snapshot(id=8, loaded_by="python -m bot ingest --journey <@U999>"),
    )
    assert "<!channel>" not in text
    assert "<@U999>" not in text
    assert "&lt;!channel&gt; &amp;" in text
    assert "loaded by python -m bot ingest --journey &lt;@U999&gt;" in text


def test_a_pull_is_told_with_its_data_view_and_days_and_a_drop_with_who():
    pulled = _snapshot(
        pull="cja",
        parameters={"data_view": "dv_1", "since": "2026-11-16", "until": "2026-11-29"},
        loaded_by="clock job pull:cja 2026-11-29T06:00",
        dropped_at=NOW,
        dropped_by="U2",
    )
    text = _listed(pulled)
    assert "• #7 CJA · captured Sun Nov 29, 12:00 UTC · pull cja (data view dv_1, " in text
    assert "(data view dv_1, Nov 16 – Nov 29, 2026) · loaded by" in text
    assert "loaded by clock job pull:cja 2026-11-29T06:00" in text
    assert "dropped" in text
