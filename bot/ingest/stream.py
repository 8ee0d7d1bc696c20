"""Large exports read in chunks, so memory stays flat however long the file is.

A file over `STREAM_BYTES` that is a one-table Workspace export or a canonical long CSV
(bot.ingest.long_stream) in UTF-8 is read batch by batch with pyarrow's streaming CSV
reader: each batch goes through the same checks as a whole file and comes out as a
canonical frame chunk. Checks that need every row run as the chunks go (totals, at the end)
or in the store (a number given twice): the consumer writes all chunks in one transaction,
so a refusal at the end still stores nothing. Any other file is read whole and comes out as
one chunk. Either way the file is read once: its sha256 is taken from the bytes as they
are read.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from bot.errors import BadInput
from bot.ingest import blocks, formats, long_stream, tables, workspace
from bot.ingest.csvfile import (
    DICTIONARY,
    Header,
    _records,
    first_long_cell,
    lines_of,
    long_cell,
)
from bot.ingest.decode import Utf8
from bot.ingest.frame import refuse_future
from bot.ingest.limits import Limits, over
from bot.ingest.options import Options
from bot.ingest.reading import (
    checked_date_order,
    checked_source,
    parse_bytes,
    refuse_large,
    sibling_reader,
)
from bot.ingest.sections import sections
from bot.ingest.values import utc_naive
from bot.ingest.workspace_header import Plan, plan, title_of

log = logging.getLogger(__name__)

STREAM_BYTES = 32 << 20
# Rows per chunk follow from the CSV block size: 1 MB of text is ~16,000 Workspace rows.
# Measured at 10 million rows, parsing and storing in SQLite: 1 MB blocks peak at 319 MB,
# 2 MB at 400 MB (the store's writer holds a chunk as Python lists).
BLOCK_BYTES = 1 << 20
_HEAD_BYTES = 1 << 20


@dataclass(frozen=True)
class _FileText:
    """A file from a byte offset on, as text: line numbers for the rare error (slow path)."""

    path: Path
    start: int
    first_line: int

    def text(self) -> io.TextIOWrapper:
        handle = self.path.open("rb")
        handle.seek(self.start)
        return io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")


class _HashingFile(io.RawIOBase):
    """The file from byte `start` on, for pyarrow's reader, adding every byte to `digest`
    as it is read (those before `start` at once): the file is read once, hash included."""

    def __init__(self, path: Path, start: int, digest) -> None:
        super().__init__()
        self._file = path.open("rb")
        digest.update(self._file.read(start))
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._file.readinto(buffer)
        if count:
            self._digest.update(memoryview(buffer)[:count])
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


class Stream:
    """The canonical frame of a file in chunks; `notes`, `format` and `sha256` (of the
    file's bytes, hashed as they are read) are known once consumed."""

    def __init__(self, path: Path, options: Options, stream_bytes: int, block_bytes: int):
        self.path = path
        self.name = str(path)
        self.options = options
        self.stream_bytes = stream_bytes
        self.block_bytes = block_bytes
        self.notes: list[str] = []
        self.format = ""
        self._digest = hashlib.sha256()
        self._done = False

    @property
    def sha256(self) -> str:
        """The sha256 of the file's bytes; read whole when the chunks were not all read."""
        if not self._done:
            with self.path.open("rb") as file:
                return hashlib.file_digest(file, "sha256").hexdigest()
        return self._digest.hexdigest()

    def __iter__(self) -> Iterator[pd.DataFrame]:
        self._digest, self._done = hashlib.sha256(), False
        try:
            found = self._streamable()
            if found is not None:
                yield from self._chunks(*found)
            elif (blocks_of := self._long()) is not None:
                yield from blocks_of
            else:
                yield self._whole()
        except BadInput as error:
            raise error.in_file(self.name) from None
        self._done = True
        for note in self.notes:
            log.info("%s: %s", self.name, note)

    def _large_utf8_head(self) -> Utf8 | None:
        """The whole lines at the start of a file large enough to stream, when it is UTF-8
        (None otherwise: small files and UTF-16 ones are read whole)."""
        if self.path.stat().st_size <= self.stream_bytes:
            return None
        with self.path.open("rb") as handle:
            data = handle.read(_HEAD_BYTES)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
            return None
        start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        head = Utf8(data, start, data.rfind(b"\n") + 1)
        return head if head.stop > start else None

    def _long(self) -> Iterator[pd.DataFrame] | None:
        """A large canonical long CSV in UTF-8, block by block (bot.ingest.long_stream);
        None when it is not one, or when its days need the whole file to be read."""
        head = self._large_utf8_head()
        if head is None or formats.detect(head) is not None:
            return None
        start = head.start
        found = long_stream.layout_of(head, self.options)
        if found is None:
            return None
        header, layout = found
        source = _HashingFile(self.path, start, self._digest)
        try:
            reader = long_stream.open_reader(source, header, layout, self.block_bytes)
            first = reader.read_next_batch()
        except (pa.ArrowInvalid, StopIteration):
            first = None  # the whole-file read says what is wrong
        block = None if first is None else pa.Table.from_batches([first]).slice(1)
        if (
            block is None
            or not long_stream.days_read_per_chunk(block, layout, self.options)
            or not long_stream.one_capture(block, layout)
        ):
            source.close()
            self._digest = hashlib.sha256()  # the whole-file read hashes it all
            return None
        self.format = f"{layout.kind} CSV"
        window = _FileText(self.path, start, 1)
        return self._closing(
            long_stream.chunks(reader, first, header, layout, self.options, window), source
        )

    @staticmethod
    def _closing(chunks: Iterator[pd.DataFrame], source) -> Iterator[pd.DataFrame]:
        try:
            yield from chunks
        finally:
            source.close()

    def _whole(self) -> pd.DataFrame:
        # Only a file read whole is held in memory, so only it is capped by size: a
        # streamed one stays flat however large it is (its rows are still capped).
        options = self.options
        refuse_large(self.path.stat().st_size, options.limits, self.name)
        data = self.path.read_bytes()
        self._digest.update(data)
        parsed = parse_bytes(
            data,
            name=self.name,
            source=options.source,
            captured_at=pd.Timestamp(options.captured_at, tz="UTC").to_pydatetime(),
            journey=options.journey,
            metric_ids=options.metric_ids,
            sibling=options.sibling,
            date_order=options.date_order,
            today=options.today,
            limits=options.limits,
        )
        self.notes, self.format = list(parsed.notes), parsed.format
        return parsed.frame

    def _streamable(self) -> tuple[Utf8, Plan, dict[str, str]] | None:
        """The one table of a large UTF-8 Workspace export, planned from the file's head."""
        head = self._large_utf8_head()
        found = None if head is None else formats.detect(head)
        if found is None or found.name != workspace.NAME:
            return None
        parts = sections(head)
        meta: dict[str, str] = {}
        for section in parts[:-1]:
            meta = workspace.panel(meta, section.comments)
            if plan(head, section, title_of(section.comments), [], []) is not None:
                return None  # more than one table: read whole
        last = parts[-1] if parts else None
        if last is None:
            return None
        meta = workspace.panel(meta, last.comments)
        found = plan(head, last, title_of(last.comments), self.notes, [])
        return None if found is None else (head, found, meta)

    def _chunks(self, head: Utf8, found: Plan, meta: dict[str, str]) -> Iterator[pd.DataFrame]:
        options = self.options
        product = options.product("cja", "a CJA Workspace export")
        journey = options.journey_name()
        self.format = workspace.NAME
        width = len(found.above.cells)
        delimiter = tables.record_delimiter(head, found.above)
        window = _FileText(self.path, found.above.start, found.above.line)
        header = Header(found.above.cells, delimiter)
        with self.path.open("rb") as handle:
            handle.seek(-1, io.SEEK_END)
            cut = handle.read(1) != b"\n"
        totals = workspace.Totals(found, workspace.date_range(meta), cut, check_subtotals=False)
        names = [f"c{i}" for i in range(width)]
        source = _HashingFile(self.path, found.above.start, self._digest)
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, block_size=self.block_bytes, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() if i >= found.lead else DICTIONARY
                              for i, n in enumerate(names)}
            ),
        )  # fmt: skip
        offset, carry, unspecified = 0, None, []
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as error:
                raise _diagnose(window, header, str(error)) from None
            table = pa.Table.from_batches([batch])
            del batch

            def locate(rows, at=offset):
                lines = lines_of(window, header, {at + r for r in rows})
                return {r: lines[at + r] for r in rows}

            limits = options.limits
            if offset + table.num_rows > limits.rows:
                raise BadInput(
                    over("the number of data rows", offset + table.num_rows, limits.rows, "rows")
                )
            if (long := first_long_cell(table, limits.cell_chars)) is not None:
                row, position, length = long
                raise long_cell(length, limits, locate([row])[row], header, position)

            rows, carry = workspace.rows_of(table, locate, found, product, journey, carry)
            offset += table.num_rows
            result = blocks.read(
                [rows.block], captured_at=options.captured_at, date_order=options.date_order
            )
            totals.add(rows, result.found[0])
            frame = workspace.without_unspecified_quiet(result.frame, unspecified)
            del table, rows, result
            pa.default_memory_pool().release_unused()  # or the allocator keeps every batch
            if not frame.empty:
                refuse_future(frame, options.today)
                yield frame
        source.close()
        if offset == 0:
            raise BadInput(f"{found.where} has no rows")
        totals.finish(self.notes)
        if unspecified:
            self.notes.append(
                f"left out {sum(n for _, n in unspecified):,} numbers for journey "
                f"'{unspecified[0][0]}' (events without a journey name)"
            )


