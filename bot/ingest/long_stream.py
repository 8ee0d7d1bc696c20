"""A large canonical long CSV read in chunks: memory stays flat however long the file is.

Read whole, a 20-million-row canonical file took 4.5 GB. Here pyarrow's streaming reader
hands over blocks of rows; each goes through the same checks as a whole file (the same
dimensions, the same counts, the same repeats within it) and comes out as a canonical
frame chunk that the store writes in the file's one transaction (Store.save_stream). What
only the whole file can tell is told by the store: a number a later chunk gives again is
dropped when equal and refused when it differs (bot.store.writer).

Days are decided per chunk only where that cannot differ from the whole file: a file whose
first block writes ISO days (YYYY-MM-DD), or read with --date-order. A file that writes
05/11/2026 without --date-order is read whole, where all its days decide the order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bot.errors import BadInput
from bot.ingest import build, canonical
from bot.ingest.csvfile import (
    DICTIONARY,
    Header,
    first_long_cell,
    lines_of,
    long_cell,
    read_header,
)
from bot.ingest.decode import Utf8
from bot.ingest.detect import Layout, detect
from bot.ingest.dimensions import dimensions
from bot.ingest.frame import KEY_COLUMNS, refuse_future
from bot.ingest.limits import over
from bot.ingest.options import Options
from bot.ingest.values import _ISO_DAY, CellError

NAME = "long CSV"
# Rows per chunk handed to the store: blocks of 1 MB (~16,000 rows) joined.
ROWS_PER_CHUNK = 128_000


def layout_of(head: Utf8, options: Options) -> tuple[Header, Layout] | None:
    """The header and layout of a canonical long CSV from the file's head, or None when
    the head is not one (the whole-file read then says what is wrong, as always)."""
    try:
        header = read_header(head, options.limits)
        layout = detect(
            header.names,
            source_given=options.source is not None,
            journey_given=bool(options.journey_name()),
        )
    except BadInput:
        return None
    if layout.kind != "long":
        return None
    if header.delimiter == ";":  # as spreadsheets write where ',' marks decimals
        layout = replace(layout, decimal=",")
    return header, layout


def open_reader(source, header: Header, layout: Layout, block_bytes: int):
    names = [f"c{i}" for i in range(len(header.names))]
    text = layout.number_columns()
    return pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(
            column_names=names, block_size=block_bytes, use_threads=False
        ),
        parse_options=pacsv.ParseOptions(delimiter=header.delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() if i in text else DICTIONARY for i, n in enumerate(names)}
        ),
    )


def chunks(
    reader, first: pa.RecordBatch, header: Header, layout: Layout, options: Options, window
) -> Iterator[pd.DataFrame]:
    """Canonical frames of about `ROWS_PER_CHUNK` rows (`first` already read, its first row
    the header). `window` gives the file's lines for the rare error."""
    held: list[pd.DataFrame] = []
    for frame in _blocks(reader, first, header, layout, options, window):
        held.append(frame)
        if sum(map(len, held)) >= ROWS_PER_CHUNK:
            yield _joined(held)
            held = []
    if held:
        yield _joined(held)


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Blocks as one chunk: each store write has a cost of its own, and pyarrow's reader
    keeps more memory with larger blocks than these frames take. A number two blocks both
    give is dropped when equal and refused when not, as within a block."""
    if len(frames) == 1:
        return frames[0]
    joined = pd.concat(frames, ignore_index=True)
    repeated = joined.duplicated(list(KEY_COLUMNS))
    if repeated.any():
        same = joined.duplicated([*KEY_COLUMNS, "value"])
        if (repeated & ~same).any():
            row = joined.loc[repeated & ~same].iloc[0]
            raise BadInput(
                f"{row['source']} {row['metric']} for journey '{row['journey']}' on "
                f"{row['day']:%Y-%m-%d} appears twice with different values"
            )
        joined = joined.loc[~same].reset_index(drop=True)
    return joined


def _blocks(
    reader, first: pa.RecordBatch, header: Header, layout: Layout, options: Options, window
) -> Iterator[pd.DataFrame]:
    """Canonical frames, block by block."""
    journey = options.journey_name()
    constants = {"journey": journey} if journey and "journey" not in layout.columns else {}
    offset, batch, any_rows, first_capture = 0, first, False, None
    days: dict = {}  # the days parsed so far: every block's dictionary holds them again
    while batch is not None:
        table = pa.Table.from_batches([batch])
        if offset == 0 and batch is first:
            table = table.slice(1)  # the header, read as data so nothing is guessed
        del batch
        if offset + table.num_rows > options.limits.rows:
            rows = offset + table.num_rows
            raise BadInput(over("the number of data rows", rows, options.limits.rows, "rows"))
        if (long := first_long_cell(table, options.limits.cell_chars)) is not None:
            row, position, length = long
            line = lines_of(window, header, {offset + row}).get(offset + row)
            raise long_cell(length, options.limits, line, header, position)
        if table.num_rows and not days_read_per_chunk(table, layout, options):
            raise BadInput(
                "a large file's days must all be written as YYYY-MM-DD as its first rows "
                "are, or be read with --date-order"
            )
        frame = _frame(table, layout, options, constants, window, header, offset, days)
        offset += table.num_rows
        del table
        pa.default_memory_pool().release_unused()  # or the allocator keeps every block
        if frame is not None:
            capture = (frame["source"].iloc[0], frame["captured_at"].iloc[0])
            if (
                frame["source"].nunique() > 1
                or frame["captured_at"].nunique() > 1
                or (any_rows and capture != first_capture)
            ):
                raise BadInput(
                    "a large file is read in chunks as one capture of one product, and this "
                    "one has several further on: split it by source and capture time"
                )
            first_capture = capture
            any_rows = True
            refuse_future(frame, options.today)
            yield frame
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            batch = None
    if not offset:
        raise BadInput("the file has a header but no data rows")
    if not any_rows:
        raise BadInput("no numbers in the file: every metric cell is empty")


def one_capture(table: pa.Table, layout: Layout) -> bool:
    """Whether the block holds one product's one capture (a file read in chunks is stored
    as one snapshot; a file of several is read whole)."""
    for name in ("source", "captured_at"):
        if name in layout.columns:
            used = pc.unique(table.column(layout.columns[name]))
            if len(used) > 1:
                return False
    return True


def days_read_per_chunk(table: pa.Table, layout: Layout, options: Options) -> bool:
    """Whether the block's days read the same alone as with the whole file: --date-order
    given, or every day written ISO."""
    if options.date_order is not None:
        return True
    column = table.column(layout.columns["day"])
    for chunk in column.chunks:
        strings = pc.unique(chunk)  # the days used: a block's dictionary may hold others
        if pa.types.is_dictionary(strings.type):
            strings = strings.dictionary_decode()
        for cell in strings.to_pylist():
            if cell and cell.strip() and not _ISO_DAY.fullmatch(cell.strip()):
                return False
    return True


def _frame(table, layout, options, constants, window, header, offset, days) -> pd.DataFrame | None:
    """One block's canonical frame; errors name the file's line."""

    def located(error: CellError) -> BadInput:
        rows = {offset + error.row}
        if error.other_row is not None:
            rows.add(offset + error.other_row)
        lines = lines_of(window, header, rows)
        return error.located(lambda row: lines[offset + row])

    coded, errors = dimensions(
        table,
        layout,
        source=options.source,
        captured_at=options.captured_at,
        constants=constants,
        date_order=options.date_order,
        days=days,
    )
    found, more = canonical.observations(table, layout, coded)
    del coded
    if errors or more:
        raise located(min(errors + more))
    if not len(found):
        return None
    result = build.frame(found, layout)
    if isinstance(result, CellError):
        raise located(result)
    return result
