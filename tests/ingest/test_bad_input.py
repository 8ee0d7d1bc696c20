"""Bad files: each is refused with the file, line, column and what was expected."""

from __future__ import annotations

import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import HEADER

OK = "ajo,,W,,,,2026-11-28,sent,1\n"


def long_rows(*lines: str) -> str:
    return HEADER + "\n" + "".join(line + "\n" for line in lines)


# (content, --source, line, column, pieces of the message)
CASES = {
    "missing column": (
        "source,journey,metric,value\najo,W,sent,1\n",
        None,
        1,
        "day",
        ["missing column 'day'", f"expected header: {HEADER}"],
    ),
    "misspelled column": (
        "source,jorney,day,metric,value\najo,W,2026-11-28,sent,1\n",
        None,
        1,
        "jorney",
        ["unknown column 'jorney' — did you mean 'journey'?"],
    ),
    "unknown metric": (
        long_rows("ajo,,W,,,,2026-11-28,sent,1", "ajo,,W,,,,2026-11-28,sendz,1"),
        None,
        3,
        "metric",
        ["unknown metric 'sendz' — did you mean 'send'?"],
    ),
    "non-numeric value": (
        long_rows("ajo,,W,,,,2026-11-28,sent,abc"),
        None,
        2,
        "value",
        ["value 'abc' is not a number", "expected a whole number"],
    ),
    "negative value": (
        long_rows("ajo,,W,,,,2026-11-27,sent,1", "ajo,,W,,,,2026-11-28,sent,-4"),
        None,
        3,
        "value",
        ["negative value '-4'"],
    ),
    "non-integral value": (
        long_rows('ajo,,W,,,,2026-11-28,sent,"1,234.5"'),
        None,
        2,
        "value",
        ["value '1,234.5' is not a whole number"],
    ),
    "empty value": (
        long_rows("ajo,,W,,,,2026-11-28,sent,"),
        None,
        2,
        "value",
        ["empty value"],
    ),
    "bad date": (
        long_rows("ajo,,W,,,,28.13.2026,sent,1"),
        None,
        2,
        "day",
        ["bad date '28.13.2026' (expected YYYY-MM-DD"],
    ),
    "impossible date": (
        long_rows(OK.strip(), "ajo,,W,,,,2026-02-30,sent,1"),
        None,
        3,
        "day",
        ["bad date '2026-02-30'"],
    ),
    "bad captured_at": (
        long_rows("ajo,yesterday,W,,,,2026-11-28,sent,1"),
        None,
        2,
        "captured_at",
        ["bad captured_at 'yesterday'", "ISO 8601"],
    ),
    "empty file": ("", None, None, None, ["the file is empty"]),
    "blank file": ("\n  \n", None, None, None, ["the file is empty"]),
    "header only": (HEADER + "\n", None, None, None, ["header but no data rows"]),
    "same key, different values": (
        long_rows(OK.strip(), "ajo,,W,,,,2026-11-29,sent,1", "ajo,,W,,,,11/28/2026,Sends,2"),
        None,
        4,
        "value",
        ["sent for journey 'W' on 2026-11-28 appears twice", "1 on line 2 and 2 on line 4"],
    ),
    "unknown source": (
        long_rows("xyz,,W,,,,2026-11-28,sent,1"),
        None,
        2,
        "source",
        ["unknown source 'xyz' (expected 'ajo' or 'cja')"],
    ),
    "empty source, no --source": (
        long_rows(",,W,,,,2026-11-28,sent,1"),
        None,
        2,
        "source",
        ["empty source"],
    ),
    "no source at all": (
        "journey,day,metric,value\nW,2026-11-28,sent,1\n",
        None,
        1,
        "source",
        ["no 'source' column and no --source given"],
    ),
    "file source disagrees with --source": (
        long_rows(OK.strip(), "cja,,W,,,,2026-11-29,sent,1"),
        "ajo",
        3,
        "source",
        ["source 'cja' in the file but --source ajo was given"],
    ),
    "empty journey": (
        long_rows(OK.strip(), "ajo,,  ,,,,2026-11-29,sent,1"),
        None,
        3,
        "journey",
        ["empty journey name"],
    ),
    "too many fields": (
        long_rows(OK.strip(), "ajo,,W,,,,2026-11-29,sent,1,234"),
        None,
        3,
        None,
        ["this row has 10 fields but the header has 9", "needs quotes"],
    ),
    "too few fields": (
        long_rows("ajo,,W,2026-11-29,sent,1", OK.strip()),
        None,
        2,
        None,
        ["this row has 6 fields but the header has 9"],
    ),
    "unclosed quote": (
        long_rows(OK.strip(), 'ajo,,"W,,,,2026-11-29,sent,1', OK.strip()),
        None,
        3,
        None,
        ["quoted field starting on this line", "never closed"],
    ),
    "neither layout": (
        "foo,bar\n1,2\n",
        None,
        1,
        None,
        ["cannot tell the file's format", "not the long format", "not the wide format"],
    ),
    "neither layout, near miss": (
        "day,journey,metrc,value2\n2026-11-28,W,sent,1\n",
        None,
        1,
        "metrc",
        ["cannot tell the file's format", "Column 'metrc' — did you mean 'metric'?"],
    ),
    "wide without journey": (
        "Day,Sends\n2026-11-28,5\n",
        "ajo",
        1,
        "Journey",
        ["missing column 'Journey'"],
    ),
    "wide with two columns for one metric": (
        "Day,Journey,Sends,Sends (AJO)\n2026-11-28,W,5,5\n",
        "ajo",
        1,
        "Sends (AJO)",
        ["columns 'Sends' and 'Sends (AJO)' both give the metric sent"],
    ),
    "wide misspelled metric column": (
        "Day,Journey,Sends,Bouncez\n2026-11-28,W,5,1\n",
        "ajo",
        1,
        "Bouncez",
        ["unknown column 'Bouncez' — did you mean 'bounce'?"],
    ),
    "wide bad number": (
        "Day,Journey,Sends,Opens\n2026-11-28,W,5,\n2026-11-29,W,,many\n",
        "ajo",
        3,
        "Opens",
        ["value 'many' is not a number"],
    ),
    "wide bad date": (
        "Day,Journey,Sends\n2026-11-28,W,5\n2026-11-31,W,6\n",
        "ajo",
        3,
        "Day",
        ["bad date '2026-11-31'"],
    ),
    "wide with every metric cell empty": (
        "Day,Journey,Sends\n2026-11-28,W,\n",
        "ajo",
        None,
        None,
        ["every metric cell is empty"],
    ),
    "wide same day twice, different values": (
        "Day,Journey,Sends\n2026-11-28,W,5\n11/28/26,W,6\n",
        "ajo",
        3,
        "Sends",
        ["5 on line 2 and 6 on line 3"],
    ),
    "value in a column without a name": (
        "Day,Journey,Sends,\n2026-11-28,W,5,\n2026-11-29,W,5,oops\n",
        "ajo",
        3,
        None,
        ["column 4 has no name in the header but holds 'oops'"],
    ),
}


