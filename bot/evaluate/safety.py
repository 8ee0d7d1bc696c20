"""Scoring safe ranges on event-level scenarios: a safe range must not end after the last
day that is final in both products, nor more than SLACK_DAYS before it. The whole answer's
range per metric against the scenario's last final day (score_safe), and each journey row's
own range against that journey's alone (score_journey_safe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from bot.evaluate.scenarios import Scenario
from bot.reconcile.result import SafeRange
from bot.reconcile.safe_range import AnswerRanges

SLACK_DAYS = 2


@dataclass(frozen=True)
class SafeScore:
    checked: int = 0
    late: int = 0  # ends after the last final day: a day that still moves is called safe
    early: int = 0  # ends more than SLACK_DAYS before it
    misses: tuple[str, ...] = ()

    def __add__(self, other: SafeScore) -> SafeScore:
        return SafeScore(
            self.checked + other.checked,
            self.late + other.late,
            self.early + other.early,
            self.misses + other.misses,
        )

    def to_dict(self) -> dict:
        return {"checked": self.checked, "late": self.late, "early": self.early}


def _ordinal(day: date | None) -> int:
    return -(10**9) if day is None else day.toordinal()


def answered_end(scenario: Scenario, metric: str, rules, attribution) -> date | None:
    """The metric's safe range's end as the answer gives it: with the days it calls still
    being processed and the late records its days' volumes may still get."""
    query = scenario.query
    return AnswerRanges.of_cells(metric, rules, attribution.cells)(query.start, query.end).end


def score_safe(scenario: Scenario, done: dict) -> SafeScore:
    """Each metric's safe range against the scenario's last final day."""
    if not scenario.final_days:
        return SafeScore()
    result = SafeScore()
    for metric, (rules, attribution) in done.items():
        if metric not in scenario.final_days:
            continue
        final = scenario.final_days[metric]
        end = answered_end(scenario, metric, rules, attribution)
        late = _ordinal(end) > _ordinal(final)
        early = _ordinal(end) < _ordinal(final) - SLACK_DAYS
        # An end of None when nothing is final is right; a None end beside final days is
        # early by however many days were final.
        note = f"{scenario.name} {metric}: safe range ends {end}, last final day {final}"
        result = result + SafeScore(1, int(late), int(early), (note,) if late or early else ())
    return result


def journey_ranges(scenario: Scenario, metric: str, rules, attribution) -> dict[int, SafeRange]:
    """Each journey row's safe range as the answer gives it (bot.reconcile._summarize): the
    row's journey alone, with the days the answer calls still being processed for it and the
    late records its own volumes may still get."""
    query = scenario.query
    cells = attribution.cells
    ranges = AnswerRanges.of_cells(metric, rules, cells)
    keys = pd.unique(cells["journey_key"].to_numpy()) if len(cells) else ()
    found = ranges.each(query.start, query.end, [[key] for key in keys])
    return {int(key): each for key, each in zip(keys, found, strict=True)}


def score_journey_safe(scenario: Scenario, done: dict) -> SafeScore:
    """Each journey row's safe range against the last day final in both products for that
    journey alone (journeys without a known last final day are not checked)."""
    if not scenario.journey_final_days:
        return SafeScore()
    result = SafeScore()
    for metric, (rules, attribution) in done.items():
        finals = scenario.journey_final_days.get(metric)
        if not finals:
            continue
        for key, found in journey_ranges(scenario, metric, rules, attribution).items():
            if key not in finals:
                continue
            final = finals[key]
            late = _ordinal(found.end) > _ordinal(final)
            early = _ordinal(found.end) < _ordinal(final) - SLACK_DAYS
            note = (
                f"{scenario.name} {metric} journey {key}: safe range ends {found.end}, "
                f"last final day {final}; {found.reason}"
            )
            miss = (note,) if late or early else ()
            result = result + SafeScore(1, int(late), int(early), miss)
    return result