def _diagnose(window: _FileText, header: Header, message: str) -> BadInput:
    if "UTF8" in message:
        return BadInput("not a CSV text file: it is not UTF-8 text (save it as CSV UTF-8)")
    count = len(header.names)
    for _, start, record in _records(window, header):
        if len(record) != count:
            return BadInput(
                f"this row has {len(record)} fields but the table has {count} (a large export "
                "is read as one table: anything after it must go)",
                line=start,
            )
    return BadInput(f"cannot read the file as CSV: {message}")


def stream_file(
    path: str | Path,
    *,
    source: str | None = None,
    captured_at: datetime | None = None,
    journey: str | None = None,
    metric_ids: Mapping[str, str] | None = None,
    stream_bytes: int | None = None,
    block_bytes: int | None = None,
    date_order: str | None = None,
    today: date | None = None,
    limits: Limits | None = None,
) -> Stream:
    """An export as frame chunks: a big one-table Workspace export batch by batch, else whole.

    Write the chunks in one transaction (Store.save_stream): a refusal can come after some
    chunks, at the end of the file (totals that show it was cut short).
    """
    path = Path(path)
    limits = limits or Limits()
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as error:
        raise BadInput(f"cannot read the file ({error.strerror})", file=str(path)) from None
    options = Options(
        source=checked_source(source),
        captured_at=utc_naive(captured_at or mtime),
        journey=journey,
        metric_ids=dict(metric_ids or {}),
        sibling=sibling_reader(path),
        date_order=checked_date_order(date_order),
        today=today,
        limits=limits,
    )
    return Stream(
        path,
        options,
        STREAM_BYTES if stream_bytes is None else stream_bytes,
        BLOCK_BYTES if block_bytes is None else block_bytes,
    )
