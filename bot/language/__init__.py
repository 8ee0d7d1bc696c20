"""Free text -> Query: what a question asks for, in the words people actually type.

Pure and table-driven (the words are data in bot.language.words): text + today + the stored
journeys' names (+ the previous query of the conversation) -> Query. The question is read
once, each step blanking what it used so no word is read twice:

1. text that is not a question (code, SQL, shell, another language) is not understood;
2. journeys named in full are claimed ("November Newsletter" is not a month);
3. date phrases are read (bot.language.dates), comparisons included;
4. the intent, a breakdown ("by journey") and a chart ("plot") come from keywords;
5. metric words are read (bot.language.metric_words): labels, rates, typos, unknown ones;
6. what is left is matched to journey names (bot.language.journeys);
7. a follow-up is merged into the previous query (bot.language.followup);
8. whatever was not understood becomes an `Unclear` with offers (bot.language.offers).

Nothing not understood is replaced by a default: an unknown journey, metric or date phrase,
an ambiguous numeric date and a range in the future are reported on the query, which the
reply turns into a question back. Only a question with no date words gets the default range.
Any string parses: nothing here raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.language.dates import DateReading, before, blank, find_dates
from bot.language.followup import ADDING, ALL_JOURNEYS, ALL_METRICS, Said, is_followup, merge
from bot.language.journeys import exact_journeys, read_journeys
from bot.language.metric_words import take_metrics, take_misspelt
from bot.language.offers import (
    date_order_problem,
    date_problem,
    future_problem,
    journey_problem,
    metric_problem,
)
from bot.language.phrases import NUMBER_WORDS
from bot.language.premise import read_premise
from bot.language.tokens import Token, normalize, tokens
from bot.language.words import (
    BREAKDOWN_KEYWORDS,
    CHART_KEYWORDS,
    FOREIGN_WORDS,
    GREETINGS,
    INTENT_KEYWORDS,
    NOT_A_QUESTION,
    STOP_WORDS,
)
from bot.query import Query

__all__ = ["DEFAULT_DAYS", "parse_question"]

# No dates in the question: the 30 days ending today, today included.
DEFAULT_DAYS = 30
# Intents whose answer has no metrics, journeys or dates to get wrong.
_SCOPELESS = ("status", "help", "digest", "unknown")

_INTENT_RES = tuple(
    (intent, re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])"))
    for intent, pattern in INTENT_KEYWORDS
)
_BREAKDOWN_RES = tuple(
    (by, re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])"))
    for by, pattern in BREAKDOWN_KEYWORDS
)
_CHART_RE = re.compile(rf"(?<![a-z0-9])(?:{CHART_KEYWORDS})(?![a-z0-9])")
# Words that, left unread after a date word, mean a date phrase was not understood.
_DATE_WORDS = frozenset(
    """
    january february april june july august september october november december jan feb apr
    jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    ago weekend weekends fortnight quarter quarters tomorrow tonight
    """.split()  # noqa: SIM905
)
_DATE_LEADS = frozenset(
    {"since", "before", "after", "until", "till", "during", "around", "over", "last", "past"}
)
_ORDINAL = re.compile(r"^[0-9]{1,2}(?:st|nd|rd|th)$")
# A count of calendar units no rule took ("sent 2 weeks", "vs the 2 before") is a date
# phrase not understood, though "week" alone is not a date word ("by week", "per day").
_CALENDAR_UNITS = frozenset(["day", "days", "week", "weeks", "month", "months", "year", "years"])
_VAGUE_COUNTS = frozenset({"few", "couple", "several"})
_SKIPPABLE = frozenset(
    {"the", "a", "an", "our", "last", "this", "next", "that", "few", "couple", "several"}
)


def parse_question(
    text: str,
    *,
    today: date,
    journeys: Sequence[str],
    previous: Query | None = None,
    date_order: str | None = None,
    intent: str | None = None,
) -> Query:
    """Understand one question without I/O, so the CLI, Slack and tests all agree.

    `today` is the reporting time zone's date; `journeys` are the stored journeys' display
    names, which are what the returned Query names; `previous` is the conversation's last
    query (a follow-up keeps what it does not change); `date_order` is PARITY_DATE_ORDER;
    `intent` is set by a slash command that already says what it wants ("/parity safe").
    """
    default = Query("unknown", today - timedelta(days=DEFAULT_DAYS - 1), today, default_dates=True)
    clean = normalize(text)
    quoted = [match.span() for match in re.finditer(r'"[^"]+"', clean)]
    # Names first: a question about "Приветствие" is in English around a Cyrillic name.
    exact, clean = exact_journeys(clean, journeys)
    premise = read_premise(clean)
    if _not_a_question(clean):
        return default
    comparing = bool(re.search(r"\bcompar", clean))
    dates, clean = find_dates(clean, today, date_order, comparing=comparing)
    said_intent, clean = _keywords(clean, _INTENT_RES)
    said_intent = intent or said_intent
    breakdown, clean = _keywords(clean, _BREAKDOWN_RES)
    chart = bool(_CHART_RE.search(clean))
    clean = _CHART_RE.sub(lambda m: "|" + " " * (len(m[0]) - 1), clean)
    all_journeys = bool(ALL_JOURNEYS.search(clean))
    all_metrics = bool(ALL_METRICS.search(clean))
    adding = bool(ADDING.search(clean))
    for pattern in (ALL_JOURNEYS, ALL_METRICS):
        clean = pattern.sub(lambda m: "|" + " " * (len(m[0]) - 1), clean)
    words = tokens(clean)
    metric_words = take_metrics(words)
    take_misspelt(words, metric_words, guard=journeys)
    named = read_journeys(words, journeys, quoted)
    found = sorted(exact + named.found, key=lambda f: f[0])
    said = Said(
        intent=said_intent,
        metrics=tuple(metric_words.metrics),
        journeys=tuple(dict.fromkeys(name for _, name in found)),
        all_metrics=all_metrics,
        all_journeys=all_journeys,
        adding=adding,
        span=dates.span,
        compare=dates.compare,
        versus_only=dates.versus_only,
        relative=dates.relative_only.unit if dates.relative_only else None,
        breakdown=breakdown,
        chart=chart,
        notes=tuple(metric_words.notes),
    )
    leftover_dates = _unread_dates(words)
    content = bool(
        said.intent
        or said.metrics
        or said.journeys
        or dates.span
        or dates.problems
        or dates.relative_only
        or metric_words.unknown
        or named.unknown
        or breakdown
        or chart
        or all_journeys
        or all_metrics
    )
    if not content and previous is None:
        if GREETINGS.search(clean) or (not re.sub(r"[?\s]", "", text) and "?" in text):
            return replace(default, intent="help")
        return default
    asks = content or previous is not None
    unknown_journeys = named.unknown + (named.weak_unknown if asks else [])
    in_names = {word for phrase, _ in unknown_journeys for word in phrase.split()}
    leftover_dates = [phrase for phrase in leftover_dates if phrase not in in_names]
    said.kinds_said = {
        kind
        for kind, present in (
            ("journey", said.journeys or all_journeys or unknown_journeys),
            ("metric", said.metrics or all_metrics or metric_words.unknown),
            ("date", dates.span or dates.problems or dates.relative_only),
        )
        if present
    }
    query = _reading(said, default, today, previous, clean)
    if query.intent in _SCOPELESS:
        return replace(default, intent=query.intent)
    ignored = tuple(w for w in named.leftover if w not in STOP_WORDS)
    query = replace(query, ignored=ignored, premise=premise)
    if dates.relative_only and previous is None:  # "the week before" before what?
        leftover_dates.append(f"the {dates.relative_only.unit} before")
    return _with_problems(
        query, dates, unknown_journeys, metric_words.unknown, leftover_dates, today
    )


def _reading(said: Said, default: Query, today: date, previous: Query | None, clean: str) -> Query:
    if previous is not None and is_followup(clean, said):
        return merge(previous, said, before)
    start, end = said.span or (default.start, default.end)
    if said.relative:  # "the week before" with nothing before it: not understood
        start, end = default.start, default.end
    return Query(
        said.intent or "reconcile",
        start,
        end,
        said.metrics,
        said.journeys,
        compare=said.compare,
        breakdown=said.breakdown,
        chart=said.chart,
        default_dates=said.span is None,
        notes=said.notes,
    )


def _with_problems(
    query: Query,
    dates: DateReading,
    journeys: list[tuple[str, tuple[str, ...]]],
    metrics: list[str],
    leftover_dates: list[str],
    today: date,
) -> Query:
    base = replace(query, unclear=())
    problems = list(query.unclear)
    problems += [journey_problem(base, words, names) for words, names in journeys]
    problems += [metric_problem(base, words) for words in metrics]
    for kind, words, detail in dates.problems:
        if kind == "date":
            problems.append(date_problem(base, words, today))
        elif kind == "date_order":
            problems.append(date_order_problem(base, words, detail))
        else:
            problems.append(future_problem(base, words, detail, today))
    problems += [date_problem(base, words, today) for words in leftover_dates]
    return replace(query, unclear=tuple(problems))


def _not_a_question(clean: str) -> bool:
    """Code, SQL, shell, markup, or another language (journey names blanked out): not a
    question Parity can read."""
    if NOT_A_QUESTION.search(clean):
        return True
    letters = [c for c in clean if c.isalpha()]
    if letters and sum(not ("a" <= c.lower() <= "z") for c in letters) > len(letters) / 2:
        return True
    words = re.findall(r"[^\W\d_]+", clean)
    foreign = sum(word in FOREIGN_WORDS for word in words)
    return foreign >= 2 and foreign * 3 >= len(words)


def _keywords(text: str, patterns) -> tuple[str | None, str]:
    """The first kind whose keyword appears, and the text with all their keywords blanked."""
    first = None
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            first = first or kind
            text = blank(text, *match.span())
    return first, text


def _unread_dates(words: list[Token]) -> list[str]:
    """Date words left unread ("since the launch", a month no rule took): never dropped."""
    phrases = []
    for i, token in enumerate(words):
        if token is None:
            continue
        word = token[1]
        following = words[i + 1] if i + 1 < len(words) else None
        if word in _DATE_WORDS or _ORDINAL.match(word):
            phrases.append(word)
        elif _is_count(word) and following and following[1] in {*_CALENDAR_UNITS, "before"}:
            phrases.append(f"{word} {following[1]}")
        elif word in _DATE_LEADS:
            rest = []
            for following in words[i + 1 : i + 4]:
                if following is None:
                    break
                rest.append(following[1])
            meant = [w for w in rest if w not in _SKIPPABLE]
            if meant and meant[0] not in STOP_WORDS and meant[0][0].isalpha():
                phrases.append(f"{word} {meant[0]}")
            elif _VAGUE_COUNTS.intersection(rest):
                phrases.append(" ".join([word, *rest]))
    return phrases


def _is_count(word: str) -> bool:
    return word.isdigit() or word in NUMBER_WORDS
