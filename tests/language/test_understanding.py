"""Follow-ups, questions asked back, and properties that hold for any text."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bot.language import parse_question
from bot.language.metric_words import typo_of
from bot.language.tokens import stem, words
from bot.language.words import ABBREVIATIONS, STOP_WORDS, WEAK_WORDS
from bot.query import Query
from tests.language.corpus import JOURNEYS, TODAY, Case, load, normalized, reading, score


def read(text: str, previous: Query | None = None) -> Query:
    return parse_question(text, today=TODAY, journeys=JOURNEYS, previous=previous)


def test_a_follow_up_keeps_what_it_does_not_change():
    first = read("opens for welcome series last week by journey")
    clicks = read("and for clicks?", first)
    assert (clicks.metrics, clicks.journeys, clicks.start, clicks.end, clicks.breakdown) == (
        ("clicks",),
        ("Welcome Series",),
        date(2026, 11, 16),
        date(2026, 11, 22),
        "journey",
    )
    also = read("also delivered", clicks)
    assert also.metrics == ("clicks", "delivered")
    everyone = read("all journeys", also)
    assert everyone.journeys == ()


def test_a_follow_up_answers_what_was_asked_back():
    asked = read("sent for the summer sale journey last week")
    assert [problem.kind for problem in asked.unclear] == ["journey"]
    settled = read("welcome series", asked)
    assert (settled.journeys, settled.unclear, settled.metrics) == (
        ("Welcome Series",),
        (),
        ("sent",),
    )


def test_a_whole_new_question_starts_afresh():
    first = read("sent for welcome series in october")
    fresh = read("why dont bounces match for black friday promo", first)
    assert (fresh.metrics, fresh.journeys, fresh.default_dates) == (
        ("bounces",),
        ("Black Friday Promo",),
        True,
    )


def test_rates_are_read_as_counts_and_say_so():
    query = read("bounce rate for welcome series")
    assert query.metrics == ("bounces",)
    assert "“bounce rate” read as Bounces, a count" in query.read_as


def test_words_not_used_are_listed():
    query = read("sent for welcome series lol thx")
    assert query.ignored == ("lol",)
    assert query.to_dict()["ignored"] == ["lol"]


def test_the_corpus_scores_what_it_reads():
    """The scorer can fail: a parser that reads every question as "help" scores low."""
    cases = [case for case in load() if case.half == "tuning"]
    bad = score("tuning", lambda text, previous: read("help"), cases)
    assert bad.share < 10
    assert normalized("reconcile | sent | - | default") == reading(read("sent"))
    assert isinstance(cases[0], Case)


def test_the_held_out_half_scores_at_least_97_percent():
    held_out = score("held_out", lambda text, previous: read(text, previous))
    assert held_out.share >= 97, [(c.question, got) for c, got in held_out.failures]


def test_the_tuning_half_scores_at_least_97_percent():
    tuning = score("tuning", lambda text, previous: read(text, previous))
    assert tuning.share >= 97, [(c.question, got) for c, got in tuning.failures]


# --- properties --------------------------------------------------------------------------

JOURNEY_WORDS = {stem(word) for name in JOURNEYS for word in words(name)}
# Made-up words: none of the question vocabulary Parity skips (STOP_WORDS) or reads as a
# channel ("notif" is short for "notification"), no metric (or near one), nowhere near a
# journey's words, not understood on their own.
made_up = st.text(string.ascii_lowercase, min_size=5, max_size=9).filter(
    lambda word: (
        word not in STOP_WORDS
        and ABBREVIATIONS.get(word, word) not in WEAK_WORDS
        and typo_of(word) is None
        and all(OSA.distance(stem(word), known) > 3 for known in JOURNEY_WORDS)
        and read(word).intent == "unknown"
        and read(f"sent {word}").metrics == ("sent",)
        and not read(f"sent {word}").unclear
    )
)


@given(st.text(max_size=300), st.one_of(st.none(), st.sampled_from(["dmy", "mdy"])))
def test_any_string_parses_without_raising(text: str, order: str | None):
    query = parse_question(text, today=TODAY, journeys=JOURNEYS, date_order=order)
    assert query.start <= query.end
    assert query.to_dict()["read_as"]


@given(
    name=st.lists(made_up, min_size=1, max_size=3).map(" ".join),
    template=st.sampled_from(
        [
            "sent for the {} journey last week",
            "why dont opens match for journey {}",
            "clicks for {} campaign",
            "welcome series and {} sends",
            'bounces for "{}" in october',
        ]
    ),
)
def test_an_unknown_journey_is_never_answered_with_confidence(name: str, template: str):
    assume(not any(word in {"stock", "alert", "offer", "promo"} for word in name.split()))
    query = read(template.format(name))
    assert query.intent == "unknown" or "journey" in {p.kind for p in query.unclear}


@given(
    word=made_up,
    template=st.sampled_from(
        [
            "sent since the {}",
            "opens during the {}",
            "clicks before the {} for welcome series",
            "delivered around mid {}",
            "bounces on {} 31st",
            "sent in the last few {}",
        ]
    ),
)
def test_a_date_phrase_not_understood_is_never_answered_with_confidence(word: str, template: str):
    query = read(template.format(word))
    kinds = {p.kind for p in query.unclear}
    assert query.intent == "unknown" or kinds & {"date", "journey"}, (template, word, query)
