"""The columns that say what a number is about (source, journey, day...), in either layout.

Both layouts describe a row the same way; wide files then spread one row over several
numbers. Columns a file leaves out get one value for every row: the --source given, the
default capture time, or "" for the optional journey_id, action and channel.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

import numpy as np
import pyarrow as pa

from bot.ingest import values
from bot.ingest.detect import Layout
from bot.ingest.values import CellError, Coded


def dimensions(
    table: pa.Table,
    layout: Layout,
    *,
    source: str | None,
    captured_at: np.datetime64,
    constants: Mapping[str, Hashable] | None = None,
    date_order: str | None = None,
    days: dict[str, Hashable] | None = None,
) -> tuple[dict[str, Coded], list[CellError]]:
    """Each dimension column parsed and coded, and the first bad cell of each column.

    `constants` give columns the file states once rather than per row (an export's journey,
    its product); they must already be valid values. Dates like 05/11/2026 are read in
    `date_order` when given, else in the order the column's other dates allow. `days`, for
    the blocks of one file whose days read alone (ISO, or `date_order` given): the days
    earlier blocks parsed, kept across them (each block's dictionary holds every day again).
    """
    parsers: dict[str, Callable[[str], Hashable]] = {
        "source": values.source(source),
        "captured_at": values.captured_at(captured_at),
        "journey": values.journey,
        "journey_id": values.text,
        "action": values.text,
        "channel": values.text,
        "day": values.day,
    }
    missing: dict[str, Hashable] = {"source": source, "captured_at": captured_at}
    missing.update(constants or {})
    coded: dict[str, Coded] = {}
    errors: list[CellError] = []
    for column, parse in parsers.items():
        position = layout.columns.get(column)
        if position is None:
            # detect() refuses files without a journey or day, or without any source,
            # unless the caller states them.
            coded[column] = Coded.constant(missing.get(column, ""), table.num_rows)
            continue
        if column == "day" and days is not None:
            parse = _remembered(values.day_parser((), date_order), days)
        elif column == "day":
            parse = values.day_parser(_distinct(table.column(position)), date_order)
        coded[column], error = values.code(
            table.column(position), parse, position=position, name=layout.names[position]
        )
        if error:
            errors.append(error)
    for position in layout.unnamed:
        _, error = values.code(
            table.column(position), _nameless(position), position=position, name=""
        )
        if error:
            errors.append(error)
    return coded, errors


def _remembered(parse: Callable[[str], Hashable], known: dict) -> Callable[[str], Hashable]:
    """`parse`, each text parsed once into `known` (a bad one raises every time)."""

    def parsed(raw: str) -> Hashable:
        if raw not in known:
            known[raw] = parse(raw)
        return known[raw]

    return parsed


def _distinct(column: pa.ChunkedArray) -> list[str]:
    """The distinct texts of a dictionary-encoded column (no pass over its rows)."""
    return [v for chunk in column.chunks for v in chunk.dictionary.to_pylist() if v]


def _nameless(position: int) -> Callable[[str], str]:
    """Excel adds trailing empty columns: harmless while they stay empty."""

    def parse(raw: str) -> str:
        if raw.strip():
            raise ValueError(
                f"column {position + 1} has no name in the header but holds '{raw.strip()}'"
            )
        return ""

    return parse
