"""Are the confidence labels honest? On generated scenarios, per label, the share of the
amount a cause detail claimed that the truth gives that cause ("high" should be right at
least 95 % of the time, "medium" 80 %)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.evaluate.scenarios import Scenario
from bot.evaluate.scoring import KEYS
from bot.reconcile.evidence import describe

LABELS = ("high", "medium", "low")


@dataclass(frozen=True)
class Calibration:
    claimed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))

    def __add__(self, other: Calibration) -> Calibration:
        return Calibration(
            {k: self.claimed[k] + other.claimed[k] for k in LABELS},
            {k: self.right[k] + other.right[k] for k in LABELS},
        )

    def share(self, label: str) -> float | None:
        claimed = self.claimed[label]
        return 100 * self.right[label] / claimed if claimed else None

    def to_dict(self) -> dict:
        return {
            label: {
                "claimed": self.claimed[label],
                "right_pct": None if self.share(label) is None else round(self.share(label), 1),
            }
            for label in LABELS
        }


def calibrate(scenario: Scenario, done: dict) -> Calibration:
    """Each cause detail's label against the truth of the cells it claimed."""
    result = Calibration()
    for metric, (rules, attribution) in done.items():
        details = describe(metric, attribution, rules, scenario.names, {})
        cells = attribution.cells.assign(metric=metric)
        merged = cells.merge(scenario.truth, on=KEYS, how="left", suffixes=("", "_true"))
        for detail in details:
            if detail.cause == "unexplained":
                continue  # what is left carries no claim to be right about
            found = merged[detail.cause].to_numpy(dtype=float)
            true = merged[f"{detail.cause}_true"].fillna(0).to_numpy(dtype=float)
            overlap = np.where(
                np.sign(found) == np.sign(true), np.minimum(abs(found), abs(true)), 0
            )
            claimed = dict.fromkeys(LABELS, 0) | {detail.confidence: int(np.abs(found).sum())}
            right = dict.fromkeys(LABELS, 0) | {detail.confidence: int(overlap.sum())}
            result = result + Calibration(claimed, right)
    return result
