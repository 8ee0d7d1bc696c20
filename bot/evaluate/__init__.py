"""python -m bot evaluate: score the reconciliation core on scenarios with known causes.

Two generators (`--model days|events|both`): the day-level one (bot.evaluate.scenarios)
changes daily numbers directly; the event-level one (bot.evaluate.events) counts every
message as each product would. Each generates scenarios with every cause alone and in
random mixes, runs the core on each exactly as an answer would (comparison frame a day wider
than the range, snapshot history, settings), and prints per cause the share of its true
absolute gap attributed to it, the overall share, and the share of labelled questions whose
intent bot.language reads correctly. Seeded: the same seed prints the same figures.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field

import numpy as np

from bot.config import Settings
from bot.evaluate.calibration import Calibration, calibrate
from bot.evaluate.events import scenario as events
from bot.evaluate.questions import IntentScore, score_intents
from bot.evaluate.safety import SafeScore, score_journey_safe, score_safe
from bot.evaluate.scenarios import CAUSES, INJECTABLE, TODAY, build
from bot.evaluate.scoring import Score, score, split
from bot.reconcile.registry import cause_named

__all__ = ["INJECTABLE", "MODELS", "Evaluation", "cmd_evaluate", "evaluate", "plan", "report"]

# Each generator: what it can inject, how it builds a scenario, how many per seed by default.
MODELS = {
    "days": (INJECTABLE, build, 140),
    "events": (events.INJECTABLE, events.build, 40),
}


@dataclass(frozen=True)
class Evaluation:
    scenarios: int
    seed: int
    alone: Score
    mixed: Score
    intents: IntentScore
    seconds: float
    model: str = "days"
    safe: SafeScore = field(default_factory=SafeScore)
    labels: Calibration = field(default_factory=Calibration)
    # Each by_journey row's own safe range against that journey's last final day.
    journey_safe: SafeScore = field(default_factory=SafeScore)
    # AJO's snapshots carried their hourly counts (a Query Service pull; event-level only).
    hourly: bool = False

    @property
    def total(self) -> Score:
        return self.alone + self.mixed

    def to_dict(self) -> dict:
        def shares(s: Score) -> dict:
            return {c: _round(s.share(c)) for c in CAUSES} | {"overall": _round(s.share())}

        return {
            "model": self.model,
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
            "confidence": self.labels.to_dict(),
        } | (
            ({"safe_ranges": self.safe.to_dict()} if self.safe.checked else {})
            | (
                {"journey_safe_ranges": self.journey_safe.to_dict()}
                if self.journey_safe.checked
                else {}
            )
            | ({"hourly": True} if self.hourly else {})
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def plan(
    rng: np.random.Generator, count: int, injectable: tuple[str, ...] = INJECTABLE
) -> list[tuple[str, ...]]:
    """Each cause alone (data source alone is the drift only) in turn, then random mixes."""
    singles = [(), *((c,) for c in injectable)]
    alone = [singles[i % len(singles)] for i in range(count // 2)]
    mixed = []
    for _ in range(count - len(alone)):
        size = int(rng.integers(2, min(5, len(injectable) + 1)))
        chosen = rng.choice(len(injectable), size=size, replace=False)
        mixed.append(tuple(injectable[i] for i in sorted(chosen)))
    return alone + mixed


def evaluate(
    count: int | None = None,
    seed: int = 1,
    settings: Settings | None = None,
    model: str = "days",
    hourly: bool = False,
) -> Evaluation:
    """Generate `count` scenarios of `model` from `seed`, score the core on them (and, on
    event-level scenarios, its safe ranges) and on the questions. `hourly`: every
    event-level scenario's AJO numbers carry their hourly counts (a Query Service pull), so
    the time-zone shift is computed from them; the scenarios are otherwise the same."""
    started = time.perf_counter()
    injectable, builder, default = MODELS[model]
    count = default if count is None else count
    base = settings or Settings()
    # The event-level generator draws seeds apart from the day-level one's (and the tests').
    rng = np.random.default_rng(seed if model == "days" else [seed, 2026, 12])
    alone, mixed, safe, labels = Score.zero(), Score.zero(), SafeScore(), Calibration()
    journey_safe = SafeScore()
    for index, injected in enumerate(plan(rng, count, injectable)):
        name = f"#{index} {'+'.join(injected) or 'datasource'}"
        scenario = (
            builder(rng, injected, name, hourly=True) if hourly else builder(rng, injected, name)
        )
        current = scenario.settings(base)
        done = split(scenario, current)
        result = score(scenario, current, done)
        safe = safe + score_safe(scenario, done)
        journey_safe = journey_safe + score_journey_safe(scenario, done)
        labels = labels + calibrate(scenario, done)
        if len(injected) <= 1:
            alone = alone + result
        else:
            mixed = mixed + result
    intents = score_intents(TODAY)
    seconds = time.perf_counter() - started
    return Evaluation(
        count,
        seed,
        alone,
        mixed,
        intents,
        seconds,
        model,
        safe,
        labels,
        journey_safe,
        hourly and model == "events",
    )


def report(evaluation: Evaluation) -> str:
    """The evaluation as a small plain-text table."""
    total = evaluation.total
    lines = [
        f"Parity evaluation, {evaluation.model} model: {evaluation.scenarios} scenarios "
        f"(seed {evaluation.seed}), {evaluation.seconds:.1f} s",
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
    shares = ", ".join(
        f"{label} {_pct(evaluation.labels.share(label))} of {evaluation.labels.claimed[label]:,}"
        for label in ("high", "medium", "low")
    )
    lines += ["", f"confidence labels, share of the claimed amount that was right: {shares}"]
    safe = evaluation.safe
    if safe.checked:
        lines += [
            "",
            f"safe ranges: {safe.checked} checked, {safe.late} end after the last final day, "
            f"{safe.early} more than 2 days before it",
        ]
    rows = evaluation.journey_safe
    if rows.checked:
        lines.append(
            f"journey rows' safe ranges: {rows.checked} checked, {rows.late} end after the "
            f"journey's last final day, {rows.early} more than 2 days before it"
        )
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def cmd_evaluate(app, args: argparse.Namespace) -> int:
    """The CLI command: the app's tolerances and windows, generated data, printed scores."""
    models = ("days", "events") if args.model == "both" else (args.model,)
    hourly = getattr(args, "hourly", False)
    done = {
        m: evaluate(args.scenarios, args.seed, app.settings, m, hourly and m == "events")
        for m in models
    }
    if args.json:
        shown = (
            done[models[0]].to_dict()
            if len(models) == 1
            else {m: e.to_dict() for m, e in done.items()}
        )
        print(json.dumps(shown))
    else:
        print("\n\n".join(report(e) for e in done.values()))
    return 0
