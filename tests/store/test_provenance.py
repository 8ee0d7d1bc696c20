"""Every snapshot records where it came from; an answer's snapshots are the ones holding
its current values. On both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.ops.activity import acting
from bot.store import Provenance
from tests.builders import frame

EARLY = "2026-11-28T08:00:00Z"
LATE = "2026-11-29T08:00:00Z"


def _day(source, day, value, captured=EARLY, metric="sent", journey="Welcome Series"):
    return {"source": source, "day": day, "value": value, "captured_at": captured,
            "metric": metric, "journey": journey}  # fmt: skip


def test_a_snapshot_records_its_file_format_and_who_loaded_it_from_slack(store):
    origin = Provenance(file_name="cja <export>.csv", file_hash="ab" * 32, format="wide CSV")
    with acting("request", "Slack", user="U1", channel="C1"):
        (report,) = store.save(
            frame(_day("cja", "2026-11-26", 5), _day("cja", "2026-11-27", 6)),
            "slack",
            source=origin,
        )
    stored = store.snapshot(report.snapshot_id)
    assert (stored.file_name, stored.file_hash, stored.format) == (
        "cja <export>.csv",
        "ab" * 32,
        "wide CSV",
    )
    assert (stored.loaded_by, stored.user, stored.channel) == ("Slack", "U1", "C1")
    assert (stored.rows, stored.days) == (2, 2)
    assert stored.captured_at == datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert stored.to_dict()["file_sha256"] == "ab" * 32


def test_a_pull_records_its_parameters_and_the_job_that_ran_it(store):
    pulled = Provenance(pull="cja", parameters={"data_view": "dv_1", "since": "2026-11-20"})
    with acting("job", "clock job pull:cja 2026-11-29T06:00"):
        (report,) = store.save(frame(_day("cja", "2026-11-26", 5)), "CJA API", source=pulled)
    stored = store.snapshot(report.snapshot_id)
    assert stored.pull == "cja"
    assert stored.parameters == {"data_view": "dv_1", "since": "2026-11-20"}
    assert stored.loaded_by == "clock job pull:cja 2026-11-29T06:00"
    assert stored.user is None


def test_a_file_read_in_chunks_records_its_days(store):
    chunks = [frame(_day("ajo", "2026-11-25", 1)), frame(_day("ajo", "2026-11-27", 2))]
    report = store.save_stream(iter(chunks), "big.csv", Provenance(file_name="big.csv"))
    stored = store.snapshot(report.snapshot_id)
    assert (stored.file_name, stored.rows, stored.days) == ("big.csv", 2, 2)


def test_sources_are_the_snapshots_holding_the_current_values(store):
    (first,) = store.save(frame(*(_day("ajo", f"2026-11-{d}", 10) for d in (25, 26, 27))), "a")
    # A later capture replaces two of the three days; CJA has its own snapshot.
    (second,) = store.save(frame(*(_day("ajo", f"2026-11-{d}", 11, LATE) for d in (26, 27))), "b")
    (cja,) = store.save(frame(_day("cja", "2026-11-27", 9)), "c")
    sources = store.snapshot_sources(date(2026, 11, 25), date(2026, 11, 27))
    assert [(s.id, s.numbers) for s in sources] == [
        (first.snapshot_id, 1), (cja.snapshot_id, 1), (second.snapshot_id, 2)
    ]  # fmt: skip
    assert [s.id for s in store.snapshot_sources(date(2026, 11, 25), date(2026, 11, 25))] == [
        first.snapshot_id
    ]
    assert store.snapshot_sources(date(2026, 11, 27), date(2026, 11, 27), ("opens",)) == []
