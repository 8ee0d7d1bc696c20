"""Large canonical long CSVs in chunks: the same numbers as a whole read, repeats checked
across chunks, and the file's sha256 hashed while it is read."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.errors import BadInput
from bot.ingest import read_file, stream_file
from bot.ingest.limits import Limits
from bot.ingest.loading import load_file
from bot.store import Store
from bot.store.schema import snapshots
from bot.timing import Clock
from tests.builders import frame
from tests.ingest.test_stream import workspace

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FIRST = date(2026, 1, 1)
LATER = Clock(pinned_today=date(2029, 1, 1))
SMALL = {"stream_bytes": 1000, "block_bytes": 2048}  # 2 KB blocks


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Blocks joined into chunks of some 300 rows: several chunks in a small file."""
    monkeypatch.setattr("bot.ingest.long_stream.ROWS_PER_CHUNK", 300)


def long_csv(rows: int, *, day_format: str = "%Y-%m-%d", extra: str = "") -> str:
    """A canonical long CSV of one CJA capture: 3 journeys x 2 metrics x days."""
    lines = ["source,captured_at,journey,action,channel,day,metric,value"]
    days = rows // 6
    for journey in range(3):
        for offset in range(days):
            day = (FIRST + timedelta(days=offset)).strftime(day_format)
            for metric in ("sent", "clicks"):
                value = 1000 + offset if metric == "sent" else offset % 7
                lines.append(
                    f"cja,2026-11-29T12:00:00Z,J{journey},Email 1,email,{day},{metric},{value}"
                )
    return "\n".join(lines) + "\n" + extra


def rows_of(frames) -> list[tuple]:
    return sorted(
        row
        for frame in frames
        for row in zip(
            frame["journey"],
            frame["day"].astype(str),
            frame["metric"],
            frame["value"],
            frame["captured_at"].astype(str),
            strict=True,
        )
    )


def test_chunks_hold_exactly_the_numbers_of_a_whole_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000))

    stream = stream_file(path, **SMALL)
    chunks = list(stream)

    assert len(chunks) > 3
    assert max(len(c) for c in chunks) < 1000
    assert min(len(c) for c in chunks[:-1]) >= 300
    assert rows_of(chunks) == rows_of([read_file(path)])
    assert sum(len(c) for c in chunks) == 6000
    assert stream.format == "long CSV"
    assert stream.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("streamed", [True, False])
def test_the_sha256_is_of_the_file_read_once(tmp_path, monkeypatch, streamed):
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000))
    stream = stream_file(path, **(SMALL if streamed else {}))
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    list(stream)
    monkeypatch.setattr("pathlib.Path.open", lambda *a, **k: pytest.fail("read again"))
    assert stream.sha256 == expected


def test_a_bad_cell_deep_in_a_streamed_file_names_its_line(tmp_path):
    text = long_csv(6000).replace(
        "J2,Email 1,email,2026-03-01,sent,1059", "J2,Email 1,email,2026-03-01,sent,-3"
    )
    path = tmp_path / "big.csv"
    path.write_text(text)
    expected = (
        text.splitlines().index("cja,2026-11-29T12:00:00Z,J2,Email 1,email,2026-03-01,sent,-3") + 1
    )

    with pytest.raises(BadInput) as caught:
        list(stream_file(path, **SMALL))

    assert (caught.value.line, caught.value.column) == (expected, "value")


def test_days_that_need_the_whole_file_to_tell_their_order_are_read_whole(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000, day_format="%m/%d/%Y"))

    chunks = list(stream_file(path, **SMALL))

    assert len(chunks) == 1
    assert rows_of(chunks) == rows_of([read_file(path)])
    assert len(list(stream_file(path, date_order="mdy", **SMALL))) > 3


def _load(store, path, monkeypatch):
    monkeypatch.setattr("bot.ingest.stream.STREAM_BYTES", SMALL["stream_bytes"])
    monkeypatch.setattr("bot.ingest.stream.BLOCK_BYTES", SMALL["block_bytes"])
    store.clock = LATER
    return load_file(store, path)


def _stored(store) -> list[tuple]:
    with store.engine.connect() as conn:
        return sorted(
            conn.execute(
                text(
                    "SELECT metric, CAST(day AS VARCHAR(10)), journey_key, value "
                    "FROM current_values"
                )
            ).all()
        )


def test_a_streamed_file_is_one_snapshot_with_its_sha256(store, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000))

    loaded = _load(store, path, monkeypatch)

    (report,) = loaded.reports
    assert loaded.error is None
    assert report.rows == 6000
    stored = store.snapshot(report.snapshot_id)
    assert stored.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert stored.format == "long CSV"
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(snapshots)) == 1
    assert len(_stored(store)) == 6000


@pytest.fixture(params=[None, 700], ids=["one append", "an append per 700 rows"])
def write_rows(request, monkeypatch):
    """First captures gathered over chunks (bot.store.pending): all in one append, or in
    several, each of whole chunks."""
    if request.param:
        monkeypatch.setattr("bot.store.pending.WRITE_ROWS", request.param)


KEPT = {
    "current_values": "metric, CAST(day AS VARCHAR(10)), journey_key, series_id, value",
    "daily_comparison": "metric, CAST(day AS VARCHAR(10)), journey_key, ajo, cja, cja_rows",
    "snapshot_counts": "metric, CAST(day AS VARCHAR(10)), journey_key, numbers",
    "snapshot_day_counts": "metric, CAST(day AS VARCHAR(10)), numbers",
}


def _kept(store) -> dict[str, list[tuple]]:
    with store.engine.connect() as conn:
        return {
            table: sorted(conn.execute(text(f"SELECT {columns} FROM {table}")).all())
            for table, columns in KEPT.items()
        }


