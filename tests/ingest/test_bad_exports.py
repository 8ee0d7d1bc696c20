"""Damaged exports of every format: each is read correctly or refused, naming the problem.

Fixture files follow the documented shapes (adobe-data.md §7, §9; AJO's CSV layout is not
documented, so its plausible layouts are used). Refused files store nothing: parsing
raises before any frame exists, and the store writes a frame in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import BadInput
from bot.ingest import read_file
from tests.ingest.helpers import FIXTURES

CAPTURED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

# fixture -> (options, numbers read, their sum) for files that are read
READ = {
    "workspace: columns in another order": ("workspace_column_order.csv", {}, 12, 5946),
    "workspace: a totals row added": ("workspace_extra_totals.csv", {}, 8, 8500),
    "workspace: mixed day styles, no separators": (
        "workspace_excel.csv", {"journey": "Welcome Series"}, 12, 8503
    ),
    "workspace: thousands separators": ("workspace_by_day.csv", {}, 16, 10550),
    "workspace: UTF-16 as Excel writes it": ("workspace_utf16.txt", {}, 16, 10550),
    "api: columns in another order": ("api_column_order.json", {}, 6, 6490),
    "api: mixed display labels": ("api_column_order.json", {}, 6, 6490),
    "api: UTF-16": ("api_utf16.json", {}, 6, 6490),
    "ajo: columns in another order": ("ajo_column_order.csv", {}, 8, 4280),
    "ajo: a totals row added": ("ajo_extra_totals.csv", {}, 8, 4280),
    "ajo: mixed date styles": ("ajo_mixed_dates.csv", {}, 12, 6480),
    "ajo: thousands separators": ("ajo_report.csv", {}, 40, 11431),
    "ajo: UTF-16 as Excel writes it": ("ajo_utf16.txt", {}, 4, 2015),
}  # fmt: skip


@pytest.mark.parametrize(("name", "options", "count", "total"), READ.values(), ids=READ.keys())
def test_damage_that_can_be_read_through(name, options, count, total):
    frame = read_file(FIXTURES / name, captured_at=CAPTURED, **options)

    assert (len(frame), int(frame["value"].sum())) == (count, total)


# fixture -> (options, line, pieces of the message)
REFUSED = {
    "workspace: cut short at a line end": (
        "workspace_cut_short.csv", {}, None,
        ["looks cut short", "rows stop at Nov 26, 2026", "Sends (AJO): 2,120 of 4,310"],
    ),
    "workspace: cut mid-line": ("workspace_cut_midline.csv", {}, 14, ["never closed"]),
    "workspace: no metric names row": (
        "workspace_no_header.csv", {}, 10, ["has no header", "row of metric names"]
    ),
    "workspace: an empty table": ("workspace_empty.csv", {}, None, ["has no rows"]),
    "workspace: a file of Adobe Analytics": (
        "workspace_analytics.csv", {}, None,
        ["Adobe Analytics export (report suite 'Acme Production')", "Page Views, Visits"],
    ),
    "workspace: given as AJO's": (
        "workspace_by_day.csv", {"source": "ajo"}, None, ["--source ajo contradicts it"]
    ),
    "api: cut short": ("api_cut_short.json", {}, 62, ["ends in the middle of the JSON"]),
    "api: a page missing": ("api_missing_page.json", {}, None, ["page 2 of 2 is missing"]),
    "api: no columns header": ("api_no_columns.json", {}, None, ["expected 'rows' and 'columns'"]),
    "api: numbers as text with separators": (
        "api_string_numbers.json", {}, None, ["page 1, row 1: 'data' must hold 2 numbers"]
    ),
    "api: an empty table": ("api_empty.json", {}, None, ["its rows are empty"]),
    "api: a response of Adobe Analytics": (
        "api_analytics.json", {"journey": "W"}, None, ["rows are 'variables/page', not days"]
    ),
    "api: an error answer": (
        "api_error.json", {}, None, ["it is an error answer: metrics/sends_ajo is not in"]
    ),
    "api: no journey": ("api_page.json", {}, None, ["does not say which journey"]),
    "ajo: cut short": ("ajo_cut_short.csv", {}, 9, ["this row has 2 fields but the header has 5"]),
    "ajo: no header row": (
        "ajo_no_header.csv", {}, 6, ["widget 'Performance by date' has no header"]
    ),
    "ajo: an empty table": ("ajo_empty.csv", {}, None, ["widgets by date have no rows"]),
    "ajo: given as CJA's": (
        "ajo_report.csv", {"source": "cja"}, None, ["--source cja contradicts"]
    ),
    "another product's email report": (
        "email_platform.csv", {}, 1,
        ["cannot tell the file's format", "also tried: CJA Reporting API response (JSON)"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "options", "line", "pieces"), REFUSED.values(), ids=REFUSED.keys()
)
def test_damage_that_is_refused_with_its_reason(name, options, line, pieces):
    with pytest.raises(BadInput) as caught:
        read_file(FIXTURES / name, captured_at=CAPTURED, **options)

    assert caught.value.file == str(FIXTURES / name)
    assert caught.value.line == line
    for piece in pieces:
        assert piece in caught.value.problem
