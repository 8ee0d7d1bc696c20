"""Parsers: an export, as it comes, -> one validated canonical frame.

Formats (decided from the content, see `formats`): the canonical long CSV, the wide CSV, CJA
Workspace CSV exports, CJA Reporting API responses saved as JSON, AJO report CSV downloads.
Everything is checked before a frame is returned, so the store can write it as is; a bad
file raises BadInput naming the file, the line, the column and what was expected.

What a parser noticed without refusing the file (a totals row that does not add up, columns
left out) is in `frame.attrs["notes"]` (and logged); the format's name is in
`frame.attrs["format"]`. Large files can be read in chunks with `stream_file`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bot.errors import BadInput
from bot.ingest import formats
from bot.ingest.decode import decode
from bot.ingest.frame import SOURCES
from bot.ingest.options import Options, Parsed
from bot.ingest.stream import Stream, stream_file
from bot.ingest.values import utc_naive

__all__ = ["Parsed", "Stream", "parse_bytes", "read_bytes", "read_file", "stream_file"]

log = logging.getLogger(__name__)


def read_file(
    path: str | Path,
    *,
    source: str | None = None,
    captured_at: datetime | None = None,
    journey: str | None = None,
    metric_ids: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read an export; rows without a capture time get `captured_at`, else the file's mtime.

    A Reporting API response may have its request saved next to it as NAME.request.json.
    """
    path = Path(path)
    try:
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
        sibling=_sibling_reader(path),
    )


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
) -> pd.DataFrame:
    """Parse the bytes of an export (an upload, a download) named `name` in errors.

    `source` is required when the format does not imply the product (plain CSV without a
    source column); it must agree with the file otherwise. Empty capture times become
    `captured_at`, else `file_time`, else now (naive = UTC). `journey` names the journey of
    tables that do not; `metric_ids` maps CJA metric or column ids to canonical metrics.
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
) -> Parsed:
    """As read_bytes, returning the frame with the notes and the format's name."""
    try:
        options = Options(
            source=_source(source),
            captured_at=utc_naive(captured_at or file_time or datetime.now(UTC)),
            journey=journey,
            metric_ids=dict(metric_ids or {}),
            **({"sibling": sibling} if sibling is not None else {}),
        )
        utf8 = decode(data)
        if utf8.is_blank():
            raise BadInput("the file is empty (expected a CSV header and rows)")
        parsed = formats.read(utf8, options)
    except BadInput as error:
        raise error.in_file(name) from None
    for note in parsed.notes:
        log.info("%s: %s", name, note)
    return parsed


def _source(given: str | None) -> str | None:
    if given is None:
        return None
    if given.strip().lower() not in SOURCES:
        raise BadInput(f"--source must be 'ajo' or 'cja', not '{given}'")
    return given.strip().lower()


def _sibling_reader(path: Path):
    def read(suffix: str) -> bytes | None:
        other = path.with_name(path.name.removesuffix(path.suffix) + suffix)
        try:
            return other.read_bytes() if other != path else None
        except OSError:
            return None

    return read
