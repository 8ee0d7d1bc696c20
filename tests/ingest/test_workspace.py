"""CJA Workspace CSV exports: the layouts Workspace writes and spreadsheets rewrite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import DTYPES, FIXTURES, dtypes, rows

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
AT = "2026-11-29T12:00:00+00:00"

BREAKDOWN = [
    ("Welcome Series", "2026-11-27", "sent", 1000),
    ("Welcome Series", "2026-11-27", "delivered", 980),
    ("Welcome Series", "2026-11-27", "errors", 2),
    ("Welcome Series", "2026-11-28", "sent", 1000),
    ("Welcome Series", "2026-11-28", "delivered", 980),
    ("Welcome Series", "2026-11-28", "errors", 2),
    ("Black Friday, US", "2026-11-27", "sent", 500),
    ("Black Friday, US", "2026-11-27", "delivered", 490),
    ("Black Friday, US", "2026-11-27", "errors", 1),
    ("Black Friday, US", "2026-11-28", "sent", 500),
    ("Black Friday, US", "2026-11-28", "delivered", 490),
    ("Black Friday, US", "2026-11-28", "errors", 1),
]


def short(frame) -> list[tuple]:
    """(journey, day, metric, value) per row: what differs between the layouts."""
    return [(r[2], r[6], r[7], r[8]) for r in rows(frame)]


def read(name: str, **options):
    return read_file(FIXTURES / name, captured_at=CAPTURED, **options)


def test_a_table_by_day_titled_after_its_journey():
    frame = read("workspace_by_day.csv")

    assert rows(frame)[:4] == [
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-25", "sent", 1020),
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-25", "delivered", 990),
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-25", "bounces", 30),
        ("cja", AT, "Welcome Series", "", "", "", "2026-11-25", "opens", 410),
    ]
    assert frame.groupby("metric")["value"].sum().to_dict() == {
        "bounces": 120, "delivered": 4190, "opens": 1930, "sent": 4310
    }  # fmt: skip
    assert dtypes(frame) == DTYPES
    assert frame.attrs["format"] == "CJA Workspace export (CSV)"
    # The rate column is not a count Parity keeps; the totals row adds up, so no other note.
    assert frame.attrs["notes"] == (
        "table 'Welcome Series' (line 10): columns Parity does not use were left out: Open rate",
    )


def test_a_breakdown_by_journey_in_rows():
    assert short(read("workspace_breakdown.csv")) == BREAKDOWN


def test_journeys_shown_once_above_their_days_with_subtotals():
    frame = read("workspace_nested.csv")

    assert short(frame) == [row for row in BREAKDOWN if row[2] != "errors"]
    assert frame.attrs["notes"] == ()


def test_one_table_per_journey():
    assert short(read("workspace_tables.csv")) == [
        ("Welcome Series", "2026-11-27", "sent", 1000),
        ("Welcome Series", "2026-11-27", "unsubscribes", 3),
        ("Welcome Series", "2026-11-28", "sent", 1000),
        ("Welcome Series", "2026-11-28", "unsubscribes", 4),
        ("Black Friday, US", "2026-11-27", "sent", 500),
        ("Black Friday, US", "2026-11-27", "unsubscribes", 1),
        ("Black Friday, US", "2026-11-28", "sent", 500),
        ("Black Friday, US", "2026-11-28", "unsubscribes", 1),
    ]


def test_journeys_in_columns_above_the_metric_names():
    assert sorted(short(read("workspace_columns.csv"))) == [
        ("Black Friday, US", "2026-11-27", "clicks", 20),
        ("Black Friday, US", "2026-11-27", "sent", 500),
        ("Black Friday, US", "2026-11-28", "clicks", 20),
        ("Black Friday, US", "2026-11-28", "sent", 500),
        ("Welcome Series", "2026-11-27", "clicks", 40),
        ("Welcome Series", "2026-11-27", "sent", 1000),
        ("Welcome Series", "2026-11-28", "clicks", 50),
        ("Welcome Series", "2026-11-28", "sent", 1000),
    ]


def test_columns_and_rows_in_another_order_give_the_same_numbers():
    assert sorted(short(read("workspace_column_order.csv"))) == sorted(BREAKDOWN)


def test_a_spreadsheet_saved_copy_with_rewritten_days_and_padded_lines():
    frame = read("workspace_excel.csv")

    assert [r for r in short(frame) if r[2] == "sent"] == [
        ("Welcome Series", "2026-11-25", "sent", 1020),
        ("Welcome Series", "2026-11-26", "sent", 1100),
        ("Welcome Series", "2026-11-27", "sent", 1090),
        ("Welcome Series", "2026-11-28", "sent", 1100),
    ]
    assert frame.groupby("metric")["value"].sum().to_dict() == {
        "delivered": 4190, "sent": 4310, "spam_complaints": 3
    }  # fmt: skip


def test_excel_unicode_text_reads_like_the_csv():
    assert rows(read("workspace_utf16.txt")) == rows(read("workspace_by_day.csv"))


def test_a_totals_row_a_spreadsheet_added_is_checked_not_stored():
    frame = read("workspace_extra_totals.csv")

    assert len(frame) == 8
    assert frame.attrs["notes"] == (
        "table 'Welcome Series' (line 10): a totals row in the table says Sends (AJO) 4,300 "
        "but the rows add up to 4,310",
    )


TABLE = "# Date: Nov 27, 2026 - Nov 28, 2026\n####\n# {title}\n####\n"


def test_totals_that_differ_from_the_rows_are_reported():
    text = TABLE.format(title="Welcome Series") + (
        ',Sends (AJO)\nDay,"2,001"\n"Nov 27, 2026","1,000"\n"Nov 28, 2026","1,000"\n'
    )

    frame = read_bytes(text.encode(), name="w.csv")

    assert frame["value"].tolist() == [1000, 1000]
    assert frame.attrs["notes"] == (
        "table 'Welcome Series' (line 5): the totals row says Sends (AJO) 2,001 but the rows "
        "add up to 2,000",
    )


def test_unspecified_journeys_are_left_out_and_said_so():
    text = TABLE.format(title="Freeform table") + (
        ",,Sends (AJO)\nJourney Name (AJO),Day,15\n"
        'Welcome Series,"Nov 27, 2026",10\nUnspecified,"Nov 27, 2026",5\n'
    )

    frame = read_bytes(text.encode(), name="w.csv")

    assert short(frame) == [("Welcome Series", "2026-11-27", "sent", 10)]
    assert frame.attrs["notes"] == (
        "left out 1 numbers for journey 'Unspecified' (events without a journey name)",
    )


def test_a_table_without_the_comment_block_needs_its_journey():
    text = ',Sends (AJO),Bounces For Outbound Channels (AJO)\nDay,30,3\n"Nov 27, 2026",30,3\n'

    with pytest.raises(BadInput, match="does not say which journey"):
        read_bytes(text.encode(), name="w.csv")
    frame = read_bytes(text.encode(), name="w.csv", journey="Welcome Series")

    assert short(frame) == [
        ("Welcome Series", "2026-11-27", "sent", 30),
        ("Welcome Series", "2026-11-27", "bounces", 3),
    ]


def test_a_generic_table_title_is_not_a_journey():
    text = TABLE.format(title="Freeform table 2") + ',Sends (AJO)\nDay,1\n"Nov 27, 2026",1\n'

    with pytest.raises(BadInput) as caught:
        read_bytes(text.encode(), name="w.csv")

    assert caught.value.problem == (
        "table 'Freeform table 2' (line 5) does not say which journey its numbers are for: "
        "break it down by 'Journey Name (AJO)', name the table after the journey, or give "
        "--journey"
    )
    assert caught.value.line == 6


def test_journey_argument_wins_over_the_title():
    frame = read("workspace_by_day.csv", journey="Welcome (v2)")

    assert set(frame["journey"]) == {"Welcome (v2)"}


def test_a_workspace_export_is_cja_whatever_source_says():
    with pytest.raises(BadInput) as caught:
        read("workspace_by_day.csv", source="ajo")

    assert caught.value.problem == (
        "this is a CJA Workspace export, so its numbers are CJA's; --source ajo contradicts "
        "it (leave --source out)"
    )
    assert read("workspace_by_day.csv", source="cja")["source"].unique().tolist() == ["cja"]


def test_rows_outside_the_panel_date_range_are_noted():
    text = TABLE.format(title="Welcome Series") + ',Sends (AJO)\nDay,2\n"Nov 29, 2026",2\n'

    frame = read_bytes(text.encode(), name="w.csv")

    assert frame.attrs["notes"] == (
        "table 'Welcome Series' (line 5): rows run from Nov 29, 2026 to Nov 29, 2026, outside "
        "the export's date range Nov 27, 2026 – Nov 28, 2026",
    )


def test_a_table_by_another_dimension_is_left_out():
    text = TABLE.format(title="Welcome Series") + (
        ',Sends (AJO)\nDay,1\n"Nov 27, 2026",1\n\n####\n# By subject\n####\n'
        ",Sends (AJO)\nEmail Subject (AJO),1\nHello,1\n"
    )

    frame = read_bytes(text.encode(), name="w.csv")

    assert len(frame) == 1
    assert frame.attrs["notes"] == (
        "table 'By subject' (line 12) is not by day (its rows are Email Subject (AJO)): left out",
    )


def test_a_day_broken_down_by_an_unknown_dimension_is_refused():
    text = (
        TABLE.format(title="W") + ',,Sends (AJO)\nDay,Email Subject (AJO),1\n"Nov 27, 2026",Hi,1\n'
    )

    with pytest.raises(BadInput) as caught:
        read_bytes(text.encode(), name="w.csv")

    assert (caught.value.line, caught.value.column) == (6, "Email Subject (AJO)")
    assert "broken down by 'Email Subject (AJO)'" in caught.value.problem


def test_a_bad_cell_names_its_line_and_column():
    text = TABLE.format(title="W") + ',Sends (AJO)\nDay,2\n"Nov 27, 2026",1\n"Nov 28, 2026",-1\n'

    with pytest.raises(BadInput) as caught:
        read_bytes(text.encode(), name="w.csv")

    assert (caught.value.line, caught.value.column) == (8, "Sends (AJO)")
    assert caught.value.problem.startswith("negative value '-1'")


def test_two_tables_giving_one_number_two_values_are_refused_with_both_lines():
    table = ',Sends (AJO)\nDay,1\n"Nov 27, 2026",{}\n'
    text = (
        TABLE.format(title="Welcome Series") + table.format(1) + "\n"
        + TABLE.format(title="Welcome Series") + table.format(2)
    )  # fmt: skip

    with pytest.raises(BadInput) as caught:
        read_bytes(text.encode(), name="w.csv")

    assert caught.value.line == 15
    assert "1 on line 7 and 2 on line 15" in caught.value.problem


def test_a_journey_named_like_a_week_is_still_a_journey():
    text = TABLE.format(title="Freeform table") + (
        ",,Sends (AJO)\nJourney Name (AJO),Day,3\n"
        'Week 1 Tips,"Nov 27, 2026",1\nWeek 1 Tips,"Nov 28, 2026",2\n'
    )

    frame = read_bytes(text.encode(), name="w.csv")

    assert short(frame) == [
        ("Week 1 Tips", "2026-11-27", "sent", 1),
        ("Week 1 Tips", "2026-11-28", "sent", 2),
    ]


def test_a_week_table_beside_a_day_table_is_left_out_with_what_to_do():
    text = (
        TABLE.format(title="Welcome Series") + ',Sends (AJO)\nDay,1\n"Nov 27, 2026",1\n\n'
        "####\n# By week\n####\n"
        ',Sends (AJO)\nWeek,7\n"Week of Nov 22, 2026",7\n'
    )

    frame = read_bytes(text.encode(), name="w.csv")

    assert short(frame) == [("Welcome Series", "2026-11-27", "sent", 1)]
    assert frame.attrs["notes"] == (
        "table 'By week' (line 12) is by week: Parity compares days; break the table down by "
        "Day and export it again",
    )
