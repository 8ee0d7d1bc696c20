"""The canonical frame: what every parser yields and the store accepts.

One row per number: (source, captured_at, journey, journey_id, action, channel, day, metric)
-> value. Parsers validate everything before returning, so the store can write without
checking again.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from bot.errors import BadInput
from bot.metrics import SOURCES

__all__ = ["CANONICAL_COLUMNS", "FRAME_DTYPES", "KEY_COLUMNS", "SOURCES", "empty_frame"]

# Column order of the canonical long CSV and of the frame.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "source",
    "captured_at",
    "journey",
    "journey_id",
    "action",
    "channel",
    "day",
    "metric",
    "value",
)

# The identity of a number inside one file; two rows with the same key must agree.
KEY_COLUMNS: tuple[str, ...] = (
    "source",
    "captured_at",
    "journey",
    "journey_id",
    "action",
    "channel",
    "day",
    "metric",
)

# dtypes of a validated frame. Strings are plain str ("" when the file left them empty);
# day is midnight (no time zone) in the reporting calendar; captured_at is UTC.
FRAME_DTYPES: dict[str, str] = {
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


def refuse_future(frame: pd.DataFrame, today: date | None) -> None:
    """Refuse a day after today, or a capture after tomorrow: neither product has numbers
    for them yet, so it is a misread date or a file from elsewhere.

    `today` is the reporting calendar's (the injected clock's); None skips the check. A
    capture time is UTC, up to 14 hours ahead of the reporting calendar, hence tomorrow.
    """
    if today is None or frame.empty:
        return
    latest = frame["day"].max()
    if latest.date() > today:
        raise BadInput(
            f"{latest:%Y-%m-%d} is in the future (today is {today.isoformat()}): check the "
            "file's dates (and --date-order), or leave the day out"
        )
    captured = frame["captured_at"].max()
    if captured.date() > today + timedelta(days=1):
        raise BadInput(
            f"captured_at {captured:%Y-%m-%dT%H:%M:%SZ} is in the future (today is "
            f"{today.isoformat()}): check the file's capture times, or leave them out"
        )


def empty_frame() -> pd.DataFrame:
    """A frame with the canonical columns and no rows."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in FRAME_DTYPES.items()})
