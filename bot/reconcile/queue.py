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
    not empty at the capture, and how many of the journey's messages it held of each."""

    counts: dict[int, dict[int, int]]

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> RetryQueue | None:
        """From a comparison frame's Retries rows; None when AJO's export carried none."""
        rows = frame.loc[(frame["metric"] == QUEUE_METRIC) & (frame["ajo_rows"] > 0)]
        if not len(rows):
            return None
        keys = rows["journey_key"].to_numpy()
        days = rows["day"].to_numpy().astype("datetime64[D]").astype(np.int64) + EPOCH_ORDINAL
        held = rows["ajo"].to_numpy()
        full = held > 0
        counts: dict[int, dict[int, int]] = {int(k): {} for k in np.unique(keys).tolist()}
        for key, day, count in zip(
            keys[full].tolist(), days[full].tolist(), held[full].tolist(), strict=True
        ):
            counts[int(key)][int(day)] = counts[int(key)].get(int(day), 0) + int(count)
        return cls(counts)

    def held(self, journeys: Iterable[int]) -> dict[int, int] | None:
        """Day (ordinal) -> messages of these journeys the queue holds; None when the
        export carried Retries for some of them not."""
        keys = list(journeys)
        if any(k not in self.counts for k in keys):
            return None
        if len(keys) == 1:  # a journey row's: its own days, copied at once
            return dict(self.counts[keys[0]])
        total: dict[int, int] = {}
        for key in keys:
            for day, count in self.counts[key].items():
                total[day] = total.get(day, 0) + count
        return total

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
