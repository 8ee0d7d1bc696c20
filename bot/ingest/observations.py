"""Numbers with their keys, as either layout yields them before the frame is built."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.ingest.values import Coded


@dataclass(frozen=True)
class Observations:
    """One entry per number: its key columns (all of KEY_COLUMNS), value and origin."""

    columns: dict[str, Coded]
    value: np.ndarray
    # data row each number comes from, and the position of the column holding it
    rows: np.ndarray
    positions: np.ndarray

    def __len__(self) -> int:
        return len(self.value)

    def take(self, keep: np.ndarray) -> Observations:
        """Only the observations a mask or index array selects."""
        return Observations(
            {name: coded.take(keep) for name, coded in self.columns.items()},
            self.value[keep],
            self.rows[keep],
            self.positions[keep],
        )