def test_a_streamed_file_keeps_the_tables_a_whole_read_keeps(
    store, tmp_path, monkeypatch, write_rows
):
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000))
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    whole.save(read_file(path), "big.csv")

    loaded = _load(store, path, monkeypatch)

    assert loaded.error is None
    assert _kept(store) == _kept(whole)
    assert len(_kept(store)["current_values"]) == 6000
    whole.close()


def test_a_number_repeated_in_a_later_chunk_is_stored_once(
    store, tmp_path, monkeypatch, write_rows
):
    repeat = "cja,2026-11-29T12:00:00Z,J0,Email 1,email,2026-01-01,sent,1000\n"
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000, extra=repeat))

    loaded = _load(store, path, monkeypatch)

    assert loaded.error is None
    assert len(_stored(store)) == 6000
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM superseded_values")) == 0
        assert conn.scalar(text("SELECT SUM(cja) FROM daily_comparison")) == sum(
            row[3] for row in _stored(store)
        )


def test_a_number_contradicted_in_a_later_chunk_refuses_the_file(
    store, tmp_path, monkeypatch, write_rows
):
    contradiction = "cja,2026-11-29T12:00:00Z,J0,Email 1,email,2026-01-01,sent,999\n"
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000, extra=contradiction))

    loaded = _load(store, path, monkeypatch)

    assert "appears twice with different values" in loaded.error
    assert "1,000 and 999" in loaded.error
    assert _stored(store) == []


EARLIER = {
    "source": "cja",
    "journey": "J0",
    "action": "Email 1",
    "channel": "email",
    "day": "2026-01-01",
    "metric": "sent",
    "captured_at": "2026-11-28T12:00:00Z",
}


@pytest.mark.parametrize(("value", "error"), [(1000, None), (999, "1,000 and 999")])
def test_a_recapture_read_in_chunks_checks_the_numbers_an_earlier_chunk_gave(
    store, tmp_path, monkeypatch, value, error
):
    """Chunks re-capturing stored days are merged; one that gives a series an earlier chunk
    gave is checked for repeats (those of other series are not: they cannot repeat)."""
    store.save(frame({**EARLIER, "value": 5}), "earlier.csv")
    again = f"cja,2026-11-29T12:00:00Z,J0,Email 1,email,2026-01-01,sent,{value}\n"
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000, extra=again))

    loaded = _load(store, path, monkeypatch)

    if error:
        assert error in loaded.error
        assert [row[3] for row in _stored(store)] == [5]
        return
    assert loaded.error is None
    assert len(_stored(store)) == 6000
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM superseded_values")).all() == [(5,)]
        assert conn.scalar(text("SELECT SUM(cja) FROM daily_comparison")) == sum(
            row[3] for row in _stored(store)
        )


def test_a_number_two_blocks_of_one_chunk_give_is_read_once(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.ingest.long_stream.ROWS_PER_CHUNK", 10_000)  # 1 chunk, 18 blocks
    repeat = "cja,2026-11-29T12:00:00Z,J0,Email 1,email,2026-01-01,sent,1000\n"
    path = tmp_path / "big.csv"
    path.write_text(long_csv(600, extra=repeat))

    chunks = list(stream_file(path, **SMALL))

    assert len(chunks) == 1
    assert rows_of(chunks) == rows_of([read_file(path)])


def test_a_number_two_blocks_of_one_chunk_contradict_refuses_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.ingest.long_stream.ROWS_PER_CHUNK", 10_000)
    contradiction = "cja,2026-11-29T12:00:00Z,J0,Email 1,email,2026-01-01,sent,7\n"
    path = tmp_path / "big.csv"
    path.write_text(long_csv(600, extra=contradiction))

    with pytest.raises(BadInput) as caught:
        list(stream_file(path, **SMALL))

    assert "appears twice with different values" in caught.value.problem


def test_a_file_of_two_products_from_its_first_rows_is_read_whole(tmp_path):
    text = long_csv(6000)
    path = tmp_path / "big.csv"
    path.write_text(text.replace("\ncja,", "\najo,", 1))

    chunks = list(stream_file(path, **SMALL))

    assert len(chunks) == 1
    assert set(chunks[0]["source"]) == {"ajo", "cja"}


def test_a_second_capture_further_on_in_a_streamed_file_is_refused(tmp_path):
    later = "cja,2026-11-29T18:00:00Z,J9,Email 1,email,2026-01-01,sent,5\n"
    path = tmp_path / "big.csv"
    path.write_text(long_csv(6000, extra=later))

    with pytest.raises(BadInput) as caught:
        list(stream_file(path, **SMALL))

    assert "split it by source and capture time" in caught.value.problem


def test_a_streamed_file_is_not_capped_by_size_but_one_read_whole_is(tmp_path):
    """PARITY_MAX_FILE_MB guards memory, and only a file read whole is held in memory: a
    streamed canonical file over the cap is read; the same rows in a file whose days need
    the whole file (read whole) are refused, naming the variable."""

    capped = Limits(file_mb=1)
    streamed = tmp_path / "streamed.csv"
    streamed.write_text(long_csv(24_000))
    assert streamed.stat().st_size > 1 << 20
    assert len(rows_of(stream_file(streamed, limits=capped, **SMALL))) == 24_000
    whole = tmp_path / "whole.csv"
    whole.write_text(long_csv(24_000, day_format="%m/%d/%Y"))
    with pytest.raises(BadInput, match="PARITY_MAX_FILE_MB"):
        list(stream_file(whole, limits=capped, **SMALL))
