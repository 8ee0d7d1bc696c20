"""Export files into the store: one transaction per file, in chunks when the file is large.

A large one-table Workspace export is parsed batch by batch (bot.ingest.stream_file) and
each chunk is written by the store's save_stream inside the file's single transaction, so
memory stays flat and a file refused at its end (say, totals that show it was cut short)
still stores nothing. The chunks of one file are one capture, stored as one snapshot.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from bot.errors import BadInput
from bot.ingest import stream_file
from bot.ingest.limits import Limits
from bot.ingest.stream import Stream
from bot.store import Provenance, SnapshotReport, Store


@dataclass(frozen=True)
class Loaded:
    """What became of one file: its snapshots, or why nothing was stored; and what was noticed."""

    name: str
    reports: tuple[SnapshotReport, ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = ()
    format: str = ""


def load_file(
    store: Store,
    path: str | Path,
    *,
    source: str | None = None,
    captured_at: datetime | None = None,
    journey: str | None = None,
    metric_ids: Mapping[str, str] | None = None,
    date_order: str | None = None,
    progress: Callable[[int], None] | None = None,
    limits: Limits | None = None,
) -> Loaded:
    """Parse and store one export; a bad file stores nothing and says why.

    Days after the store clock's today are refused: no product has numbers for them yet.
    `progress`, if given, is told how many numbers each chunk held once it is written (a
    progress bar on a terminal).
    """
    name = str(path)
    try:
        chunks = stream_file(
            path,
            source=source,
            captured_at=captured_at,
            journey=journey,
            metric_ids=metric_ids,
            date_order=date_order,
            today=store.clock.today(),
            limits=limits,
        )
        # What exactly was loaded: its bytes' sha256, hashed as the chunks are read.
        origin = Provenance(file_name=Path(path).name)
        reports = save_chunks(
            store,
            chunks,
            origin=Path(path).name,
            source=origin,
            progress=progress,
            file_hash=lambda: chunks.sha256,
        )
    except BadInput as error:
        return Loaded(name, error=str(error.in_file(name)))
    except OSError as error:
        return Loaded(name, error=f"cannot read the file: {error.strerror}")
    notes = (*chunks.notes, *dropped_notes(store, reports))
    return Loaded(name, tuple(reports), notes=notes, format=chunks.format)


def dropped_notes(store: Store, reports: Iterable[SnapshotReport]) -> list[str]:
    """Numbers a dropped snapshot already holds are not stored again (their content is
    known): say how to bring them back instead of leaving "already stored" unexplained."""
    notes = []
    for report in reports:
        stored = store.snapshot(report.snapshot_id) if report.duplicate else None
        if stored is not None and stored.dropped:
            notes.append(
                f"snapshot #{stored.id} holds these numbers but was dropped: undo the drop "
                f"(python -m bot snapshots undo {stored.id}, or Undo drop under "
                "/parity snapshots) to bring them back"
            )
    return notes


def save_chunks(
    store: Store,
    chunks: Iterable[pd.DataFrame],
    origin: str,
    source: Provenance | None = None,
    progress: Callable[[int], None] | None = None,
    file_hash: Callable[[], str] | None = None,
) -> list[SnapshotReport]:
    """Write a file's frames in one transaction: a single frame as usual (it may hold both
    products), a file read in several chunks as one snapshot. The format the file was read
    as is known once its first chunk is; `file_hash` (the sha256 of its bytes) once the
    last one is."""
    frames = iter(chunks) if progress is None else _told(chunks, progress)
    first = next(frames, None)
    if first is None:
        raise BadInput("the file holds no numbers")
    second = next(frames, None)
    read_as = getattr(chunks, "format", "") or first.attrs.get("format", "")
    source = replace(source or Provenance(), format=read_as or None)
    if second is None:
        if file_hash is not None:
            source = replace(source, file_hash=file_hash())
        return store.save(first, origin, source=source)
    chained = itertools.chain((first, second), frames)
    del first, second  # or the file's first two chunks stay in memory to its end
    # A file that gives a number in two chunks is read again, its repeats checked per chunk.
    again = (lambda: iter(chunks)) if isinstance(chunks, Stream) else None
    return [store.save_stream(chained, origin, source, file_hash=file_hash, again=again)]


def _told(chunks: Iterable[pd.DataFrame], progress: Callable[[int], None]):
    """The chunks, telling `progress` each one's size when the next is asked for (that
    is, once the writer is done with it). Only the size is kept: a chunk held here while
    the next is parsed would be a second chunk in memory at the ingest's peak."""
    for chunk in chunks:
        rows = len(chunk)
        yield chunk
        del chunk
        progress(rows)