@pytest.mark.parametrize(
    ("content", "source", "line", "column", "pieces"), CASES.values(), ids=CASES.keys()
)
def test_bad_file_is_refused_with_its_place(content, source, line, column, pieces):
    with pytest.raises(BadInput) as caught:
        read_bytes(content.encode(), name="numbers.csv", source=source)

    error = caught.value
    assert (error.file, error.line, error.column) == ("numbers.csv", line, column)
    for piece in pieces:
        assert piece in error.problem


def test_read_file_names_the_path(csv_file):
    path = csv_file(long_rows("ajo,,W,,,,2026-11-28,sent,abc"), name="ajo export.csv")

    with pytest.raises(BadInput) as caught:
        read_file(path)

    assert (caught.value.file, caught.value.line) == (str(path), 2)
    assert str(caught.value).startswith(f"{path}, line 2, column 'value': ")


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput) as caught:
        read_file(tmp_path / "nowhere.csv")

    assert caught.value.file == str(tmp_path / "nowhere.csv")
    assert "cannot read the file" in caught.value.problem


def test_lines_count_quoted_line_breaks_and_blank_lines():
    content = long_rows(
        'ajo,,"Two',
        'lines",,,,2026-11-27,sent,1',
        "",
        "ajo,,W,,,,2026-11-28,sent,x",
    )

    with pytest.raises(BadInput) as caught:
        read_bytes(content.encode(), name="n.csv")

    assert (caught.value.line, caught.value.column) == (5, "value")


def test_the_earliest_bad_cell_is_reported_whatever_its_column():
    content = long_rows(OK.strip(), "ajo,,W,,,,2026-11-29,sent,-1", "ajo,,W,,,,someday,sent,1")

    with pytest.raises(BadInput) as caught:
        read_bytes(content.encode(), name="n.csv")

    assert (caught.value.line, caught.value.column) == (3, "value")


def big_file(bad_row: int, bad: str) -> str:
    """40,000 distinct rows (over 1 MB, several pyarrow blocks); row `bad_row` replaced."""
    lines = [f"ajo,,Journey {i},,,,2026-11-28,sent,{i}" for i in range(40_000)]
    lines[bad_row] = bad
    return long_rows(*lines)


def test_line_of_a_bad_cell_deep_in_a_large_file():
    content = big_file(35_000, "ajo,,Journey x,,,,2026-13-01,sent,1")

    with pytest.raises(BadInput) as caught:
        read_bytes(content.encode(), name="n.csv")

    assert (caught.value.line, caught.value.column) == (35_002, "day")


def test_lines_of_a_repeated_key_far_apart_in_a_large_file():
    content = big_file(39_000, "ajo,,Journey 7,,,,2026-11-28,sent,8")

    with pytest.raises(BadInput) as caught:
        read_bytes(content.encode(), name="n.csv")

    assert (caught.value.line, caught.value.column) == (39_002, "value")
    assert "7 on line 9 and 8 on line 39002" in caught.value.problem
