"""Tables cut out of an export (Workspace tables, AJO widgets) -> one canonical frame.

A block is one table's data rows, read by the same CSV reader as plain files, plus what
the export states once for the whole table (the product, a journey, a channel). Blocks are
checked by the same helpers as plain wide files, then joined before the frame is built, so
a number two tables give differently is refused just like one a file gives twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from bot.errors import BadInput
from bot.ingest import build, wide
from bot.ingest.detect import Layout
from bot.ingest.dimensions import dimensions
from bot.ingest.observations import Observations
from bot.ingest.values import CellError, Coded

# data rows of a block -> the physical line each starts on
Locate = Callable[[Collection[int]], dict[int, int]]


@dataclass(frozen=True)
class Block:
    """One table's data rows (strings, in file column order) and how to read them."""

    table: pa.Table
    layout: Layout
    # canonical column -> value, for columns the table does not have (source, journey...)
    constants: Mapping[str, Hashable]
    locate: Locate
    # journey of each metric column, when journeys are in columns rather than rows
    column_journeys: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Read:
    """The frame, and per block the numbers found (for totals checks), in block order."""

    frame: pd.DataFrame
    found: list[Observations]


def read(blocks: list[Block], *, captured_at: np.datetime64, date_order: str | None = None) -> Read:
    """Validate every block and build one frame; BadInput names the line and column."""
    found: list[Observations] = []
    for block in blocks:
        coded, errors = dimensions(
            block.table, block.layout, source=None, captured_at=captured_at,
            constants=block.constants, date_order=date_order,
        )  # fmt: skip
        observed, more = wide.observations(block.table, block.layout, coded)
        if errors or more:
            raise _located(block, min(errors + more))
        found.append(_with_column_journeys(observed, block.column_journeys))
    if not any(len(f) for f in found):
        raise BadInput("no numbers in the file: every metric cell is empty")

    joined, names = _join(found, blocks)
    result = build.frame(joined, Layout("wide", tuple(names), {}))
    if isinstance(result, CellError):
        raise _conflict(result, blocks)
    return Read(result, found)


def _with_column_journeys(found: Observations, journeys: Mapping[int, str]) -> Observations:
    if not journeys:
        return found
    names = sorted(set(journeys.values()))
    lookup = np.zeros(int(found.positions.max(initial=0)) + 1, dtype=np.int32)
    for position, journey in journeys.items():
        if position < len(lookup):
            lookup[position] = names.index(journey)
    columns = dict(found.columns)
    columns["journey"] = Coded(lookup[found.positions], names)
    return Observations(columns, found.value, found.rows, found.positions)


def _join(found: list[Observations], blocks: list[Block]) -> tuple[Observations, list[str]]:
    """All blocks' observations as one; rows and positions numbered across blocks."""
    names: list[str] = []
    rows, positions = [], []
    row_offset = 0
    for observed, block in zip(found, blocks, strict=True):
        rows.append(observed.rows.astype(np.int64) + row_offset)
        positions.append(observed.positions.astype(np.int64) + len(names))
        row_offset += block.table.num_rows
        names.extend(block.layout.names)
    columns = {name: union([f.columns[name] for f in found]) for name in found[0].columns}
    value = np.concatenate([f.value for f in found]) if len(found) > 1 else found[0].value
    joined = Observations(columns, value, np.concatenate(rows), np.concatenate(positions))
    return joined, names


def union(parts: list[Coded]) -> Coded:
    """Coded columns one after the other, equal values sharing one code again."""
    index: dict[Hashable, int] = {}
    remaps = [
        np.array([index.setdefault(v, len(index)) for v in part.values], dtype=np.int32)
        for part in parts
    ]
    if len(parts) == 1 and len(index) == len(parts[0].values):
        return parts[0]
    codes = np.concatenate([remap[part.codes] for remap, part in zip(remaps, parts, strict=True)])
    kind = np.int8 if len(index) <= 127 else np.int16 if len(index) <= 32767 else np.int32
    return Coded(codes.astype(kind, copy=False), list(index))


def _located(block: Block, error: CellError) -> BadInput:
    return error.located(lambda row: block.locate([row])[row])


def _conflict(error: CellError, blocks: list[Block]) -> BadInput:
    """A number given twice with different values, with both lines (rows are global here)."""
    offsets = np.cumsum([0] + [b.table.num_rows for b in blocks])

    def line_of(row: int) -> int:
        index = int(np.searchsorted(offsets, row, side="right")) - 1
        local = row - int(offsets[index])
        return blocks[index].locate([local])[local]

    return error.located(line_of)


def sums_by_position(found: Observations, groups: np.ndarray | None = None) -> dict:
    """Total of the numbers per (group of the row, column position): for totals checks."""
    group = np.zeros(len(found), dtype=np.int64) if groups is None else groups[found.rows]
    frame = pd.DataFrame({"group": group, "position": found.positions, "value": found.value})
    summed = frame.groupby(["group", "position"], sort=True)["value"].sum()
    return {(int(g), int(p)): int(v) for (g, p), v in summed.items()}
