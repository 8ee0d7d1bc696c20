"""The fixture corpus: exports shaped like Adobe's documented samples, each with what must be
stored from it (or the one sentence it is refused with). See tests/ingest/corpus/README.md."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.errors import BadInput
from bot.ingest import read_file

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
CAPTURED = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)
# Files that are not exports of their own.
NOT_EXPORTS = {"README.md", "expected.json", "query_service.json"}


def test_every_export_in_the_corpus_has_its_expectation():
    exports = {
        p.name
        for p in CORPUS.iterdir()
        if p.name not in NOT_EXPORTS and not p.name.endswith(".request.json")
    }
    assert exports == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_export_is_stored_with_the_right_numbers_or_refused_in_one_sentence(name):
    expected = EXPECTED[name]
    options = {"source": "cja"} if name.startswith("wide") else {}
    options |= expected.get("options", {})

    if "refused" in expected:
        with pytest.raises(BadInput) as caught:
            read_file(CORPUS / name, captured_at=CAPTURED, today=TODAY, **options)
        assert caught.value.problem == expected["refused"]
        # One sentence that says what to change, not a list of every format tried.
        assert "also tried" not in caught.value.problem
        return
    frame = read_file(CORPUS / name, captured_at=CAPTURED, today=TODAY, **options)

    stored = [[r.journey, str(r.day.date()), r.metric, int(r.value)] for r in frame.itertuples()]
    assert stored == expected["stored"]
    assert list(frame.attrs["notes"]) == expected["notes"]
    assert set(frame["source"]) == {"cja"}
