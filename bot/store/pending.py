"""A streamed file's first captures gathered over several chunks, then appended at once.

A file read in chunks is written chunk by chunk, and an export is ordered by journey: each
chunk of 128,000 rows holds a few journeys' numbers of every (metric, day), so its append
lands in every (metric, day) run of current_values, daily_comparison and snapshot_counts
(4,000 runs for 400 days and 10 metrics). Every chunk touched the same pages of all
three tables again (SQLite's page cache holds 32 MB), and a statement's cost per row
grew with the journeys stored. Gathered over up to `WRITE_ROWS` rows (a few numpy columns,
22 bytes a row), one append writes a run's numbers of several chunks side by side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Rows gathered before they are appended: 11 MB of columns, held while the next chunk is
# parsed (where an ingest's memory peaks). 1,000,000 took a little less CPU at 250
# journeys but raised the peak towards the 400 MB target.
WRITE_ROWS = 512_000


class PendingAppends:
    """Chunks' rows (`columns` as the writer appends them, each chunk in key order with one
    row per number) gathered until `rows` reaches the limit."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit or WRITE_ROWS
        self.parts: list[dict[str, np.ndarray]] = []
        self.rows = 0
        self.metrics: dict[str, int] = {}  # every part's metric codes point into this

    def add(self, columns: dict[str, np.ndarray]) -> bool:
        """Keep a chunk's rows; whether the limit is reached."""
        codes, names = pd.factorize(columns["metric"])
        known = np.array([self.metrics.setdefault(n, len(self.metrics)) for n in names])
        self.parts.append(
            {
                "metric": known[codes].astype(np.int16),
                "day": columns["day"].astype("datetime64[D]").astype(np.int32),
                "journey_key": np.asarray(columns["journey_key"], dtype=np.int32),
                "series_id": np.asarray(columns["series_id"], dtype=np.int32),
                "value": np.asarray(columns["value"], dtype=np.int64),
            }
        )
        self.rows += len(codes)
        return self.rows >= self.limit

    def take(self) -> tuple[dict[str, np.ndarray], np.ndarray, bool]:
        """The gathered rows in key order, emptied: (columns with metric names, metric
        codes in that order, whether two chunks gave one number)."""
        parts, self.parts, self.rows = self.parts, [], 0
        names = np.array(sorted(self.metrics), dtype=object)
        rank = np.empty(len(self.metrics), dtype=np.int16)
        rank[[self.metrics[n] for n in names]] = np.arange(len(names))
        merged = {}
        for key in ("metric", "day", "journey_key", "series_id", "value"):
            merged[key] = np.concatenate([part.pop(key) for part in parts])
        del parts
        merged["metric"] = rank[merged["metric"]]
        order = np.lexsort(
            (merged["series_id"], merged["journey_key"], merged["day"], merged["metric"])
        )
        # Each column sorted in turn, its unsorted copy let go: the peak is one column.
        ordered = {key: merged.pop(key)[order] for key in list(merged)}
        del order
        metric, day, series = ordered["metric"], ordered["day"], ordered["series_id"]
        # Each chunk holds a number once (the writer summed its spellings): a key twice is
        # a number two chunks gave.
        repeated = bool(
            ((np.diff(metric) == 0) & (np.diff(day) == 0) & (np.diff(series) == 0)).any()
        )
        columns = {
            "metric": names[metric],
            "day": day.astype("datetime64[D]"),
            "journey_key": ordered["journey_key"],
            "series_id": series,
            "value": ordered["value"],
        }
        return columns, metric, repeated
