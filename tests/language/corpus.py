"""The labelled question corpus (corpus.txt): reading it, splitting it, scoring a parser.

The split is fixed by a hash of each question, decided before any tuning: the parser was
tuned on the `tuning` half only, and the `held_out` half is scored untouched (the figure and
its failures are in docs/evaluation.md). Run `python -m tests.language.corpus` for the report.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.query import Query

TODAY = date(2026, 11, 26)  # a Thursday
JOURNEYS = (
    "Welcome Series",
    "Cart Abandon Reminder",
    "Onboarding Push Series",
    "Win-back Offer",
    "Black Friday Promo",
    "Order Confirmation SMS",
    "Birthday Email",
    "Re-engagement Campaign",
    "Price Drop Alert",
    "Holiday Gift Guide",
    "Back in Stock Alert",
)
DEFAULT = (date(2026, 10, 28), TODAY)
CORPUS = Path(__file__).with_name("corpus.txt")
# Intents whose answer does not depend on metrics, journeys or dates: the intent is compared.
INTENT_ONLY = frozenset({"status", "digest", "help", "unknown"})


@dataclass(frozen=True)
class Case:
    line: int
    previous: str | None
    question: str
    expected: str  # the label as written after the question

    @property
    def half(self) -> str:
        """'tuning' or 'held_out', from the question's own text: stable across edits."""
        text = f"{self.previous} >> {self.question}" if self.previous else self.question
        return "tuning" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "held_out"


def load(path: Path = CORPUS) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, _, label = line.partition(" | ")
        previous, _, question = text.rpartition(" >> ")
        cases.append(Case(number, previous or None, question, label.strip()))
    return cases


def _span(text: str) -> tuple[date, date]:
    if text == "default":
        return DEFAULT
    first, _, last = text.partition("..")
    return date.fromisoformat(first), date.fromisoformat(last or first)


def reading(query: Query) -> str:
    """A parsed query in the corpus's label format, so labels and readings compare as text."""
    kinds = sorted({problem.kind for problem in query.unclear})
    if kinds:
        return " ".join("refused:future" if k == "future" else f"ask:{k}" for k in kinds)
    if query.intent in INTENT_ONLY:
        return query.intent
    dates = "default" if (query.start, query.end) == DEFAULT else _written(query.start, query.end)
    if query.compare:
        dates += " vs " + _written(*query.compare)
    extras = " ".join(
        part
        for part in (f"by={query.breakdown}" if query.breakdown else "", "chart" * query.chart)
        if part
    )
    fields = [
        query.intent,
        ",".join(query.metrics) or "-",
        ";".join(query.journeys) or "-",
        dates,
    ]
    return " | ".join(fields + ([extras] if extras else []))


def _written(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"


def normalized(label: str) -> str:
    """A label as `reading` writes it (default spans spelled out the same way)."""
    parts = [part.strip() for part in label.split("|")]
    if len(parts) < 4:
        return parts[0]
    dates = parts[3]
    ranges = [_span(side.strip()) for side in dates.split(" vs ")]
    written = [
        "default" if i == 0 and span == DEFAULT else _written(*span)
        for i, span in enumerate(ranges)
    ]
    parts[3] = " vs ".join(written)
    return " | ".join(parts)


@dataclass(frozen=True)
class Score:
    half: str
    total: int
    failures: tuple[tuple[Case, str], ...]  # (case, what the parser read)

    @property
    def share(self) -> float:
        return 100 * (self.total - len(self.failures)) / self.total if self.total else 0.0


Parse = Callable[[str, Query | None], Query]


def score(half: str, parse: Parse, cases: list[Case] | None = None) -> Score:
    chosen = [case for case in (cases or load()) if case.half == half]
    failures = []
    for case in chosen:
        previous = parse(case.previous, None) if case.previous else None
        got = reading(parse(case.question, previous))
        if got != normalized(case.expected):
            failures.append((case, got))
    return Score(half, len(chosen), tuple(failures))


def corpus_parse(text: str, previous: Query | None) -> Query:
    from bot.language import parse_question

    return parse_question(text, today=TODAY, journeys=JOURNEYS, previous=previous)


def report(score_: Score) -> str:
    right = score_.total - len(score_.failures)
    lines = [f"{score_.half}: {right}/{score_.total} right in every field ({score_.share:.1f} %)"]
    for case, got in score_.failures:
        asked = f"{case.previous} >> {case.question}" if case.previous else case.question
        lines.append(
            f"  line {case.line}: {asked!r}\n    expected {case.expected}\n    read     {got}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    halves = sys.argv[1:] or ["tuning"]
    for half in halves:
        print(report(score(half, corpus_parse)))
