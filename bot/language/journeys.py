"""Journey names in a question: in full, in part, reordered, abbreviated or misspelt.

Journeys named in full are claimed first ("November Newsletter" is not a month). What is
left after dates, intents and metrics is cut into phrases, and each phrase is matched to the
stored names. A phrase that looks like a journey name and matches none, or matches several,
is reported with the closest names, so the reply asks back instead of answering for all
journeys. A phrase looks like a name when it is introduced ("for", "journey", "called"),
quoted, holds a naming word ("campaign", "newsletter"), is listed with a journey ("welcome
series and summer sale"), or shares a word with a stored name without matching it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

from bot.language.tokens import Token, stem, words
from bot.language.words import (
    ABBREVIATIONS,
    JOURNEY_TRIGGERS,
    NAMING_WORDS,
    STOP_WORDS,
    STRONG_TRIGGERS,
    WEAK_WORDS,
)

# How close a phrase must be to a journey name, tuned on the corpus's tuning half: the whole
# phrase against the whole name (rapidfuzz token_set_ratio, 0-100), or each word against a
# word of the name with at most this many typos (OSA distance: a swap of two letters is one)
# for words at least this long. Five-letter words get none: "block" is not "black".
PHRASE_CUTOFF = 85
TYPOS_ALLOWED: tuple[tuple[int, int], ...] = ((0, 0), (6, 1), (10, 2))
# A word this long that starts a word of a name stands for it ("onboard", "conf").
SHORTEST_PREFIX = 4
# Closest names offered when a phrase matches none.
OFFERS = 3
OFFER_CUTOFF = 40
CONNECTORS = frozenset({"and", "or", "vs", "versus", "+", "&", ",", "with", "plus"})
MARK = "#"  # a journey named in full, blanked
_WEAK_STEMS = frozenset(map(stem, WEAK_WORDS))
_NUMBER = re.compile(r"^[0-9]+(?:k|m|%)?$")


@dataclass
class Phrase:
    start: int
    words: list[str]
    explicit: bool = False  # after "for", "about": a name when the question asks something
    strong: bool = False  # after "journey", "called", or quoted: meant as a name
    naming: bool = False
    listed: bool = False  # next to a journey, joined by "and", "+", ","
    hits: list[str] = field(default_factory=list)
    near: bool = False
    telling: bool = False  # holds a word that is not a channel or naming word


@dataclass
class JourneyWords:
    found: list[tuple[int, str]] = field(default_factory=list)
    # (phrase as written, closest stored names): named but not matched, or matched twice.
    unknown: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    # Phrases that only share a word with a name: a journey when the question asks about
    # something else too, noise in a question about nothing.
    weak_unknown: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def exact_journeys(text: str, journeys: Sequence[str]) -> tuple[list[tuple[int, str]], str]:
    """Journeys named in full, spaces, hyphens and a plural optional ("winback offers"), then
    runs of two or more telling words of one name only ("black friday", "back in stock"),
    before dates are read: "Black Friday" is a journey here, not a Friday."""
    found: list[tuple[int, str]] = []
    for name, parts in _runs_of(tuple(journeys)):
        if not all(part in text for part in parts):  # a match holds every word as written
            continue
        for match in _pattern(parts).finditer(text):
            found.append((match.start(), name))
            length = match.end() - match.start()
            text = text[: match.start()] + MARK + " " * (length - 1) + text[match.end() :]
    return found, text


@lru_cache(maxsize=4)
def _runs_of(journeys: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`_runs`, once per list of stored names."""
    return tuple((name, tuple(parts)) for name, parts in _runs(journeys))


@lru_cache(maxsize=8192)
def _pattern(parts: tuple[str, ...]) -> re.Pattern:
    """A name's words (or a run of them) as written in a question, compiled once, and only
    for the names a question holds every word of: compiled for every name at every
    question, 1,000 journeys' patterns overflowed Python's own cache of 512 and each
    question compiled them all again (70 ms)."""
    return re.compile(
        r"(?<![^\W_])" + r"[\s\-_./&+]*".join(map(re.escape, parts)) + r"(?:s|es)?(?![^\W_])"
    )


