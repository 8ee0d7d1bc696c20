"""Scoring the core on a scenario: how much of each cause's true gap it attributed to it.

Per (journey, day, metric) cell and cause, the part attributed correctly is the overlap of
the true and the found amount: the smaller of the two when they have the same sign, else
nothing. A cause's score is its correct overlap over its absolute true amount, summed over
cells; the overall score is the same over all causes. Cells the core leaves out (nothing
stored on either side) count as found 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.evaluate.scenarios import CAUSES, Scenario
from bot.reconcile import attributions

KEYS = ["journey_key", "day", "metric"]


@dataclass(frozen=True)
class Score:
    """Absolute true amount and correctly attributed amount, per cause, for some cells."""

    true: dict[str, int]
    correct: dict[str, int]

    def __add__(self, other: Score) -> Score:
        return Score(
            {c: self.true[c] + other.true[c] for c in CAUSES},
            {c: self.correct[c] + other.correct[c] for c in CAUSES},
        )

    @classmethod
    def zero(cls) -> Score:
        return cls(dict.fromkeys(CAUSES, 0), dict.fromkeys(CAUSES, 0))

    def share(self, cause: str | None = None) -> float | None:
        """Share (0-100) of the true amount attributed correctly; None without any."""
        causes = CAUSES if cause is None else (cause,)
        true = sum(self.true[c] for c in causes)
        return 100 * sum(self.correct[c] for c in causes) / true if true else None


def split(scenario: Scenario, settings: Settings) -> dict:
    """The core's rules and attribution per metric, exactly as an answer computes them."""
    return attributions(
        scenario.frame,
        scenario.query,
        scenario.today,
        settings,
        scenario.history,
        scenario.calendars,
        scenario.channels,
        scenario.hours,
        scenario.captured_at,
    )


def found_cells(scenario: Scenario, settings: Settings, done: dict | None = None) -> pd.DataFrame:
    """The core's split of every cell of the scenario (`done`: already computed)."""
    found = split(scenario, settings) if done is None else done
    parts = [
        attribution.cells[["journey_key", "day", "ajo", "cja", *CAUSES]].assign(metric=metric)
        for metric, (_, attribution) in found.items()
    ]
    return pd.concat(parts, ignore_index=True)


def score(scenario: Scenario, settings: Settings, done: dict | None = None) -> Score:
    found = found_cells(scenario, settings, done)
    sums = found[list(CAUSES)].sum(axis=1)
    if not (sums == found["ajo"] - found["cja"]).all():
        raise AssertionError(f"{scenario.name}: causes do not add up to the gap")
    merged = scenario.truth.merge(found, on=KEYS, how="left", suffixes=("", "_found"))
    true, correct = {}, {}
    for cause in CAUSES:
        t = merged[cause].to_numpy(dtype=float)
        f = merged[f"{cause}_found"].fillna(0).to_numpy(dtype=float)
        overlap = np.where(np.sign(t) == np.sign(f), np.minimum(np.abs(t), np.abs(f)), 0)
        true[cause] = int(np.abs(t).sum())
        correct[cause] = int(overlap.sum())
    return Score(true, correct)


def where_it_went(scenario: Scenario, settings: Settings, cause: str) -> dict[str, int]:
    """Diagnostic: on the cells where `cause` has a true amount, how much of that amount each
    cause was found to hold (the overlap, as `score` counts it, per found cause). What the
    true cause did not get shows up under the cause that took it."""
    merged = scenario.truth.merge(
        found_cells(scenario, settings), on=KEYS, how="left", suffixes=("", "_found")
    )
    t = merged[cause].to_numpy(dtype=float)
    went = {}
    for other in CAUSES:
        f = merged[f"{other}_found"].fillna(0).to_numpy(dtype=float)
        overlap = np.where(
            (t != 0) & (np.sign(t) == np.sign(f)), np.minimum(np.abs(t), np.abs(f)), 0
        )
        went[other] = int(overlap.sum())
    return went
