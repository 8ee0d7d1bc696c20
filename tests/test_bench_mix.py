"""The web-worker benchmark's questions: a fixed mix Parity must understand, or its memory
figure would measure asking back instead of answering."""

from __future__ import annotations

from datetime import date

from bench.worker import questions
from bot.language import parse_question

TODAY = date(2026, 11, 29)


def test_the_mix_is_the_same_for_a_seed_and_varied():
    asked = questions(300, journeys=50)
    assert asked == questions(300, journeys=50)
    assert asked != questions(300, journeys=50, seed=8)
    assert len(set(asked)) > 200


def test_every_question_of_the_mix_is_understood():
    journeys = [f"Journey {n}" for n in range(50)]
    for text in questions(300, journeys=50):
        query = parse_question(text, today=TODAY, journeys=journeys)
        assert not query.unclear, text
        assert query.intent != "unknown", text