def _runs(journeys: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Whole names, then the runs of their words that name one journey, longest first."""
    whole = [(name, words(name)) for name in journeys if words(name)]
    # Names whose words are the same ("🚀 Launch", "🎉 Launch") are not told apart by words:
    # matched by phrase, where both match and the reply asks which.
    spelled = Counter(tuple(parts) for _, parts in whole)
    whole = [(name, parts) for name, parts in whole if spelled[tuple(parts)] == 1]
    owners: dict[tuple[str, ...], set[str]] = {}
    for name, parts in whole:
        for size in range(2, len(parts)):
            for i in range(len(parts) - size + 1):
                run = tuple(parts[i : i + size])
                if sum(word not in STOP_WORDS and word not in WEAK_WORDS for word in run) >= 2:
                    owners.setdefault(run, set()).add(name)
    partial = [(next(iter(names)), list(run)) for run, names in owners.items() if len(names) == 1]
    by_length = sorted(whole, key=lambda item: len(" ".join(item[1])), reverse=True)
    return by_length + sorted(partial, key=lambda item: len(" ".join(item[1])), reverse=True)


def read_journeys(
    tokens: list[Token], journeys: Sequence[str], quoted: Sequence[tuple[int, int]] = ()
) -> JourneyWords:
    """Journeys named in part, out of order or misspelt; the phrases that look like names
    and match none; and the words that were no name at all."""
    targets = _targets(tuple(journeys))
    result = JourneyWords()
    items = _phrases(tokens, quoted)
    for item in items:
        if isinstance(item, Phrase):
            _match(item, targets)
    _mark_listed(items)
    for item in items:
        if not isinstance(item, Phrase):
            continue
        written = " ".join(item.words)
        if not item.telling:  # "the email series": naming words alone name nothing
            result.leftover += item.words
        elif len(item.hits) == 1:
            result.found.append((item.start, item.hits[0]))
        elif item.hits:
            result.unknown.append((written, tuple(item.hits)))
        elif item.strong or item.naming or item.listed:
            result.unknown.append((written, closest(written, journeys)))
        elif item.near or item.explicit:
            result.weak_unknown.append((written, closest(written, journeys)))
        else:
            result.leftover += item.words
    return result


@lru_cache(maxsize=4)
def _targets(journeys: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each stored name with the stems of its words, once per list of names (at 1,000
    journeys, stemming them for every question took a few milliseconds)."""
    return tuple((name, tuple(stem(word) for word in words(name))) for name in journeys)


def closest(phrase: str, journeys: Sequence[str]) -> tuple[str, ...]:
    """The stored names nearest a phrase, best first: what "Did you mean…?" offers."""
    ranked = process.extract(
        phrase,
        journeys,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        limit=OFFERS,
        score_cutoff=OFFER_CUTOFF,
    )
    return tuple(name for name, _, _ in ranked)


def _phrases(tokens: list[Token], quoted: Sequence[tuple[int, int]]) -> list:
    """Runs of words that could be a journey name, with the marks and connectors between
    them (a journey named in full is MARK)."""
    items: list = []
    current: Phrase | None = None
    explicit = strong = False
    for token in [*tokens, None]:
        word = token[1] if token else None
        if word == MARK or word in CONNECTORS:
            current = _close(items, current)
            items.append(word)
            explicit = strong = False
            continue
        if token and _name_word(word, explicit, current):
            if current is None:
                inside = any(a <= token[0] < b for a, b in quoted)
                current = Phrase(token[0], [], explicit=explicit, strong=strong or inside)
            current.words.append(word)
            continue
        if current is not None and word in NAMING_WORDS:
            current.naming = True
        current = _close(items, current)
        if word is None and items and items[-1] != "|":
            items.append("|")
        explicit = word in JOURNEY_TRIGGERS or (explicit and word is not None)
        strong = word in STRONG_TRIGGERS or (strong and word is not None)
    return items


def _name_word(word: str | None, explicit: bool, current: Phrase | None) -> bool:
    if word is None or word in STOP_WORDS:
        return False
    if _NUMBER.match(word):  # "120k", "5": a number, unless it is a journey's id
        return explicit and current is None and word.isdigit()
    return True


def _close(items: list, current: Phrase | None) -> None:
    if current is not None:
        current.naming = current.naming or any(w in NAMING_WORDS for w in current.words)
        items.append(current)
    return


def _mark_listed(items: list) -> None:
    """A phrase joined to a journey by "and", "+" or "," is meant as one too."""
    for before, connector, after in zip(items, items[1:], items[2:], strict=False):
        if not isinstance(connector, str) or connector not in CONNECTORS:
            continue
        if isinstance(after, Phrase) and _is_journey(before):
            after.listed = True
        if isinstance(before, Phrase) and _is_journey(after):
            before.listed = True


def _is_journey(item) -> bool:
    return item == MARK or (isinstance(item, Phrase) and len(item.hits) == 1)


def _match(phrase: Phrase, targets: Sequence[tuple[str, Sequence[str]]]) -> None:
    stems = [stem(ABBREVIATIONS.get(word, word)) for word in phrase.words]
    telling = [word for word in stems if word not in _WEAK_STEMS]
    phrase.telling = bool(telling)
    if not telling or len("".join(phrase.words)) < 2:
        return
    phrase.hits = [name for name, target in targets if target and _resembles(stems, target)]
    if not phrase.hits:
        phrase.near = any(
            _word_fits(word, target) for word in telling for _, target in targets if len(word) > 2
        )


def _resembles(words_: list[str], target: Sequence[str]) -> bool:
    """Either the phrase as a whole is close to the name (word order and extra words
    forgiven), or each telling word is close to a word of the name, to two of its words
    run together ("winback" for "Win-back"), starts one ("conf"), or is its initials ("bf")."""
    if fuzz.token_set_ratio(" ".join(words_), " ".join(target)) >= PHRASE_CUTOFF:
        return True
    telling = [word for word in words_ if word not in _WEAK_STEMS]
    return bool(telling) and all(_word_fits(word, target) for word in telling)


def _word_fits(word: str, target: Sequence[str]) -> bool:
    parts = [part for part in target if part not in _WEAK_STEMS] or target
    joined = [first + second for first, second in pairwise(target)]
    if any(OSA.distance(word, part) <= _typos_allowed(word) for part in [*parts, *joined]):
        return True
    if len(word) >= SHORTEST_PREFIX and any(part.startswith(word) for part in target):
        return True
    return 2 <= len(word) <= 3 and any(
        word == "".join(part[0] for part in target[i : i + len(word)])
        for i in range(len(target) - len(word) + 1)
    )


def _typos_allowed(word: str) -> int:
    return next(typos for shortest, typos in reversed(TYPOS_ALLOWED) if len(word) >= shortest)
