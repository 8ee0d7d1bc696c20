"""The canonical long CSV: happy paths."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import DTYPES, FIXTURES, HEADER, dtypes, rows

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_fixture_with_labels_mixed_dates_quotes_and_thousands():
    frame = read_file(FIXTURES / "ajo_long.csv", captured_at=CAPTURED)

    assert rows(frame) == [
        ("ajo", "2026-11-29T06:00:00+00:00", "Welcome Series", "j-100", "Email 1", "email",
         "2026-11-27", "sent", 1234),
        ("ajo", "2026-11-29T06:00:00+00:00", "Welcome Series", "j-100", "Email 1", "email",
         "2026-11-27", "delivered", 1200),
        ("ajo", "2026-11-29T06:00:00+00:00", "Black Friday, US", "j-200", "Push 1", "push",
         "2026-11-28", "sent", 980),
        ("ajo", "2026-11-29T12:00:00+00:00", "Black Friday, US", "j-200", "Push 1", "push",
         "2026-11-28", "unsubscribes", 3),
    ]  # fmt: skip


def test_frame_has_the_canonical_columns_and_dtypes():
    frame = read_file(FIXTURES / "ajo_long.csv")

    assert list(frame.columns) == list(DTYPES)
    assert dtypes(frame) == DTYPES
    assert list(frame.index) == [0, 1, 2, 3]


def test_any_column_order_and_optional_columns_absent():
    text = "value,metric,day,journey\n5,opens,2026-11-28,Welcome\n"

    frame = read_bytes(text.encode(), name="n.csv", source="cja", captured_at=CAPTURED)

    assert rows(frame) == [
        ("cja", "2026-11-29T12:00:00+00:00", "Welcome", "", "", "", "2026-11-28", "opens", 5)
    ]
    assert dtypes(frame) == DTYPES


def test_header_names_ignore_case_spaces_and_underscores():
    text = (
        "Source,Captured At,Journey,Journey ID,Action,Channel,Date,Metric,Value\n"
        "CJA,2026-11-29 08:30,Welcome,j-1,Email 1,email,2026-11-28,Clicks,7\n"
    )

    frame = read_bytes(text.encode(), name="n.csv")

    assert rows(frame) == [
        ("cja", "2026-11-29T08:30:00+00:00", "Welcome", "j-1", "Email 1", "email",
         "2026-11-28", "clicks", 7),
    ]  # fmt: skip


def test_numbers_as_products_export_them():
    values = ["1234", '"1,234"', '" 1,234.0 "', "1234.00", "0", '"12,345,678"']
    body = "".join(f"ajo,,W,,,,2026-11-{10 + i},sent,{v}\n" for i, v in enumerate(values))

    frame = read_bytes(f"{HEADER}\n{body}".encode(), name="n.csv")

    assert frame["value"].tolist() == [1234, 1234, 1234, 1234, 0, 12345678]


def test_exact_repeats_are_dropped_even_when_spelled_differently():
    text = (
        f"{HEADER}\n"
        "ajo,,W,,,,2026-11-28,sent,1234\n"
        "ajo,,W,,,,2026-11-29,sent,5\n"
        'ajo,,W,,,,11/28/26,Sends,"1,234"\n'
        "ajo,,W,,,,2026-11-28,sent,1234\n"
    )

    frame = read_bytes(text.encode(), name="n.csv", captured_at=CAPTURED)

    assert [(row[6], row[8]) for row in rows(frame)] == [("2026-11-28", 1234), ("2026-11-29", 5)]


def test_same_key_in_the_two_sources_is_not_a_repeat():
    text = f"{HEADER}\najo,,W,,,,2026-11-28,sent,10\ncja,,W,,,,2026-11-28,sent,9\n"

    frame = read_bytes(text.encode(), name="n.csv")

    assert frame["source"].tolist() == ["ajo", "cja"]
    assert frame["value"].tolist() == [10, 9]


def test_crlf_line_endings_blank_lines_and_spaces_around_cells():
    text = (
        f"{HEADER}\r\n"
        "\r\n"
        " ajo , , Welcome , j-1 , Email 1 , email , 2026-11-28 , sent , 12 \r\n"
        "\r\n"
    )

    frame = read_bytes(text.encode(), name="n.csv", captured_at=CAPTURED)

    assert rows(frame) == [
        ("ajo", "2026-11-29T12:00:00+00:00", "Welcome", "j-1", "Email 1", "email",
         "2026-11-28", "sent", 12),
    ]  # fmt: skip


def test_quoted_field_spanning_lines_is_one_value():
    text = f'{HEADER}\najo,,"Two\nlines",,,,2026-11-28,sent,3\n'

    frame = read_bytes(text.encode(), name="n.csv")

    assert frame["journey"].tolist() == ["Two\nlines"]


def test_a_file_of_many_blocks_keeps_every_row_in_order():
    # Over 1 MB: pyarrow reads it as several chunks, each with its own dictionaries.
    start = date(2026, 1, 1)
    body = "".join(
        f"ajo,,Journey {i % 300},,,,{start + timedelta(days=i // 300)},"
        f"{('sent', 'opens', 'clicks')[i % 3]},{i}\n"
        for i in range(40_000)
    )

    frame = read_bytes(f"{HEADER}\n{body}".encode(), name="n.csv")

    assert len(frame) == 40_000
    assert frame["value"].tolist() == list(range(40_000))
    assert frame["journey"].iloc[39_999] == "Journey 99"
    assert frame["day"].iloc[39_999].date().isoformat() == "2026-05-14"
    assert frame["metric"].iloc[39_999] == "sent"
