"""AJO's retry queue per journey and day, as its Retries metric shows it at the capture.

AJO's Retries counts the emails of a day still in the retry queue ("emails currently in the
retry queue", Adobe's message-monitoring page): a soft bounce is retried until it is
delivered or the retry period (at most 84 hours) runs out and it bounces. A day none of
whose messages is queued any more has had its retries end in Delivered or Bounces, and
CJA's Sent records for them written: it waits for no retry, however young (only for the lag
window and CJA's ingestion). The documented retry window (7 days) stands in only where AJO's
export does not carry Retries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

# The metric counting a day's messages still in AJO's retry queue.
QUEUE_METRIC = "retries"


@dataclass(frozen=True, eq=False)
class RetryQueue:
    """Per journey key whose AJO export carried Retries, the days (ordinals) whose queue was
    not empty at the capture, and how many of the journey's messages it held of each.

    Arrays, sorted by journey and day: an answer's journey rows read them all at once
    (bot.reconcile.safe_range), where a dict per journey built and read row by row was
    the safe ranges' largest cost (a Python pass per journey and day)."""

    known: np.ndarray  # the journey keys whose export carried Retries, sorted
    key: np.ndarray  # per day held: the journey's key (sorted by key, then day)
    day: np.ndarray  # its ordinal
    count: np.ndarray  # the messages held of it, more than 0

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> RetryQueue | None:
        """From a comparison frame's Retries rows; None when AJO's export carried none."""
        rows = frame.loc[(frame["metric"] == QUEUE_METRIC) & (frame["ajo_rows"] > 0)]
        if not len(rows):
            return None
        keys = rows["journey_key"].to_numpy(np.int64)
        days = rows["day"].to_numpy().astype("datetime64[D]").astype(np.int64) + EPOCH_ORDINAL
        held = rows["ajo"].to_numpy(np.int64)
        full = held > 0
        keys_held, days, held = keys[full], days[full], held[full]
        order = np.lexsort((days, keys_held))
        keys_held, days, held = keys_held[order], days[order], held[order]
        # A journey's day stored twice is held once, its counts added (whole numbers).
        new = np.ones(len(held), dtype=bool)
        new[1:] = (keys_held[1:] != keys_held[:-1]) | (days[1:] != days[:-1])
        first = np.flatnonzero(new)
        count = np.add.reduceat(held, first) if len(first) else held
        return cls(np.unique(keys), keys_held[first], days[first], count)

    def knows(self, key: int) -> bool:
        """Whether this journey's export carried Retries (its queue is known)."""
        at = np.searchsorted(self.known, key)
        return bool(at < len(self.known) and self.known[at] == key)

    def held(self, journeys: Iterable[int]) -> dict[int, int] | None:
        """Day (ordinal) -> messages of these journeys the queue holds; None when the
        export carried Retries for some of them not."""
        keys = np.fromiter(journeys, dtype=np.int64)
        if not np.isin(keys, self.known).all():
            return None
        if len(keys) == 1:  # a journey row's: its own days, a slice
            low, high = np.searchsorted(self.key, [keys[0], keys[0] + 1])
            days, counts = self.day[low:high].tolist(), self.count[low:high].tolist()
            return dict(zip(days, counts, strict=True))
        picked = np.isin(self.key, keys)
        days, where = np.unique(self.day[picked], return_inverse=True)
        total = np.zeros(len(days), dtype=np.int64)
        np.add.at(total, where, self.count[picked])
        return dict(zip(days.tolist(), total.tolist(), strict=True))

    def emptied_until(self, journeys: Iterable[int], first: date) -> date | None:
        """The last day, from `first` on, up to which no day of these journeys has a message
        in the queue (date.max: none has); None when the export carried Retries for some
        of them not (their queue is not known) or the queue still holds `first`'s."""
        keys = list(journeys)
        held = self.held(keys) if keys else None
        if held is None:
            return None
        start = first.toordinal()
        later = [day for day in held if day >= start]
        if not later:
            return date.max
        oldest = min(later)
        return None if oldest <= start else date.fromordinal(oldest - 1)


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
