"""The canonical long CSV: one number per row, `metric` and `value` columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from bot.ingest import values
from bot.ingest.detect import Layout
from bot.ingest.observations import Observations
from bot.ingest.values import CellError, Coded


def observations(
    table: pa.Table, layout: Layout, dimensions: dict[str, Coded]
) -> tuple[Observations, list[CellError]]:
    """Rows -> observations; metric labels resolved, values checked to be counts."""
    errors = []
    position = layout.columns["metric"]
    metric, error = values.code(
        table.column(position), values.metric, position=position, name=layout.names[position]
    )
    if error:
        errors.append(error)
    position = layout.columns["value"]
    value, bad, problem = values.counts(table.column(position), layout.decimal)
    if bad is not None:
        errors.append(CellError(bad, position, layout.names[position], problem))
    found = Observations(
        dimensions | {"metric": metric},
        value,
        np.arange(table.num_rows, dtype=np.int32),
        np.broadcast_to(np.int32(position), table.num_rows),
    )
    return found, errors
