"""Metric words in a question: product labels, everyday names, rates, typos, unknown ones.

Rates ("bounce rate", "CTR") are read as the count they are made of, with a note saying so;
a misspelt metric word ("deliverd", "bouces") is read when it is one edit from a known one;
a word for a number neither product has ("revenue") is reported, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.language.tokens import Token, stem, words
from bot.language.words import (
    RATE_ALIASES,
    UNKNOWN_METRIC_PHRASES,
    UNKNOWN_METRICS,
)
from bot.metrics import DISPLAY_NAMES, LABEL_TO_METRIC, METRIC_TABLE

_UNKNOWN = "?"  # an alias entry standing for a metric Parity does not have


def _alias_table() -> dict[tuple[str, ...], tuple[str, bool]]:
    """Stemmed word tuples -> (metric, read from a rate)."""
    table: dict[tuple[str, ...], tuple[str, bool]] = {}
    sources = [
        *((metric, (label,), False) for label, metric in LABEL_TO_METRIC.items()),
        *((metric.name, metric.words, False) for metric in METRIC_TABLE),
        *((metric, labels, True) for metric, labels in RATE_ALIASES.items()),
    ]
    for metric, labels, rate in sources:
        for label in labels:
            key = tuple(stem(word) for word in words(label))
            table[key] = (metric, rate or "rate" in key or key == ("ctr",))
    return table


ALIASES = _alias_table()
# Words for numbers Parity does not have, as written (stemming would make "orders" "order",
# a word of journey names).
UNKNOWN: dict[tuple[str, ...], tuple[str, bool]] = {
    tuple(words(phrase)): (_UNKNOWN, False)
    for phrase in (*UNKNOWN_METRICS, *UNKNOWN_METRIC_PHRASES)
}
# Single words a typo may be one edit from (at least five letters: "sent" has too many
# neighbours, so shorter words only match when two letters are swapped).
_TYPO_TARGETS = {
    word: metric
    for label, metric in (
        *LABEL_TO_METRIC.items(),
        *((label, metric.name) for metric in METRIC_TABLE for label in metric.words),
    )
    if len(words(label)) == 1
    for word in {words(label)[0], stem(words(label)[0])}
    if len(word) >= 4
}


@dataclass
class MetricWords:
    metrics: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def add(self, metric: str) -> None:
        if metric not in self.metrics:
            self.metrics.append(metric)


def take_metrics(tokens: list[Token], found: MetricWords | None = None) -> MetricWords:
    """Metrics in the order mentioned, longest alias first; their words become breaks."""
    found = found or MetricWords()
    i = 0
    while i < len(tokens):
        size, hit = _alias_at(tokens, i)
        if hit:
            metric, rate = hit
            phrase = " ".join(token[1] for token in tokens[i : i + size] if token)
            if metric == _UNKNOWN:
                found.unknown.append(phrase)
            else:
                found.add(metric)
                if rate:
                    found.notes.append(f"“{phrase}” read as {DISPLAY_NAMES[metric]}, a count")
            tokens[i : i + size] = [None] * size
        i += size
    return found


@lru_cache(maxsize=4)
def _name_stems(names: tuple[str, ...]) -> frozenset[str]:
    """The stems of the words of these journey names, once per list of names."""
    return frozenset(stem(word) for name in names for word in words(name))


def take_misspelt(
    tokens: list[Token], found: MetricWords, guard: Sequence[str] = ()
) -> MetricWords:
    """Words one typo from a metric word ("deliverd", "opnes"), unless they are as close
    to a word of a journey name in `guard` (a journey's words are never a metric)."""
    names = _name_stems(tuple(guard))
    for i, token in enumerate(tokens):
        if token is None:
            continue
        stemmed = stem(token[1])  # once, not once per word of every journey name
        if any(OSA.distance(stemmed, word) <= 1 for word in names):
            continue
        metric = typo_of(token[1])
        if metric:
            found.add(metric)
            found.notes.append(f"“{token[1]}” read as {DISPLAY_NAMES[metric]}")
            tokens[i] = None
    return found


def typo_of(word: str) -> str | None:
    if len(word) < 4 or not word.isalpha():
        return None
    for target, metric in _TYPO_TARGETS.items():
        distance = OSA.distance(word, target)
        if distance == 1 and (len(word) >= 5 or sorted(word) == sorted(target)):
            return metric
        if distance == 2 and len(word) >= 9:
            return metric
    return None


_LONGEST = max(len(key) for key in (*ALIASES, *UNKNOWN))


def _alias_at(tokens: list[Token], i: int) -> tuple[int, tuple[str, bool] | None]:
    for size in range(min(_LONGEST, len(tokens) - i), 0, -1):
        run = [token[1] for token in tokens[i : i + size] if token]
        if len(run) != size:
            continue
        if hit := UNKNOWN.get(tuple(run)) or ALIASES.get(tuple(map(stem, run))):
            return size, hit
    return 1, None
