"""Format detection: from the content alone, and when nothing fits, every format and why."""

from __future__ import annotations

import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes
from tests.ingest.helpers import FIXTURES

FORMATS = {
    "workspace_by_day.csv": "CJA Workspace export (CSV)",
    "workspace_utf16.txt": "CJA Workspace export (CSV)",
    "api_pages.json": "CJA Reporting API response (JSON)",
    "ajo_report.csv": "AJO report download (CSV)",
    "ajo_utf16.txt": "AJO report download (CSV)",
    "ajo_long.csv": "long CSV",
    "cja_wide.csv": "wide CSV",
}


@pytest.mark.parametrize(("name", "expected"), FORMATS.items())
def test_the_format_comes_from_the_content_not_the_name(name, expected):
    # As the Slack upload does it: bytes and a name that says nothing.
    data = (FIXTURES / name).read_bytes()

    frame = read_bytes(data, name="upload", source="cja" if name == "cja_wide.csv" else None)

    assert frame.attrs["format"] == expected


def test_when_nothing_fits_every_format_tried_says_why():
    with pytest.raises(BadInput) as caught:
        read_bytes(b"Date,Campaign,Opened\n2026-11-28,Welcome,3\n", name="x.csv")

    problem = caught.value.problem
    assert caught.value.line == 1
    for piece in [
        "cannot tell the file's format",
        "not the long format (no 'metric' and 'value' columns",
        "not the wide format (no column named after a metric",
        "CJA Reporting API response (JSON): not JSON (it does not start with '{' or '[')",
        "CJA Workspace export (CSV): no '#' comment block at the top, and the first rows are "
        "not metric names over totals",
        "AJO report download (CSV): no widget title such as 'Performance by date', and no "
        "'Date' column next to AJO's metric names",
    ]:
        assert piece in problem


def test_a_file_whose_header_row_is_lost_is_refused_as_such():
    with pytest.raises(BadInput) as caught:
        read_bytes(b'"Nov 27, 2026","1,000",980\n"Nov 28, 2026",990,970\n', name="x.csv")

    assert caught.value.line == 1
    assert caught.value.problem.startswith(
        'the first line is a row of data (\'"Nov 27, 2026","1,000",980\'), not column names'
    )


def test_json_that_is_not_a_report_is_not_tried_as_csv():
    with pytest.raises(BadInput) as caught:
        read_bytes(b'{"name": "x", "items": []}', name="x.json")

    assert caught.value.problem == (
        "not a CJA Reporting API response (expected 'rows' and 'columns', as POST /reports "
        "answers; found name, items)"
    )


@pytest.mark.parametrize(
    "header",
    [
        "Day,Journey,Sent,Delivered",  # a journey column: the wide CSV
        "source,Day,Journey,Sent",
        "Day,Sends,Bounces",  # CJA's labels: the wide CSV (which then asks for a journey)
    ],
)
def test_wide_csvs_with_ajo_names_are_not_taken_for_ajo_widgets(header):
    data = f"{header}\n2026-11-28,W,5,4\n".encode()

    with pytest.raises(BadInput) as caught:
        read_bytes(data, name="w.csv")

    assert "AJO report" not in caught.value.problem


def test_a_widget_with_ajo_names_and_no_journey_column_is_ajo():
    frame = read_bytes(b"Date,Sent,Opens\n2026-11-28,5,1\n", name="w.csv", journey="W")

    assert frame.attrs["format"] == "AJO report download (CSV)"
    assert frame["source"].unique().tolist() == ["ajo"]


def test_the_wide_csv_takes_the_journey_argument_when_it_has_no_journey_column():
    frame = read_bytes(b"Day,Sends\n2026-11-28,5\n", name="w.csv", source="cja", journey="W")

    assert frame["journey"].tolist() == ["W"]
    assert frame.attrs["notes"] == ()
