"""Large exports in chunks: the same numbers as a whole read, checks that span the chunks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import BadInput
from bot.ingest import read_file, stream_file

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FIRST = date(2026, 1, 1)


def workspace(rows: int, *, total: int | None = None, cut: bool = False, journeys: int = 3) -> str:
    """A one-table Workspace export: journeys x days, Sends and Clicks (clicks = day index)."""
    days = rows // journeys
    body = []
    for journey in range(journeys):
        for offset in range(days):
            day = FIRST + timedelta(days=offset)
            body.append(f'J{journey},"{day:%b} {day.day}, {day.year}","1,000",{offset % 7}')
    sends = 1000 * len(body) if total is None else total
    clicks = sum(offset % 7 for offset in range(days)) * journeys
    last = FIRST + timedelta(days=days - 1)
    text = (
        f"#====\n# Big\n# Data view: dv\n# Date: Jan 1, 2026 - {last:%b} {last.day}, {last.year}\n"
        "#====\n\n####\n# Freeform table\n####\n,,Sends (AJO),Clicks (AJO)\n"
        f'Journey Name (AJO),Day,"{sends:,}",{clicks}\n' + "\n".join(body) + "\n"
    )
    return text[:-2] if cut else text  # cut: the last cell and the line end are gone


def key(frame) -> list[tuple]:
    return sorted(
        zip(
            frame["journey"], frame["day"].astype(str), frame["metric"], frame["value"], strict=True
        )
    )


def test_chunks_hold_exactly_the_numbers_of_a_whole_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000))

    stream = stream_file(path, captured_at=CAPTURED, stream_bytes=1000, block_bytes=16_384)
    chunks = list(stream)

    assert len(chunks) > 3
    joined = [row for chunk in chunks for row in key(chunk)]
    assert sorted(joined) == key(read_file(path, captured_at=CAPTURED))
    assert len(joined) == 6000
    assert stream.format == "CJA Workspace export (CSV)"
    assert stream.notes == []


def test_totals_are_checked_across_all_chunks(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000, total=2_999_999))

    stream = stream_file(path, captured_at=CAPTURED, stream_bytes=1000, block_bytes=16_384)
    list(stream)

    assert stream.notes == [
        "table 'Freeform table' (line 10): the totals row says Sends (AJO) 2,999,999 but the "
        "rows add up to 3,000,000"
    ]


def test_a_cut_short_file_is_refused_after_its_last_chunk(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(workspace(3000, cut=True))
    stream = stream_file(path, captured_at=CAPTURED, stream_bytes=1000, block_bytes=16_384)

    with pytest.raises(BadInput) as caught:
        for _ in stream:
            pass

    assert caught.value.file == str(path)
    assert caught.value.problem == (
        "table 'Freeform table' (line 10) looks cut short: the file ends in the middle of a "
        "line, and the rows add up to less than the totals row (Clicks (AJO): 8,986 of 8,991). "
        "Download the export again."
    )


def test_a_bad_cell_deep_in_a_streamed_file_names_its_line(tmp_path):
    text = workspace(3000).replace('J2,"Mar 1, 2026","1,000"', 'J2,"Mar 1, 2026","-1"')
    path = tmp_path / "big.csv"
    path.write_text(text)
    expected = text.splitlines().index('J2,"Mar 1, 2026","-1",3') + 1

    with pytest.raises(BadInput) as caught:
        list(stream_file(path, stream_bytes=1000, block_bytes=16_384))

    assert (caught.value.line, caught.value.column) == (expected, "Sends (AJO)")


def test_a_second_table_in_a_streamed_file_is_read_whole(tmp_path):
    text = workspace(30) + '\n####\n# Other\n####\n,Sends (AJO)\nDay,1\n"Jan 1, 2026",1\n'
    path = tmp_path / "two.csv"
    path.write_text(text)

    chunks = list(stream_file(path, stream_bytes=100, block_bytes=16_384))

    assert len(chunks) == 1
    assert len(chunks[0]) == 61


def test_small_files_and_other_formats_come_whole(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(workspace(30))

    stream = stream_file(path, captured_at=CAPTURED)
    chunks = list(stream)

    assert [len(c) for c in chunks] == [60]
    assert stream.format == "CJA Workspace export (CSV)"
