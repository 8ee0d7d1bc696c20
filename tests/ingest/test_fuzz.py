"""The generated corpus of hostile and broken files (tests/ingest/fuzz_corpus.py).

Every file is refused with a message naming the file and a place in it, or stored exactly:
what the parser returns is what the file says (for the files whose numbers are known), and
what the store gives back is what the parser returned, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes
from bot.store import Store
from tests.ingest.fuzz_corpus import corpus

CASES = corpus()
# Words that locate a refusal: a line, a page or row of a response, a column, a field.
PLACES = ("line ", "page ", "row ", "column", "totalPages", "number", "report", "nested", "byte")
CAPTURED = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _read(case) -> pd.DataFrame:
    return read_bytes(case.data, name=case.name, captured_at=CAPTURED, today=date(2026, 11, 29))


def _numbers(frame: pd.DataFrame) -> dict:
    return {
        (row.journey, row.day.date().isoformat(), row.metric): int(row.value)
        for row in frame.itertuples()
    }


def test_the_corpus_holds_every_kind_of_case():
    kinds = {c.kind for c in CASES}
    assert kinds == {"structured", "random"}
    assert len(CASES) >= 200
    assert sum(c.expected is not None for c in CASES) >= 5  # files that must be stored
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_file_is_refused_at_a_place_or_read_exactly(case):
    try:
        frame = _read(case)
    except BadInput as refused:
        message = str(refused)
        assert case.expected is None, f"a good file was refused: {message}"
        assert message.startswith(case.name)
        if case.place:
            assert case.place in message
        else:
            assert any(place in message for place in PLACES), message
        return
    assert case.place is None, "a hostile file was accepted"
    if case.expected is not None:
        assert _numbers(frame) == case.expected


def test_every_file_read_is_stored_exactly(database_url):
    store = Store.open(database_url)
    wrong = []
    try:
        for case in CASES:
            try:
                frame = _read(case)
            except BadInput:
                continue
            for report in store.save(frame, case.name):
                back = store.snapshot_rows(report.snapshot_id)
                got = {
                    (r.journey, str(r.day)[:10], r.metric): int(r.value) for r in back.itertuples()
                }
                captured = frame["captured_at"] == pd.Timestamp(report.captured_at)
                said = _numbers(frame[(frame["source"] == report.source) & captured])
                if got != said:
                    wrong.append(case.name)
    finally:
        store.close()
    assert wrong == []
