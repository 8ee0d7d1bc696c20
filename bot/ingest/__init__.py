"""Parsers: a CSV file (canonical long or wide layout) -> one validated canonical frame.

Everything is checked before a frame is returned, so the store can write it as is; a bad
file raises BadInput naming the file, the line, the column and what was expected.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from bot.errors import BadInput
from bot.ingest import build, canonical, wide
from bot.ingest.csvfile import Header, lines_of, read_header, read_table
from bot.ingest.decode import Utf8, decode
from bot.ingest.detect import detect
from bot.ingest.dimensions import dimensions
from bot.ingest.frame import SOURCES
from bot.ingest.values import CellError, utc_naive

__all__ = ["read_bytes", "read_file"]


def read_file(
    path: str | Path, *, source: str | None = None, captured_at: datetime | None = None
) -> pd.DataFrame:
    """Read a CSV file; rows without a capture time get `captured_at`, else the file's mtime."""
    path = Path(path)
    try:
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as error:
        raise BadInput(f"cannot read the file ({error.strerror})", file=str(path)) from None
    return read_bytes(data, name=str(path), source=source, captured_at=captured_at, file_time=mtime)


def read_bytes(
    data: bytes,
    *,
    name: str,
    source: str | None = None,
    captured_at: datetime | None = None,
    file_time: datetime | None = None,
) -> pd.DataFrame:
    """Parse CSV bytes (an upload, a download) named `name` in errors.

    `source` is required when the file has no source column, and must agree with it when it
    has one. Empty capture times become `captured_at`, else `file_time`, else now (naive = UTC).
    """
    try:
        return _read(
            data,
            source=_source(source),
            captured_at=utc_naive(captured_at or file_time or datetime.now(UTC)),
        )
    except BadInput as error:
        raise error.in_file(name) from None


def _source(given: str | None) -> str | None:
    if given is None:
        return None
    if given.strip().lower() not in SOURCES:
        raise BadInput(f"--source must be 'ajo' or 'cja', not '{given}'")
    return given.strip().lower()


def _read(data: bytes, *, source: str | None, captured_at: np.datetime64) -> pd.DataFrame:
    utf8 = decode(data)
    if utf8.is_blank():
        raise BadInput("the file is empty (expected a CSV header and rows)")
    header = read_header(utf8)
    layout = detect(header.names, source_given=source is not None)
    table = read_table(utf8, header, layout.number_columns())
    if not table.num_rows:
        raise BadInput("the file has a header but no data rows")

    coded, errors = dimensions(table, layout, source=source, captured_at=captured_at)
    parser = canonical if layout.kind == "long" else wide
    found, more = parser.observations(table, layout, coded)
    # Everything needed is in `found`: give the text back before the frame is built (or the
    # file re-scanned for line numbers).
    del table, coded
    pa.default_memory_pool().release_unused()
    if errors or more:
        raise _located(min(errors + more), utf8, header)
    if not len(found):
        raise BadInput("no numbers in the file: every metric cell is empty")
    result = build.frame(found, layout)
    if isinstance(result, CellError):
        raise _located(result, utf8, header)
    return result


def _located(error: CellError, utf8: Utf8, header: Header) -> BadInput:
    """A cell error with physical line numbers (found by a slow re-scan of the file)."""
    rows = {error.row} | ({error.other_row} if error.other_row is not None else set())
    lines = lines_of(utf8, header, rows)
    line = lines[error.row]
    problem = error.problem.replace("{line}", str(line))
    if error.other_row is not None:
        problem = problem.replace("{other}", str(lines[error.other_row]))
    return BadInput(problem, line=line, column=error.column or None)
