"""Helpers for exports that hold labelled tables: classify header cells, read a table's rows.

A table's rows are read by the plain CSV reader over a window of the file that starts at
the row just above the data, so its line numbers and field-count errors are the file's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.ingest import values
from bot.ingest.csvfile import Header, lines_of, read_table
from bot.ingest.decode import Utf8
from bot.ingest.detect import column_for_name
from bot.ingest.limits import Limits
from bot.ingest.sections import Record, Section
from bot.metrics import metric_for_label

# Numbers as exports write them: counts, decimals, percentages, with or without separators
# (1,234.5 or 1.234,5 and "3,5 %" where ',' marks decimals); never a date such as 28.11.2026.
_NUMBER = re.compile(r"-?(\d{1,3}([,.]\d{3})*|\d+)?([.,]\d+)?\s?%?")
# Rows CJA shows for events without a value in the dimension.
UNSPECIFIED = frozenset({"unspecified", "none", "(none)", "no value", "(no value)"})


def is_number(cell: str) -> bool:
    return bool(cell) and any(c.isdigit() for c in cell) and bool(_NUMBER.fullmatch(cell))


def is_day(cell: str) -> bool:
    return values.is_day(cell)


def is_totals_label(cell: str) -> bool:
    return cell.casefold() in values.TOTALS


def names_days(cell: str) -> bool:
    """The name of the Day dimension in a row ("Day", "Day (AJO)"), as breakdowns repeat it."""
    return bool(cell) and column_for_name(cell) == "day"


def is_label_row(record: Record) -> bool:
    """Names only (metric names, dimension names, journeys over columns): no number, no day."""
    filled = record.filled()
    return bool(filled) and not any(is_number(c) or is_day(c) for _, c in filled)


def metric_positions(record: Record, first: int) -> dict[int, str | None]:
    """Position -> canonical metric (None when the label is not one Parity knows)."""
    return {i: metric_for_label(c) for i, c in record.filled() if i >= first}


def dimension_of(cell: str) -> str | None:
    return column_for_name(cell)


def count(cell: str, decimal: str = ".") -> int | None:
    """A totals cell as a count, or None when it is empty or not a count (a rate, say)."""
    if not cell:
        return None
    found, bad, _ = values.counts(pa.array([cell]), decimal)
    return None if bad is not None else int(found[0])


def read_rows(
    utf8: Utf8,
    above: Record,
    section: Section,
    number_columns: Collection[int],
    limits: Limits,
) -> tuple[pa.Table, Callable[[Collection[int]], dict[int, int]]]:
    """The data rows under `above` to the end of the section, and their line numbers."""
    window = utf8.window(above.start, section.end)
    header = Header(above.cells, record_delimiter(utf8, above))
    table = read_table(window, header, number_columns, limits)

    def locate(rows: Collection[int]) -> dict[int, int]:
        return lines_of(window, header, rows)

    return table, locate


def record_delimiter(utf8: Utf8, record: Record) -> str:
    """The delimiter a header record was split by (tab, ';' or ',')."""
    line = utf8.data[record.start : record.end]
    for delimiter in (b"\t", b";"):
        if line.count(delimiter) >= max(len(record.cells) - 1, 1):
            return delimiter.decode()
    return ","


def cell_flags(column: pa.ChunkedArray, test: Callable[[str], bool]) -> np.ndarray:
    """test(cell) for every row, evaluated once per distinct value of a dictionary column."""
    parts = []
    for chunk in column.chunks:
        dictionary = chunk.dictionary.to_pylist()
        flags = np.array([test((v or "").strip()) for v in dictionary] or [False], dtype=bool)
        parts.append(flags[chunk.indices.to_numpy(zero_copy_only=False)])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def fill_down(
    column: pa.ChunkedArray, empty: np.ndarray, carry: str | None = None
) -> pa.ChunkedArray:
    """Empty cells take the value above them (a breakdown shows each journey once).

    `carry` fills the cells above the first value (the value above this batch of rows).
    """
    text = pc.cast(column, pa.string()).combine_chunks()
    filled = pc.fill_null_forward(pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), text))
    filled = pc.fill_null(filled, carry if carry is not None else "")
    return pa.chunked_array([pc.dictionary_encode(filled)])


def sum_problem(label: str, said: int, added: int) -> str:
    return f"the totals row says {label} {said:,} but the rows add up to {added:,}"
