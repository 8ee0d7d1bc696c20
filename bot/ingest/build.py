"""Observations -> the canonical frame, after settling numbers that appear twice.

A key (KEY_COLUMNS) seen twice with the same value is an exact repeat (exports overlap) and
is dropped; with a different value the file contradicts itself and is refused, naming both
lines. Keys are compared as one int64 made from the columns' codes, not as strings.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bot.ingest.detect import Layout
from bot.ingest.frame import CANONICAL_COLUMNS, FRAME_DTYPES, KEY_COLUMNS
from bot.ingest.observations import Observations
from bot.ingest.values import CellError, Coded


def frame(found: Observations, layout: Layout) -> pd.DataFrame | CellError:
    """The validated frame, or the first number the file gives two different values."""
    key = _key([found.columns[name] for name in KEY_COLUMNS])
    # Sorting is cheaper in memory than hashing a million keys, and most files have no repeats.
    if _repeats(key):
        repeated = pd.Index(key).duplicated()
        same = pd.MultiIndex.from_arrays([key, found.value]).duplicated()
        conflict = np.flatnonzero(repeated & ~same)
        if len(conflict):
            return _conflict(found, layout, key, int(conflict[0]))
        found = found.take(~same)
    del key

    columns = {}
    for name in CANONICAL_COLUMNS:
        coded = found.columns.get(name)
        if name == "value":
            columns[name] = found.value
        elif name == "day":
            columns[name] = _times(coded)
        elif name == "captured_at":
            columns[name] = pd.DatetimeIndex(_times(coded)).tz_localize("UTC").array
        else:
            table = pa.array(coded.values, type=pa.large_string())
            columns[name] = pd.array(pc.take(table, coded.codes), dtype=FRAME_DTYPES[name])
    return pd.DataFrame(columns, copy=False)


def _repeats(key: np.ndarray) -> bool:
    ordered = np.sort(key)
    return bool((ordered[1:] == ordered[:-1]).any())


def _times(coded: Coded) -> np.ndarray:
    return np.asarray(coded.values, dtype="datetime64[us]").take(coded.codes)


def _key(coded: list[Coded]) -> np.ndarray:
    """One int64 per observation that is equal exactly when all the key columns are."""
    sizes = [max(len(c.values), 1) for c in coded]
    if math.prod(sizes) < 2**63:
        key = np.zeros(len(coded[0].codes), dtype=np.int64)
        for column, size in zip(coded, sizes, strict=True):
            key *= size
            key += column.codes
        return key
    # Too many distinct values to pack: number the distinct combinations instead.
    stacked = np.stack([c.codes for c in coded], axis=1)
    return np.unique(stacked, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _conflict(found: Observations, layout: Layout, key: np.ndarray, later: int) -> CellError:
    first = int(np.flatnonzero(key == key[later])[0])

    def cell(name: str) -> object:
        coded = found.columns[name]
        return coded.values[coded.codes[later]]

    where = [f"journey '{cell('journey')}'"]
    where += [f"{name} '{cell(name)}'" for name in ("action", "channel") if cell(name)]
    day = np.datetime_as_string(cell("day"), unit="D")
    problem = (
        f"{cell('source')} {cell('metric')} for {', '.join(where)} on {day} appears twice with "
        f"different values: {found.value[first]:,} on line {{other}} and "
        f"{found.value[later]:,} on line {{line}}"
    )
    position = int(found.positions[later])
    return CellError(
        int(found.rows[later]), position, layout.names[position], problem, int(found.rows[first])
    )
