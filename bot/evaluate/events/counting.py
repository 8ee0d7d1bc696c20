"""What each product shows at a capture time, with any of the mechanisms switched off.

AJO counts a record on its event's day in the reporting zone as soon as it happened. CJA
counts it once written (a send: when it left the retry queue) and ingested (after its own
delay), on its event's day in the data view's zone, as often as the data source, a data
view filter, a backfill ingested twice and the datasets in the connection let it.
Switching a mechanism off removes exactly its effect, so the truth can be built from
successive differences (bot.evaluate.events.truth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.evaluate.events.messages import METRICS, Records

# The mechanisms, in the order the truth switches them off, and the cause each one is.
MECHANISMS = (
    "processing_lag", "retries", "duplicate_data", "timezone", "unexplained", "datasource",
    "missing_data",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Cja:
    """Per record, how CJA receives it."""

    delay: np.ndarray  # ingestion delay, hours
    noise: np.ndarray  # copies the data source yields (0, 1 or 2)
    filtered: np.ndarray  # dropped by a data view filter
    doubled: np.ndarray  # in a backfill ingested twice
    absent: np.ndarray  # its dataset is not in the connection
    view_day: np.ndarray  # its event's day number in the data view's zone


@dataclass(frozen=True)
class Layout:
    """Counts are arrays [metric, journey, day]; day 0 is day number `first`."""

    first: int
    days: int
    journeys: int

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(METRICS), self.journeys, self.days)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def index(self, records: Records, day: np.ndarray) -> np.ndarray:
        """Each record's cell in the flattened counts; `size` (a spare bin) when outside."""
        position = day - self.first
        index = (records.metric.astype(np.int64) * self.journeys + records.journey) * self.days
        index += position
        return np.where((position >= 0) & (position < self.days), index, self.size)

    def tally(self, index: np.ndarray, weight: np.ndarray) -> np.ndarray:
        counts = np.bincount(index, weights=weight, minlength=self.size + 1)[: self.size]
        return np.rint(counts).astype(np.int64).reshape(self.shape)


@dataclass(frozen=True, eq=False)
class Cells:
    """Each record's cell by AJO's calendar (the reporting zone) and by CJA's data view."""

    report: np.ndarray
    view: np.ndarray

    @classmethod
    def of(cls, records: Records, layout: Layout, report_day, view_day) -> Cells:
        return cls(layout.index(records, report_day), layout.index(records, view_day))


def ajo(records: Records, cells: Cells, layout: Layout, capture: float) -> np.ndarray:
    return layout.tally(cells.report, (records.event < capture).astype(float))


def ajo_retries(records: Records, cells: Cells, layout: Layout, capture: float) -> np.ndarray:
    """AJO's Retries: sends of each day still in the retry queue at the capture [journey, day]."""
    waiting = records.queued & (records.event < capture) & (records.written >= capture)
    return layout.tally(cells.report, waiting.astype(float))[0]


def receipt(records: Records, received: Cja, off: frozenset[str] = frozenset()):
    """Per record, when CJA has it and how many copies, with the mechanisms `off` switched
    off; the same for every capture, so computed once per set of switches."""
    written = records.event if "retries" in off else records.written
    arrived = written if "processing_lag" in off else written + received.delay
    copies = np.ones(len(records))
    if "datasource" not in off:
        copies *= received.noise
    if "unexplained" not in off:
        copies *= ~received.filtered
    if "duplicate_data" not in off:
        copies *= 1 + received.doubled
    if "missing_data" not in off:
        copies *= ~received.absent
    return arrived, copies


def cja(
    receipt: tuple[np.ndarray, np.ndarray],
    cells: Cells,
    layout: Layout,
    capture: float,
    off: frozenset[str] = frozenset(),
) -> np.ndarray:
    arrived, copies = receipt
    weight = np.where(arrived < capture, copies, 0.0)
    return layout.tally(cells.report if "timezone" in off else cells.view, weight)
