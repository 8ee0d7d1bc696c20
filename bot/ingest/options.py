"""What a caller tells the parsers besides the bytes, and what a parser hands back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from bot.errors import BadInput
from bot.ingest import values
from bot.ingest.limits import Limits


@dataclass(frozen=True)
class Options:
    """--source, the capture time for rows without one, and what the file may not say."""

    source: str | None
    captured_at: np.datetime64
    # the journey of a table that does not name one (--journey)
    journey: str | None = None
    # CJA metric ids (or Reporting API column ids) -> canonical metric (CJA_METRICS)
    metric_ids: Mapping[str, str] = field(default_factory=dict)
    # reads a file saved next to this one (a Reporting API request), or None
    sibling: Callable[[str], bytes | None] = lambda suffix: None
    # how to read 05/11/2026 (--date-order mdy or dmy); None: as the file's dates allow
    date_order: str | None = None
    # today in the reporting calendar: later days are refused (None: not checked)
    today: date | None = None
    # how much of a file is read (PARITY_MAX_*)
    limits: Limits = field(default_factory=Limits)

    def product(self, product: str, what: str) -> str:
        """The product a format implies; a --source that says otherwise is refused."""
        if self.source is not None and self.source != product:
            raise BadInput(
                f"this is {what}, so its numbers are {product.upper()}'s; "
                f"--source {self.source} contradicts it (leave --source out)"
            )
        return product

    def journey_name(self) -> str | None:
        """--journey, checked like a journey cell."""
        if self.journey is None:
            return None
        try:
            return values.journey(self.journey)
        except ValueError as error:
            raise BadInput(f"--journey: {error}") from None


@dataclass(frozen=True)
class Parsed:
    """A validated frame, what was noticed on the way (not errors), and the format's name."""

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    format: str = ""
