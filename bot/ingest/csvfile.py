"""CSV text -> a pyarrow table of strings, and data rows -> the physical lines they start on.

The happy path is one multi-threaded pyarrow read. Every column is kept as text (low-cardinality
ones dictionary-encoded, so each distinct value is validated once). The header row is read as
data row 0 and sliced off, so pyarrow never guesses names or types.

Line numbers are only needed once a file is known to be bad; they come from a re-scan with the
csv module, which, like pyarrow, lets quoted fields span lines and skips blank lines.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bot.errors import BadInput
from bot.ingest.decode import Utf8, bad_utf8_line
from bot.ingest.limits import Limits, over
from bot.ingest.sections import delimiter_of

DICTIONARY = pa.dictionary(pa.int32(), pa.string())

# The header must fit in this many bytes; enough for hundreds of columns.
_HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class Header:
    """Column names as written in the file, and the delimiter they were split on."""

    names: tuple[str, ...]
    delimiter: str


def read_header(utf8: Utf8, limits: Limits) -> Header:
    """The first non-blank record. Tab-separated text (Excel's "Unicode text") is accepted too."""
    head = utf8.data[utf8.start : min(utf8.start + _HEAD_BYTES, utf8.stop)]
    try:
        # Incremental: a character cut in two at the end of the head is not an error.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _HEAD_BYTES)
    except UnicodeDecodeError:
        raise bad_utf8_line(Utf8(head, 0)) or BadInput("not a CSV text file") from None
    if len(head) == _HEAD_BYTES and "\n" not in text and "\r" not in text:
        raise BadInput("the header line is too long (over 64 KB)", line=1)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = delimiter_of(first)
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if record:
            refuse_wide(len(record), limits, line=1)
            return Header(tuple(name.strip() for name in record), delimiter)
    raise BadInput("the file is empty")


def refuse_wide(columns: int, limits: Limits, line: int | None = None) -> None:
    if columns > limits.columns:
        raise BadInput(over("the number of columns", columns, limits.columns, "columns"), line=line)


def read_table(
    utf8: Utf8, header: Header, text_columns: Collection[int], limits: Limits
) -> pa.Table:
    """Data rows as strings, columns named c0, c1, ... in file order.

    Columns in `text_columns` (numbers, mostly distinct) are plain strings; the others are
    dictionary-encoded. A table over PARITY_MAX_ROWS rows, or with a cell over
    PARITY_MAX_CELL_CHARS characters, is refused (naming the line of that cell).
    """
    refuse_wide(len(header.names), limits, line=utf8.first_line)
    count = len(header.names)
    names = [f"c{i}" for i in range(count)]
    data = utf8.data
    # An odd number of quotes may mean a quoted field that never ends, which pyarrow would
    # silently stretch to the end of the file.
    if b'"' in data and data.count(b'"', utf8.start, utf8.stop) % 2:
        _check_quotes(utf8, header)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(utf8.start, utf8.stop - utf8.start)),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=header.delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    name: pa.string() if i in text_columns else DICTIONARY
                    for i, name in enumerate(names)
                },
            ),
        )
    except pa.ArrowInvalid as error:
        raise _diagnose(utf8, header, str(error)) from None
    # The parser's block buffers are free now; without this the allocator keeps them (~100 MB
    # for a million rows) on top of everything built next.
    pa.default_memory_pool().release_unused()
    table = table.slice(1)
    if table.num_rows > limits.rows:
        raise BadInput(over("the number of data rows", table.num_rows, limits.rows, "rows"))
    _refuse_long_cells(utf8, header, table, limits)
    return table


def _refuse_long_cells(utf8: Utf8, header: Header, table: pa.Table, limits: Limits) -> None:
    """The first cell longer than PARITY_MAX_CELL_CHARS, refused at its line and column."""
    found = first_long_cell(table, limits.cell_chars)
    if found is not None:
        row, position, length = found
        raise long_cell(length, limits, lines_of(utf8, header, {row}).get(row), header, position)


def long_cell(length: int, limits: Limits, line: int | None, header: Header, position: int):
    return BadInput(
        over("a cell's length in characters", length, limits.cell_chars, "cell_chars"),
        line=line,
        column=header.names[position] or None,
    )


def first_long_cell(table: pa.Table, cap: int) -> tuple[int, int, int] | None:
    """(row, column, length) of the first cell longer than `cap` characters, or None."""
    for position, column in enumerate(table.columns):
        offset = 0
        for chunk in column.chunks:
            found = _first_long(chunk, cap)
            if found is not None:
                return offset + found[0], position, found[1]
            offset += len(chunk)
    return None


def _first_long(chunk: pa.Array, cap: int) -> tuple[int, int] | None:
    """(row, length) of a chunk's first cell longer than `cap` characters, or None."""
    strings = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
    if (pc.max(pc.binary_length(strings)).as_py() or 0) <= cap:
        return None  # no cell has more bytes, so none has more characters
    if pa.types.is_dictionary(chunk.type):
        lengths = pc.fill_null(pc.utf8_length(chunk.dictionary), 0).to_numpy(zero_copy_only=False)
        long = np.flatnonzero(lengths > cap)
        if not len(long):
            return None
        indices = pc.fill_null(chunk.indices, 0).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(np.isin(indices, long))
        return (int(rows[0]), int(lengths[indices[rows[0]]])) if len(rows) else None
    lengths = pc.fill_null(pc.utf8_length(chunk), 0).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(lengths > cap)
    return (int(rows[0]), int(lengths[rows[0]])) if len(rows) else None


def lines_of(utf8: Utf8, header: Header, rows: Collection[int]) -> dict[int, int]:
    """The physical line (1-based) each data row starts on; row 0 is the first after the header."""
    wanted = set(rows)
    found: dict[int, int] = {}
    for row, start, _ in _records(utf8, header):
        if row in wanted:
            found[row] = start
            if len(found) == len(wanted):
                break
    return found


def _records(utf8: Utf8, header: Header, *, strict: bool = False):
    """(data row, first line, fields) for every record after the header, as pyarrow counts them."""
    reader = csv.reader(utf8.text(), delimiter=header.delimiter, strict=strict)
    row = -1  # the header is row -1
    start = utf8.first_line
    try:
        for record in reader:
            if record:  # pyarrow skips blank lines, so they do not count as rows
                if row >= 0:
                    yield row, start, record
                row += 1
            start = reader.line_num + utf8.first_line
    except csv.Error as error:
        # Unclosed quotes end here: at the end of the data, or past the csv field size limit.
        raise BadInput(
            f"a quoted field starting on this line is badly quoted or never closed ({error});"
            " every '\"' that opens a field needs a closing '\"'",
            line=start,
        ) from None


def _check_quotes(utf8: Utf8, header: Header) -> None:
    for _ in _records(utf8, header, strict=True):
        pass


def _diagnose(utf8: Utf8, header: Header, message: str) -> BadInput:
    """Turn a pyarrow read error into one that names the line."""
    if "UTF8" in message:
        return bad_utf8_line(utf8) or BadInput(f"not a CSV text file ({message})")
    count = len(header.names)
    for _, start, record in _records(utf8, header):
        if len(record) != count:
            problem = f"this row has {len(record)} fields but the header has {count}"
            if len(record) > count and header.delimiter == ",":
                problem += " (a value with a comma in it needs quotes)"
            return BadInput(problem, line=start)
    return BadInput(f"cannot read the file as CSV: {message}")
