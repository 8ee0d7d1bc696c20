"""Unexplained: what no cause's evidence covers, and so what someone should look at.

It is taken twice: on days still being processed, a journey beyond the data-source band keeps
its usual difference there (a data-view filter keeps filtering the latest days too); after
every other cause, all that is left. How sure Parity is that something is wrong is how far
the amount stands beyond counting noise of the volume it sits in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bot.formatting import format_days
from bot.reconcile.detectors import UNKNOWN_JOURNEY, Explanation, Finding, Seen
from bot.reconcile.wording import format_names


@dataclass(frozen=True, eq=False, kw_only=True)
class Unexplained(Finding):
    cause: ClassVar[str] = "unexplained"
    volume: np.ndarray  # per cell: the events the amount is judged against

    @classmethod
    def explain(cls, found: Sequence[Unexplained], seen: Seen) -> Explanation:
        amounts = seen.amounts(cls.cause)
        mask = amounts != 0
        keys, where = np.unique(seen.journey[mask], return_inverse=True)
        by_journey = np.zeros(len(keys), dtype=np.int64)
        np.add.at(by_journey, where.reshape(-1), amounts[mask])
        named = [
            (seen.names.get(k, UNKNOWN_JOURNEY), abs(v))
            for k, v in zip(keys.tolist(), by_journey.tolist(), strict=True)
        ]
        journeys = [name for name, _ in sorted(named, key=lambda n: (-n[1], n[0]))]
        evidence = (
            f"beyond the {seen.rules.tolerance_pct:.1f} % tolerance in "
            f"{format_names(journeys)} ({format_days(seen.days(mask))})"
        )
        amount = abs(int(amounts[mask].sum()))
        # How far beyond counting noise the unexplained amount is, in standard deviations.
        volume = found[0].volume
        z = amount / np.sqrt(max(float(volume[mask].sum()), 1.0))
        confidence = "high" if z >= 3 else "medium" if z >= 2 else "low"
        check = "check the CJA data view's filters and identity settings"
        return Explanation(confidence, evidence, check)
