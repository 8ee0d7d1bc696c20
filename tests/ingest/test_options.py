"""Where source and captured_at come from when the file does not say."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import HEADER

ROW = "{source},{captured_at},W,,,,2026-11-28,sent,1\n"


def long_file(*cells: tuple[str, str]) -> bytes:
    """A long file with one row per (source, captured_at) pair, on consecutive days."""
    body = "".join(
        f"{source},{captured_at},W,,,,2026-11-{10 + i},sent,1\n"
        for i, (source, captured_at) in enumerate(cells)
    )
    return f"{HEADER}\n{body}".encode()


def test_source_argument_fills_a_file_without_source_column():
    frame = read_bytes(b"journey,day,metric,value\nW,2026-11-28,sent,1\n", name="n", source="CJA")

    assert frame["source"].tolist() == ["cja"]


def test_source_cells_any_case_and_empty_cells_take_the_argument():
    frame = read_bytes(long_file(("AJO", ""), ("", ""), ("Ajo", "")), name="n", source="ajo")

    assert frame["source"].tolist() == ["ajo", "ajo", "ajo"]


def test_source_argument_must_be_a_product():
    with pytest.raises(BadInput) as caught:
        read_bytes(long_file(("ajo", "")), name="n.csv", source="adobe")

    assert (caught.value.file, caught.value.line, caught.value.column) == ("n.csv", None, None)
    assert "--source must be 'ajo' or 'cja', not 'adobe'" in caught.value.problem


def test_captured_at_cell_wins_over_the_argument():
    frame = read_bytes(
        long_file(("ajo", "2026-11-29T06:00:00+02:00"), ("ajo", "2026-11-29 07:15")),
        name="n",
        captured_at=datetime(2026, 11, 30, tzinfo=UTC),
    )

    assert [t.isoformat() for t in frame["captured_at"]] == [
        "2026-11-29T04:00:00+00:00",
        "2026-11-29T07:15:00+00:00",
    ]


def test_empty_captured_at_takes_the_argument_converted_to_utc():
    paris = timezone(timedelta(hours=1))

    frame = read_bytes(
        long_file(("ajo", "")),
        name="n",
        captured_at=datetime(2026, 11, 29, 9, 30, tzinfo=paris),
        file_time=datetime(2020, 1, 1, tzinfo=UTC),
    )

    assert frame["captured_at"].iloc[0].isoformat() == "2026-11-29T08:30:00+00:00"


def test_naive_captured_at_argument_means_utc():
    frame = read_bytes(long_file(("ajo", "")), name="n", captured_at=datetime(2026, 11, 29, 9))

    assert frame["captured_at"].iloc[0].isoformat() == "2026-11-29T09:00:00+00:00"


def test_without_argument_empty_captured_at_is_the_file_time():
    frame = read_bytes(
        long_file(("ajo", "")), name="n", file_time=datetime(2026, 11, 28, 23, 59, tzinfo=UTC)
    )

    assert frame["captured_at"].iloc[0].isoformat() == "2026-11-28T23:59:00+00:00"


def test_read_file_uses_the_file_modification_time(csv_file):
    path = csv_file(long_file(("ajo", "")))
    mtime = datetime(2026, 11, 27, 18, 0, tzinfo=UTC).timestamp()
    os.utime(path, (mtime, mtime))

    frame = read_file(path)

    assert frame["captured_at"].iloc[0].isoformat() == "2026-11-27T18:00:00+00:00"


def test_with_nothing_else_empty_captured_at_is_now():
    before = datetime.now(UTC)

    frame = read_bytes(long_file(("ajo", "")), name="n")

    assert before <= frame["captured_at"].iloc[0].to_pydatetime() <= datetime.now(UTC)
