"""Free text -> Query: what a question asks for, in the words people actually type.

Everything that varies between phrasings is data: intent keywords and stop words at the top
of this module, metric labels and the words people use for them in bot.metrics' table; the
code only walks the question once:

1. journeys named in full are claimed first ("November Newsletter" is not a month);
2. date phrases are read (bot.dates);
3. the intent comes from keywords, checked from the most specific (safe range) to the least;
4. metric aliases are read, longest first ("messages successfully sent" is delivered);
5. what is left, minus stop words, is cut into chunks that are fuzzily matched to the stored
   journey names; a chunk introduced by "for", "journey", "called" that matches nothing is
   reported as unmatched so the reply can say so.

Each step blanks what it used, so no word is read twice ("sent" is a metric, not a journey).

A question with a metric, a journey or a date but no intent keyword is a reconciliation; one
with none of these is `unknown`. Any string parses: nothing here raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.dates import blank, find_dates
from bot.metrics import LABEL_TO_METRIC, METRIC_TABLE
from bot.query import Query

# No dates in the question: the 30 days ending today, today included.
DEFAULT_DAYS = 30

# Checked in this order; the first that matches names the intent.
INTENT_KEYWORDS: tuple[tuple[str, str], ...] = (
    (
        "safe_range",
        r"safe(?:ly)?|trust\w*|reliabl[ey]|(?:which|what) (?:dates?|days?|range)|report on"
        r"|final(?:ized)?|settled|confident",
    ),
    ("digest", r"digests?|weekly (?:summary|report|recap)|recap"),
    (
        "status",
        r"status|fresh(?:ness)?|stale|snapshots?|imports?|imported|ingest\w*|up to date|updated"
        r"|last (?:update|upload|load|sync|refresh)",
    ),
    (
        "reconcile",
        r"reconcil\w*|compar\w*|match\w*|mismatch\w*|gaps?|differ\w*|diffs?|discrepanc\w*"
        r"|vs|versus|against|why|explain\w*|add up|disagree\w*|deltas?|off by|wrong",
    ),
    (
        "help",
        r"help|what can (?:you do|i ask)|what do you do|what should i ask|how do i"
        r"|commands?|usage|examples?",
    ),
)

# Words that never name a journey: grammar, the products, and the vocabulary of the question.
STOP_WORDS = frozenset(
    """
    a an the and or but nor of for to in on at by with from about as into per than then so is
    are was were be been being am do does did done dont doesnt didnt isnt arent wasnt werent cant
    cannot wont have has had havent hasnt not no yes any all every each both i me my we our us you
    your it its they them their this that these those there here what whats which who whom whose
    how when where why whatever may might can could should would will shall must please pls show
    give tell get got see look let lets just really much many more most less least some only also
    still even again ok okay hey hi hello thanks thank parity bot number numbers count counts total
    totals figure figures data stat stats metric metrics value values report reports reporting
    dashboard ajo cja adobe optimizer customer analytics workspace journey journeys called named
    same different higher lower up down between since until day days week weeks month months year
    years date dates time last past previous next range side sides source sources product products
    rate rates level levels team off under over above below after before during within without via
    chart charts graph plot table trend breakdown jan january feb february mar march apr april jun
    june jul july aug august sep sept september oct october nov november dec december today
    yesterday
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# Channel and naming words: kept inside a journey name, but never enough on their own.
WEAK_WORDS = frozenset(
    """
    email emails sms text push inapp app campaign campaigns series message messages
    notification notifications
    """.split()  # noqa: SIM905
)
# Words after which the rest of the phrase is meant as a journey name.
JOURNEY_TRIGGERS = frozenset({"for", "journey", "called", "named"})

# How close a chunk must be to a journey name, tuned on tests/test_language.py: the whole
# phrase against the whole name (rapidfuzz token_set_ratio, 0-100), or each word against a
# word of the name with at most this many typos (OSA distance: a swap of two letters is one)
# for words at least this long. Five-letter words get none: "block" is not "black".
PHRASE_CUTOFF = 85
TYPOS_ALLOWED: tuple[tuple[int, int], ...] = ((0, 0), (6, 1), (10, 2))

_WORD = re.compile(r"[^\W_]+|[|,;.!?&+/()\[\]\"]|(?<=\s)-(?=\s)")
_INTENT_RES = tuple(
    (intent, re.compile(rf"\b(?:{pattern})\b")) for intent, pattern in INTENT_KEYWORDS
)


def _stem(word: str) -> str:
    """Strip the few English endings that make "bounced", "bounces" and "bounce" differ."""
    for suffix, replacement, shortest in (
        ("ies", "y", 5),
        ("ied", "y", 5),
        ("ing", "", 6),
        ("ment", "", 8),
        ("ed", "", 5),
        ("es", "", 5),
        ("s", "", 4),
    ):
        if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
            return word[: -len(suffix)] + replacement
    return word


def _words(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word[0].isalnum()]


METRIC_ALIASES: dict[tuple[str, ...], str] = {
    tuple(_stem(word) for word in _words(label)): metric
    for metric, labels in (
        *((metric, (label,)) for label, metric in LABEL_TO_METRIC.items()),
        *((entry.name, entry.words) for entry in METRIC_TABLE),
    )
    for label in labels
}
_LONGEST_ALIAS = max(len(words) for words in METRIC_ALIASES)
_WEAK_STEMS = frozenset(map(_stem, WEAK_WORDS))


