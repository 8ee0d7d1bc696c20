"""The canonical long CSV and the wide CSV: a header row, then one row per number or per day."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from bot.errors import BadInput
from bot.ingest import build, canonical, wide
from bot.ingest.csvfile import Header, lines_of, read_header, read_table
from bot.ingest.decode import Utf8
from bot.ingest.detect import detect
from bot.ingest.dimensions import dimensions
from bot.ingest.options import Options, Parsed
from bot.ingest.values import CellError

NAME = "CSV (canonical long or wide)"


def read(utf8: Utf8, options: Options) -> Parsed:
    header = read_header(utf8, options.limits)
    journey = options.journey_name()
    layout = detect(
        header.names, source_given=options.source is not None, journey_given=bool(journey)
    )
    if header.delimiter == ";":  # as spreadsheets write where ',' marks decimals
        layout = replace(layout, decimal=",")
    table = read_table(utf8, header, layout.number_columns(), options.limits)
    if not table.num_rows:
        raise BadInput("the file has a header but no data rows")

    constants = {"journey": journey} if journey and "journey" not in layout.columns else {}
    coded, errors = dimensions(
        table,
        layout,
        source=options.source,
        captured_at=options.captured_at,
        constants=constants,
        date_order=options.date_order,
    )
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
    return Parsed(result, (), f"{layout.kind} CSV")


def _located(error: CellError, utf8: Utf8, header: Header) -> BadInput:
    """A cell error with physical line numbers (found by a slow re-scan of the file)."""
    rows = {error.row} | ({error.other_row} if error.other_row is not None else set())
    return error.located(lines_of(utf8, header, rows).__getitem__)
