"""Reading an export whole: a file or bytes -> a validated canonical frame (see bot.ingest)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from bot.errors import BadInput
from bot.ingest import formats
from bot.ingest.decode import decode
from bot.ingest.frame import SOURCES, refuse_future
from bot.ingest.limits import Limits, over
from bot.ingest.options import Options, Parsed
from bot.ingest.values import DATE_ORDERS, utc_naive
from bot.timing import Clock

log = logging.getLogger(__name__)


def read_file(
    path: str | Path,
    *,
    source: str | None = None,
    captured_at: datetime | None = None,
    journey: str | None = None,
    metric_ids: Mapping[str, str] | None = None,
    date_order: str | None = None,
    today: date | None = None,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Read an export; rows without a capture time get `captured_at`, else the file's mtime.

    A Reporting API response may have its request saved next to it as NAME.request.json.
    """
    path = Path(path)
    try:
        refuse_large(path.stat().st_size, limits or Limits(), str(path))
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as error:
        raise BadInput(f"cannot read the file ({error.strerror})", file=str(path)) from None
    return read_bytes(
        data,
        name=str(path),
        source=source,
        captured_at=captured_at,
        file_time=mtime,
        journey=journey,
        metric_ids=metric_ids,
        sibling=sibling_reader(path),
        date_order=date_order,
        today=today,
        limits=limits,
    )


def refuse_large(size: int, limits: Limits, name: str) -> None:
    """A file over PARITY_MAX_FILE_MB is refused before it is read."""
    if size > limits.file_bytes:
        mb = -(-size // 2**20)
        raise BadInput(over("the file's size in MiB", mb, limits.file_mb, "file_mb"), file=name)


def read_bytes(
    data: bytes,
    *,
    name: str,
    source: str | None = None,
    captured_at: datetime | None = None,
    file_time: datetime | None = None,
    journey: str | None = None,
    metric_ids: Mapping[str, str] | None = None,
    sibling=None,
    date_order: str | None = None,
    today: date | None = None,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Parse the bytes of an export (an upload, a download) named `name` in errors.

    `source` is required when the format does not imply the product (plain CSV without a
    source column); it must agree with the file otherwise. Empty capture times become
    `captured_at`, else `file_time` (when the file was written or shared), else now
    (naive = UTC). `journey` names the journey of
    tables that do not; `metric_ids` maps CJA metric or column ids to canonical metrics.
    `date_order` (mdy or dmy) reads dates like 05/11/2026; days after `today` are refused.
    """
    parsed = parse_bytes(
        data,
        name=name,
        source=source,
        captured_at=captured_at,
        file_time=file_time,
        journey=journey,
        metric_ids=metric_ids,
        sibling=sibling,
        date_order=date_order,
        today=today,
        limits=limits,
    )
    frame = parsed.frame
    frame.attrs["notes"] = parsed.notes
    frame.attrs["format"] = parsed.format
    return frame


def parse_bytes(
    data: bytes,
    *,
    name: str,
    source: str | None = None,
    captured_at: datetime | None = None,
    file_time: datetime | None = None,
    journey: str | None = None,
    metric_ids: Mapping[str, str] | None = None,
    sibling=None,
    date_order: str | None = None,
    today: date | None = None,
    limits: Limits | None = None,
) -> Parsed:
    """As read_bytes, returning the frame with the notes and the format's name."""
    limits = limits or Limits()
    refuse_large(len(data), limits, name)
    try:
        options = Options(
            source=checked_source(source),
            captured_at=utc_naive(captured_at or file_time or Clock().now()),
            journey=journey,
            metric_ids=dict(metric_ids or {}),
            **({"sibling": sibling} if sibling is not None else {}),
            date_order=checked_date_order(date_order),
            today=today,
            limits=limits,
        )
        utf8 = decode(data)
        if utf8.is_blank():
            raise BadInput("the file is empty (expected a CSV header and rows)")
        parsed = formats.read(utf8, options)
        refuse_future(parsed.frame, today)
    except BadInput as error:
        raise error.in_file(name) from None
    for note in parsed.notes:
        log.info("%s: %s", name, note)
    return parsed


def checked_source(given: str | None) -> str | None:
    if given is None:
        return None
    if given.strip().lower() not in SOURCES:
        raise BadInput(f"--source must be 'ajo' or 'cja', not '{given}'")
    return given.strip().lower()


def checked_date_order(given: str | None) -> str | None:
    if given is None:
        return None
    if given.strip().lower() not in DATE_ORDERS:
        raise BadInput(f"--date-order must be 'dmy' or 'mdy', not '{given}'")
    return given.strip().lower()


def sibling_reader(path: Path):
    def read(suffix: str) -> bytes | None:
        other = path.with_name(path.name.removesuffix(path.suffix) + suffix)
        try:
            return other.read_bytes() if other != path else None
        except OSError:
            return None

    return read
