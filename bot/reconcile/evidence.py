"""Evidence sentences: what each cause saw, how sure it is, and what to check.

The sentences are finished here, once, from the attribution's numbers and findings: the
JSON answer carries them as they are, and templates only print them (escaped). Each cause's
evidence type (its Finding subclass, bot.reconcile.registry) writes its own sentence from
all its findings; nothing here decides an amount or knows a cause by name.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bot.reconcile.causes import Attribution, Rules
from bot.reconcile.detectors import Seen
from bot.reconcile.registry import REGISTRY
from bot.reconcile.result import CauseDetail


def describe(
    metric: str,
    attribution: Attribution,
    rules: Rules,
    names: Mapping[object, str],
    zero_metrics: Mapping[tuple[object, str], tuple[str, ...]],
) -> tuple[CauseDetail, ...]:
    """One detail per cause with a non-zero amount, in the registry's order."""
    seen = Seen(metric, attribution.cells, rules, names, zero_metrics)
    cells = attribution.cells
    result = []
    for cause in REGISTRY:
        amount = int(cells[cause.name].sum()) if cause.name in cells else 0
        if not amount:
            continue
        found = [f for f in attribution.findings if f.cause == cause.name]
        found.sort(key=lambda f: -int(np.abs(f.amount).sum()))
        confidence, evidence, check = cause.evidence.explain(found, seen)
        mask = cells[cause.name] != 0
        result.append(
            CauseDetail(
                cause.name,
                amount,
                confidence,
                evidence,
                check,
                seen.days(mask),
                seen.journeys(cells.loc[mask, "journey_key"]),
            )
        )
    return tuple(result)
