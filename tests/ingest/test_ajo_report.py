"""AJO report CSV downloads: report-level files and single widgets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import DTYPES, FIXTURES, dtypes, rows

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
AT = "2026-11-29T12:00:00+00:00"


def short(frame) -> list[tuple]:
    return [(r[2], r[5], r[6], r[7], r[8]) for r in rows(frame)]


def test_a_report_level_download_reads_the_performance_by_date_widget():
    frame = read_file(FIXTURES / "ajo_report.csv", captured_at=CAPTURED)

    assert rows(frame)[:10] == [
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "sent", 1030),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "delivered", 1000),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "bounces", 28),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "retries", 0),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "errors", 2),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "excluded", 10),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "opens", 460),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "clicks", 150),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "unsubscribes", 2),
        ("ajo", AT, "Welcome Series", "", "", "", "2026-11-25", "spam_complaints", 0),
    ]
    assert len(frame) == 40
    assert dtypes(frame) == DTYPES
    assert frame.attrs["format"] == "AJO report download (CSV)"
    # The Statistics widget's totals agree with the days, so that is all there is to say.
    assert frame.attrs["notes"] == ("widgets without a Date column were left out: Statistics",)


def test_a_widget_downloaded_alone_needs_the_journey():
    with pytest.raises(BadInput) as caught:
        read_file(FIXTURES / "ajo_widget.csv")
    assert "does not say which journey it is for" in caught.value.problem

    frame = read_file(FIXTURES / "ajo_widget.csv", captured_at=CAPTURED, journey="Welcome")

    assert short(frame)[:3] == [
        ("Welcome", "", "2026-11-27", "sent", 500),
        ("Welcome", "", "2026-11-27", "delivered", 490),
        ("Welcome", "", "2026-11-27", "bounces", 8),
    ]
    assert frame.groupby("metric")["value"].sum().to_dict()["spam_complaints"] == 1


def test_the_title_names_the_channel_and_a_line_names_the_journey():
    text = "Journey: Cart Reminder\n\nSMS - Performance by date\nDate,Sent\n2026-11-28,40\n"

    frame = read_bytes(text.encode(), name="a.csv", captured_at=CAPTURED)

    assert short(frame) == [("Cart Reminder", "sms", "2026-11-28", "sent", 40)]


def test_a_widget_title_without_a_date_column_is_left_out():
    text = (
        "Journey,W\n\nTop links\nLink,Clicks,Unique clicks\nhttps://a,4,3\n\n"
        "Performance by date\nDate,Clicks\n2026-11-28,4\n"
    )

    frame = read_bytes(text.encode(), name="a.csv")

    assert short(frame) == [("W", "", "2026-11-28", "clicks", 4)]
    assert frame.attrs["notes"] == ("widgets without a Date column were left out: Top links",)


def test_statistics_that_do_not_match_the_days_are_noted():
    text = (
        "Journey,W\n\nStatistics\nTargeted,Sent,Delivered\n100,90,80\n\n"
        "Performance by date\nDate,Sent,Delivered\n2026-11-28,60,80\n"
    )

    frame = read_bytes(text.encode(), name="a.csv")

    assert frame.attrs["notes"] == (
        "widgets without a Date column were left out: Statistics",
        "the Statistics widget says sent 90 but the days add up to 60 (a period longer than "
        "the days shown, or rows missing)",
    )


def test_an_ajo_report_is_ajo_whatever_source_says():
    with pytest.raises(BadInput) as caught:
        read_file(FIXTURES / "ajo_report.csv", source="cja")

    assert caught.value.problem == (
        "this is an AJO report download, so its numbers are AJO's; --source cja contradicts "
        "it (leave --source out)"
    )


def test_two_columns_for_one_metric_are_refused():
    text = "Journey,W\n\nPerformance by date\nDate,Unsubscribe,Unsubscriptions\n2026-11-28,1,1\n"

    with pytest.raises(BadInput) as caught:
        read_bytes(text.encode(), name="a.csv")

    assert (caught.value.line, caught.value.column) == (4, "Unsubscriptions")
    assert "both give the metric unsubscribes" in caught.value.problem


def test_a_bad_number_names_its_line_and_column():
    text = "Journey,W\n\nPerformance by date\nDate,Sent,Opens\n2026-11-27,1,2\n2026-11-28,3,n/a\n"

    with pytest.raises(BadInput) as caught:
        read_bytes(text.encode(), name="a.csv")

    assert (caught.value.line, caught.value.column) == (6, "Opens")
    assert caught.value.problem.startswith("value 'n/a' is not a number")
