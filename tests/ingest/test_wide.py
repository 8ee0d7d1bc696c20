"""The wide CSV: one row per day and journey, one column per metric label."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import DTYPES, FIXTURES, dtypes, rows

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_fixture_labels_become_metrics_and_empty_cells_no_rows():
    frame = read_file(FIXTURES / "cja_wide.csv", source="cja", captured_at=CAPTURED)

    at = "2026-11-29T12:00:00+00:00"
    assert rows(frame) == [
        ("cja", at, "Welcome Series", "", "", "", "2026-11-27", "sent", 1234),
        ("cja", at, "Welcome Series", "", "", "", "2026-11-27", "bounces", 12),
        ("cja", at, "Welcome Series", "", "", "", "2026-11-27", "delivered", 1200),
        ("cja", at, "Welcome Series", "", "", "", "2026-11-28", "sent", 980),
        ("cja", at, "Welcome Series", "", "", "", "2026-11-28", "delivered", 950),
    ]
    assert dtypes(frame) == DTYPES


def test_optional_columns_and_labels_with_product_suffixes():
    text = (
        "source,captured_at,Journey,Journey ID,Action,Channel,Date,Sends (AJO),Unsubscriptions\n"
        "AJO,2026-11-29T06:00:00Z,Welcome,j-1,Email 1,email,11/28/26,500,2\n"
    )

    frame = read_bytes(text.encode(), name="w.csv")

    assert rows(frame) == [
        ("ajo", "2026-11-29T06:00:00+00:00", "Welcome", "j-1", "Email 1", "email",
         "2026-11-28", "sent", 500),
        ("ajo", "2026-11-29T06:00:00+00:00", "Welcome", "j-1", "Email 1", "email",
         "2026-11-28", "unsubscribes", 2),
    ]  # fmt: skip


def test_a_zero_is_a_number_but_an_empty_cell_is_not():
    text = "day,journey,opens,clicks\n2026-11-28,Welcome,0,\n"

    frame = read_bytes(text.encode(), name="w.csv", source="ajo")

    assert frame["metric"].tolist() == ["opens"]
    assert frame["value"].tolist() == [0]


def test_trailing_unnamed_empty_columns_are_ignored():
    text = "Day,Journey,Sends,,\n2026-11-28,Welcome,7,,\n"

    frame = read_bytes(text.encode(), name="w.csv", source="ajo")

    assert frame["value"].tolist() == [7]


def test_excel_unicode_text_is_utf16_and_tab_separated():
    text = "Day\tJourney\tSends\tBounces\r\nNov 28, 2026\tBienvenue é\t1,234\t3\r\n"

    frame = read_bytes(text.encode("utf-16"), name="w.txt", source="cja", captured_at=CAPTURED)

    assert rows(frame) == [
        ("cja", "2026-11-29T12:00:00+00:00", "Bienvenue é", "", "", "", "2026-11-28", "sent",
         1234),
        ("cja", "2026-11-29T12:00:00+00:00", "Bienvenue é", "", "", "", "2026-11-28", "bounces",
         3),
    ]  # fmt: skip


def test_rows_repeated_across_exports_are_dropped():
    text = "Day,Journey,Sends\n2026-11-28,W,5\n2026-11-29,W,6\n2026-11-28,W,5\n"

    frame = read_bytes(text.encode(), name="w.csv", source="ajo")

    assert frame["value"].tolist() == [5, 6]
