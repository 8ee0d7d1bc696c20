"""Cell parsers: days in every style products and spreadsheets write, counts as exported."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ingest import values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-28", "2026-11-28"),
        ("Nov 28, 2026", "2026-11-28"),
        ("November 3, 2026", "2026-11-03"),
        ("Sep 1, 2026", "2026-09-01"),
        ("11/28/2026", "2026-11-28"),
        ("1/2/2026", "2026-01-02"),
        ("11/28/26", "2026-11-28"),
        (" 2026-11-28 ", "2026-11-28"),
    ],
)
def test_day_styles(raw, expected):
    assert str(values.day(raw).astype("datetime64[D]")) == expected


@pytest.mark.parametrize(
    "raw", ["28/11/2026", "2026-11-28T10:00", "Nov 2026", "Foo 28, 2026", "13/01/2026", ""]
)
def test_days_that_are_refused(raw):
    with pytest.raises(ValueError, match=r"^bad date '.*' \(expected YYYY-MM-DD"):
        values.day(raw)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_day_style_means_the_same_day(day):
    styles = [
        day.isoformat(),
        f"{day:%b} {day.day}, {day.year}",
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02d}/{day.day:02d}/{day:%y}",
    ]

    assert {values.day(style) for style in styles} == {np.datetime64(day, "us")}


def counts(*cells: str) -> list[int]:
    result, bad, problem = values.counts(pa.chunked_array([pa.array(cells)]))
    assert bad is None, problem
    return result.tolist()


@given(st.integers(min_value=0, max_value=10**15))
def test_counts_in_every_export_spelling(number):
    spellings = [f"{number}", f"{number:,}", f" {number:,}.0 ", f"{number}.00"]

    assert counts(*spellings) == [number] * 4


@pytest.mark.parametrize(
    ("cells", "index", "problem"),
    [
        (["1", "2", "-3"], 2, "negative value '-3' (counts cannot be below zero)"),
        (["1", "1,5"], 1, "value '1,5' is not written as products export counts"),
        (["1", "2.5"], 1, "value '2.5' is not a whole number (counts are integers)"),
        (["n/a"], 0, "value 'n/a' is not a number"),
        (["1", ""], 1, "empty value"),
        (["1", "nan"], 1, "value 'nan' is not a number"),
    ],
)
def test_bad_counts_name_the_first_bad_cell(cells, index, problem):
    _, bad, message = values.counts(pa.chunked_array([pa.array(cells)]))

    assert bad == index
    assert message.startswith(problem)


def test_metric_labels_and_suggestions():
    assert values.metric(" Messages successfully sent ") == "delivered"
    with pytest.raises(ValueError, match=r"unknown metric 'opnes' — did you mean 'opens'\?"):
        values.metric("opnes")
