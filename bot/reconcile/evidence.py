"""Evidence sentences: what each cause saw, how sure it is, and what to check.

The sentences are finished here, once, from the attribution's numbers and findings: the
JSON answer carries them as they are, and templates only print them (escaped). Each cause's
evidence type (its Finding subclass, bot.reconcile.registry) writes its own sentence from
all its findings; nothing here decides an amount or knows a cause by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from bot.reconcile.causes import Attribution, Rules
from bot.reconcile.detectors import Seen
from bot.reconcile.registry import REGISTRY
from bot.reconcile.result import CauseDetail
from bot.reconcile.safe_range import AnswerRanges


def describe(
    metric: str,
    attribution: Attribution,
    rules: Rules,
    names: Mapping[object, str],
    zero_metrics: Mapping[tuple[object, str], tuple[str, ...]],
) -> tuple[CauseDetail, ...]:
    """One detail per cause with a non-zero amount, in the registry's order."""
    seen = Seen(
        metric,
        attribution.cells,
        rules,
        names,
        zero_metrics,
        _settled_until(metric, attribution.cells, rules),
    )
    result = []
    for cause in REGISTRY:
        amounts = seen.amounts(cause.name) if cause.name in attribution.cells else None
        amount = 0 if amounts is None else int(amounts.sum())
        if not amount:
            continue
        found = [f for f in attribution.findings if f.cause == cause.name]
        found.sort(key=lambda f: -int(np.abs(f.amount).sum()))
        confidence, evidence, check = cause.evidence.explain(found, seen)
        mask = amounts != 0
        result.append(
            CauseDetail(
                cause.name,
                amount,
                confidence,
                evidence,
                check,
                seen.days(mask),
                seen.journeys(seen.journey[mask]),
            )
        )
    return tuple(result)


def _settled_until(
    metric: str, cells: pd.DataFrame, rules: Rules
) -> Callable[[Sequence[int]], date | None]:
    """The last day the safe range of some journeys calls settled, from the first day asked
    about on: the answer's own ranges (bot.reconcile.safe_range.AnswerRanges), read from
    the cells only if a check asks."""

    def until(keys: Sequence[int]) -> date | None:
        if not len(cells):
            return None
        ranges = AnswerRanges.of_cells(metric, rules, cells)
        return ranges(cells["day"].min().date(), rules.today, keys).end

    return until
