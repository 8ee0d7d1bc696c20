"""python -m bot evaluate: score the reconciliation core on scenarios with known causes.

Generates scenarios (bot.evaluate.scenarios) with every cause alone and in random mixes of
two to four, runs the core on each exactly as an answer would (comparison frame a day wider
than the range, snapshot history, settings), and prints per cause the share of its true
absolute gap attributed to it, the overall share, and the share of labelled questions whose
intent bot.language reads correctly. Seeded: the same seed prints the same figures.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, replace

import numpy as np

from bot.config import Settings
from bot.evaluate.questions import IntentScore, score_intents
from bot.evaluate.scenarios import CAUSES, INJECTABLE, TODAY, build
from bot.evaluate.scoring import Score, score
from bot.reconcile.registry import cause_named

__all__ = ["INJECTABLE", "Evaluation", "cmd_evaluate", "evaluate", "plan", "report"]


@dataclass(frozen=True)
class Evaluation:
    scenarios: int
    seed: int
    alone: Score
    mixed: Score
    intents: IntentScore
    seconds: float

    @property
    def total(self) -> Score:
        return self.alone + self.mixed

    def to_dict(self) -> dict:
        def shares(s: Score) -> dict:
            return {c: _round(s.share(c)) for c in CAUSES} | {"overall": _round(s.share())}

        return {
            "scenarios": self.scenarios,
            "seed": self.seed,
            "attributed_correctly_pct": shares(self.total),
            "alone_pct": shares(self.alone),
            "mixed_pct": shares(self.mixed),
            "true_gap": self.total.true,
            "intents": {
                "questions": self.intents.total,
                "correct": self.intents.correct,
                "pct": round(self.intents.share, 1),
                "misses": [list(m) for m in self.intents.misses],
            },
            "seconds": round(self.seconds, 2),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def plan(rng: np.random.Generator, count: int) -> list[tuple[str, ...]]:
    """Each cause alone (data source alone is the drift only) in turn, then random mixes."""
    singles = [(), *((c,) for c in INJECTABLE)]
    alone = [singles[i % len(singles)] for i in range(count // 2)]
    mixed = []
    for _ in range(count - len(alone)):
        size = int(rng.integers(2, 5))
        chosen = rng.choice(len(INJECTABLE), size=size, replace=False)
        mixed.append(tuple(INJECTABLE[i] for i in sorted(chosen)))
    return alone + mixed


def evaluate(count: int = 140, seed: int = 1, settings: Settings | None = None) -> Evaluation:
    """Generate `count` scenarios from `seed`, score the core on them and on the questions."""
    started = time.perf_counter()
    settings = replace(settings or Settings(), today_override=TODAY)
    rng = np.random.default_rng(seed)
    alone, mixed = Score.zero(), Score.zero()
    for index, injected in enumerate(plan(rng, count)):
        scenario = build(rng, injected, f"#{index} {'+'.join(injected) or 'datasource'}")
        result = score(scenario, settings)
        if len(injected) <= 1:
            alone = alone + result
        else:
            mixed = mixed + result
    intents = score_intents(TODAY)
    return Evaluation(count, seed, alone, mixed, intents, time.perf_counter() - started)


def report(evaluation: Evaluation) -> str:
    """The evaluation as a small plain-text table."""
    total = evaluation.total
    lines = [
        f"Parity evaluation: {evaluation.scenarios} scenarios (seed {evaluation.seed}), "
        f"{evaluation.seconds:.1f} s",
        "",
        f"{'cause':<16}{'true |gap|':>14}{'correct':>10}{'alone':>9}{'mixed':>9}",
    ]
    for cause in CAUSES:
        lines.append(
            f"{cause_named(cause).label:<16}{total.true[cause]:>14,}{_pct(total.share(cause)):>10}"
            f"{_pct(evaluation.alone.share(cause)):>9}{_pct(evaluation.mixed.share(cause)):>9}"
        )
    lines.append(
        f"{'overall':<16}{sum(total.true.values()):>14,}{_pct(total.share()):>10}"
        f"{_pct(evaluation.alone.share()):>9}{_pct(evaluation.mixed.share()):>9}"
    )
    intents = evaluation.intents
    lines += [
        "",
        f"intents: {intents.correct} of {intents.total} questions read correctly "
        f"({intents.share:.1f} %)",
    ]
    lines += [f"  missed: {q!r} -> {got} (expected {want})" for q, want, got in intents.misses]
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def cmd_evaluate(app, args: argparse.Namespace) -> int:
    """The CLI command: the app's tolerances and windows, generated data, printed scores."""
    evaluation = evaluate(args.scenarios, args.seed, app.settings)
    print(json.dumps(evaluation.to_dict()) if args.json else report(evaluation))
    return 0
