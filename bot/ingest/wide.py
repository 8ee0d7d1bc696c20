"""The wide CSV: one row per day and journey, one column per metric named by product label.

An empty metric cell means the product did not report that number, so it yields no
observation (a zero would be a claim the file does not make).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.ingest import values
from bot.ingest.detect import Layout
from bot.ingest.observations import Observations
from bot.ingest.values import CellError, Coded


def observations(
    table: pa.Table, layout: Layout, dimensions: dict[str, Coded]
) -> tuple[Observations, list[CellError]]:
    """Each non-empty metric cell -> one observation, in file order (row, then column)."""
    errors = []
    rows, metrics, numbers, positions = [], [], [], []
    for index, (position, _) in enumerate(layout.metrics):
        cells = table.column(position)
        present = pc.not_equal(pc.utf8_trim_whitespace(cells), "")
        where = np.flatnonzero(present.to_numpy(zero_copy_only=False))
        value, bad, problem = values.counts(cells.filter(present), layout.decimal)
        if bad is not None:
            errors.append(CellError(int(where[bad]), position, layout.names[position], problem))
            continue
        rows.append(where)
        metrics.append(np.full(len(where), index, dtype=np.int32))
        numbers.append(value)
        positions.append(np.full(len(where), position, dtype=np.int32))
    if errors:
        return _none(dimensions), errors

    row = np.concatenate(rows)
    order = np.argsort(row, kind="stable")
    row = row[order]
    columns = {name: coded.take(row) for name, coded in dimensions.items()}
    columns["metric"] = Coded(
        np.concatenate(metrics)[order], [metric for _, metric in layout.metrics]
    )
    found = Observations(
        columns, np.concatenate(numbers)[order], row, np.concatenate(positions)[order]
    )
    return found, []


def _none(dimensions: dict[str, Coded]) -> Observations:
    nothing = np.zeros(0, dtype=np.int64)
    return Observations(
        {name: coded.take(nothing) for name, coded in dimensions.items()},
        nothing,
        nothing,
        nothing,
    )
