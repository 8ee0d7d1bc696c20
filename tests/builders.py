"""Small builders for canonical frames in tests: only what a test cares about is spelled."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from bot.ingest.frame import CANONICAL_COLUMNS, FRAME_DTYPES

DEFAULTS = {
    "captured_at": "2026-11-29T14:00:00Z",
    "journey": "Welcome Series",
    "journey_id": "",
    "action": "Email 1",
    "channel": "email",
    "metric": "sent",
}


def frame(*rows: dict) -> pd.DataFrame:
    """A validated canonical frame from dicts (source, day and value required)."""
    records = [{**DEFAULTS, **row} for row in rows]
    result = pd.DataFrame.from_records(records)
    result["captured_at"] = pd.to_datetime(result["captured_at"], utc=True)
    result["day"] = pd.to_datetime(result["day"])
    return result[list(CANONICAL_COLUMNS)].astype(FRAME_DTYPES)


def days_back(today: date, n: int) -> str:
    return (today - timedelta(days=n)).isoformat()