def parse_question(text: str, *, today: date, journeys: Sequence[str]) -> Query:
    """Understand one question without I/O, so the CLI, Slack and tests all agree.

    `today` is passed in (the reporting time zone's date) and `journeys` are the stored
    journeys' display names, which are what the returned Query names.
    """
    clean = _normalize(text)
    found, clean = _exact_journeys(clean, journeys)
    span, clean = find_dates(clean, today)
    intent = _intent(clean, text)
    for _, pattern in _INTENT_RES:
        for match in pattern.finditer(clean):
            clean = blank(clean, *match.span())
    tokens: list[tuple[int, str] | None] = [
        (match.start(), match[0]) if match[0][0].isalnum() else None
        for match in _WORD.finditer(clean)
    ]
    metrics = _take_metrics(tokens)
    fuzzy, unmatched = _fuzzy_journeys(tokens, journeys)
    names = tuple(dict.fromkeys(name for _, name in sorted(found + fuzzy, key=lambda f: f[0])))
    if intent == "unknown" and (metrics or names or span):
        intent = "reconcile"
    start, end = span or (today - timedelta(days=DEFAULT_DAYS - 1), today)
    return Query(intent, start, end, tuple(metrics), names, tuple(unmatched))


def _normalize(text: str) -> str:
    text = re.sub(r"[’‘`´]", "'", text.lower())
    text = re.sub(r"'s\b", "", text).replace("'", "")
    return re.sub(r"[‐‑‒–—−]", "-", text)


def _intent(clean: str, original: str) -> str:
    for intent, pattern in _INTENT_RES:
        if pattern.search(clean):
            return intent
    if "?" in original and not original.replace("?", "").strip():
        return "help"
    return "unknown"


def _exact_journeys(text: str, journeys: Sequence[str]) -> tuple[list[tuple[int, str]], str]:
    """Journeys named in full, spaces and hyphens optional ("winback offer")."""
    found: list[tuple[int, str]] = []
    for name in journeys:
        words = _words(name)
        if not words:
            continue
        pattern = r"(?<![^\W_])" + r"[\s\-_./&+]*".join(map(re.escape, words)) + r"(?![^\W_])"
        for match in re.finditer(pattern, text):
            found.append((match.start(), name))
            text = blank(text, *match.span())
    return found, text


def _take_metrics(tokens: list[tuple[int, str] | None]) -> list[str]:
    """Metrics in the order mentioned, longest alias first; their words become breaks."""
    metrics: list[str] = []
    i = 0
    while i < len(tokens):
        size, metric = _metric_at(tokens, i)
        if metric:
            metrics += [] if metric in metrics else [metric]
            tokens[i : i + size] = [None] * size
        i += size
    return metrics


def _metric_at(tokens: list[tuple[int, str] | None], i: int) -> tuple[int, str | None]:
    for size in range(min(_LONGEST_ALIAS, len(tokens) - i), 0, -1):
        words = [token[1] for token in tokens[i : i + size] if token]
        if len(words) == size and (metric := METRIC_ALIASES.get(tuple(map(_stem, words)))):
            return size, metric
    return 1, None


def _chunks(tokens: list[tuple[int, str] | None]) -> list[tuple[int, list[str], bool]]:
    """Runs of words that could be a journey name: (offset, words, introduced explicitly)."""
    chunks: list[tuple[int, list[str], bool]] = []
    words: list[str] = []
    start, explicit = 0, False
    for token in [*tokens, None]:
        word = token[1] if token else None
        if token and word not in STOP_WORDS and not token[1].isdigit():
            start = start if words else token[0]
            words.append(token[1])
            continue
        if words:
            chunks.append((start, words, explicit))
            words, explicit = [], False
        explicit = word in JOURNEY_TRIGGERS or (explicit and word is not None)
    return chunks


def _fuzzy_journeys(
    tokens: list[tuple[int, str] | None], journeys: Sequence[str]
) -> tuple[list[tuple[int, str]], list[str]]:
    """Journeys named in part, out of order or misspelled, and the explicit names that
    matched none."""
    targets = [(name, [_stem(word) for word in _words(name)]) for name in journeys]
    found: list[tuple[int, str]] = []
    unmatched: list[str] = []
    for start, words, explicit in _chunks(tokens):
        stems = [_stem(word) for word in words]
        if all(word in _WEAK_STEMS for word in stems) or len("".join(words)) < 3:
            continue
        hits = [name for name, target in targets if target and _resembles(stems, target)]
        found += [(start, name) for name in hits]
        if explicit and not hits:
            unmatched.append(" ".join(words))
    return found, unmatched


def _resembles(words: list[str], target: list[str]) -> bool:
    """Either the phrase as a whole is close to the name (word order and extra words
    forgiven), or each telling word is close to a telling word of the name or to two of its
    words run together ("welcom", "winback" for "Win-back")."""
    if fuzz.token_set_ratio(" ".join(words), " ".join(target)) >= PHRASE_CUTOFF:
        return True
    parts = [word for word in target if word not in _WEAK_STEMS]
    parts += [first + second for first, second in pairwise(target)]
    return all(
        any(OSA.distance(word, part) <= _typos_allowed(word) for part in parts)
        for word in words
        if word not in _WEAK_STEMS
    )


def _typos_allowed(word: str) -> int:
    return next(typos for shortest, typos in reversed(TYPOS_ALLOWED) if len(word) >= shortest)
