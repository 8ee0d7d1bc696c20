"""Numbers that arrive as arrays (API responses, SQL results) -> the canonical frame.

No CSV lines here: each number carries a description of where it came from ("page 2,
row 14") for errors. Values go through the same coding and key checks as the CSV layouts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from bot.errors import BadInput
from bot.ingest import build
from bot.ingest.detect import Layout
from bot.ingest.observations import Observations
from bot.ingest.values import CellError, Coded
from bot.metrics import METRICS
from bot.store.identity import name_problem

Describe = Callable[[int], str]


def frame(
    *,
    source: str,
    captured_at: np.datetime64,
    journey: Sequence[str] | np.ndarray,
    day: np.ndarray,
    metric: Sequence[str] | np.ndarray,
    value: np.ndarray,
    describe: Describe,
    journey_id: Sequence[str] | np.ndarray | None = None,
    channel: Sequence[str] | np.ndarray | None = None,
) -> pd.DataFrame:
    """One frame from per-number arrays (day as datetime64); BadInput says which number."""
    count = len(value)
    if not count:
        raise BadInput("no numbers to store: the report has no rows")
    value = np.asarray(value, dtype=np.int64)
    if (value < 0).any():
        raise BadInput(f"{describe(int(np.flatnonzero(value < 0)[0]))}: negative count")
    columns = {
        "source": Coded.constant(source, count),
        "captured_at": Coded.constant(captured_at, count),
        "journey": _coded(journey),
        "journey_id": _coded(journey_id) if journey_id is not None else Coded.constant("", count),
        "action": Coded.constant("", count),
        "channel": _coded(channel) if channel is not None else Coded.constant("", count),
        "day": _coded(np.asarray(day, dtype="datetime64[us]")),
        "metric": _coded(metric),
    }
    for position, name in enumerate(columns["journey"].values):
        if not str(name).strip():
            row = int(np.flatnonzero(columns["journey"].codes == position)[0])
            raise BadInput(f"{describe(row)}: empty journey name")
    for column, what in (
        ("journey", "journey name"),
        ("journey_id", "journey id"),
        ("channel", "channel"),
    ):
        for position, name in enumerate(columns[column].values):
            if problem := name_problem(what, name):
                row = int(np.flatnonzero(columns[column].codes == position)[0])
                raise BadInput(f"{describe(row)}: {problem}")
    unknown = set(columns["metric"].values) - set(METRICS)
    if unknown:
        raise BadInput(f"unknown metric '{sorted(unknown)[0]}'")
    rows = np.arange(count, dtype=np.int64)
    found = Observations(columns, value, rows, np.zeros(count, dtype=np.int64))
    result = build.frame(found, Layout("wide", ("value",), {}))
    if isinstance(result, CellError):
        problem = result.problem.replace("line {line}", describe(result.row))
        if result.other_row is not None:
            problem = problem.replace("line {other}", describe(result.other_row))
        raise BadInput(problem)
    return result


def _coded(cells) -> Coded:
    """Codes into the distinct values (text trimmed, days as datetime64[us])."""
    array = np.asarray(cells)
    if array.dtype.kind == "M":
        codes, uniques = pd.factorize(array.astype("datetime64[us]"), sort=False)
        return Coded(codes.astype(np.int32), list(np.asarray(uniques, dtype="datetime64[us]")))
    codes, uniques = pd.factorize(array, sort=False)
    # Trim the few distinct values, then merge those that became equal.
    trimmed, merged = pd.factorize(np.array([str(v).strip() for v in uniques], dtype=object))
    return Coded(trimmed[codes].astype(np.int32), [str(v) for v in merged])
