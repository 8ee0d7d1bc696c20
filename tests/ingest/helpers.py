"""Helpers for the parser tests: fixture paths, and frames as plain tuples to compare literally."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures"

HEADER = "source,captured_at,journey,journey_id,action,channel,day,metric,value"

# What every parser must return, spelled out rather than imported from the code under test.
DTYPES = {
    "source": "str",
    "captured_at": "datetime64[us, UTC]",
    "journey": "str",
    "journey_id": "str",
    "action": "str",
    "channel": "str",
    "day": "datetime64[us]",
    "metric": "str",
    "value": "int64",
}


def rows(frame: pd.DataFrame) -> list[tuple]:
    """(source, captured_at, journey, journey_id, action, channel, day, metric, value) per row."""
    return [
        (
            row.source,
            row.captured_at.isoformat(),
            row.journey,
            row.journey_id,
            row.action,
            row.channel,
            row.day.date().isoformat(),
            row.metric,
            int(row.value),
        )
        for row in frame.itertuples(index=False)
    ]


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {column: str(dtype) for column, dtype in frame.dtypes.items()}
