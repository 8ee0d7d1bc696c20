"""Journeys named in any script are understood in an English question."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language import parse_question

TODAY = date(2026, 11, 29)
JOURNEYS = (
    "Приветствие",
    "Напоминание",
    "欢迎系列",
    "ยินดีต้อนรับ",
    "مرحبا",
    "ברוכים הבאים",
    "🚀 Launch",
    "🎉 Launch",
    "Welcome Series",
)


@pytest.mark.parametrize(
    ("question", "journey"),
    [
        ("sent for Приветствие", "Приветствие"),
        ("why don't sent numbers match for ПРИВЕТСТВИЕ last week", "Приветствие"),
        ("clicks Напоминание", "Напоминание"),
        ("sent for 欢迎系列", "欢迎系列"),
        ("bounces for ยินดีต้อนรับ yesterday", "ยินดีต้อนรับ"),
        ("sent for مرحبا", "مرحبا"),
        ("sent for ברוכים הבאים", "ברוכים הבאים"),
    ],
)
def test_a_name_in_another_script_is_read_as_its_journey(question, journey):
    query = parse_question(question, today=TODAY, journeys=JOURNEYS)
    assert query.intent == "reconcile"
    assert query.journeys == (journey,)


def test_names_told_apart_only_by_an_emoji_are_asked_back_not_guessed():
    query = parse_question("sent for 🎉 Launch", today=TODAY, journeys=JOURNEYS)
    assert query.journeys == ()
    (unclear,) = query.unclear
    assert {offer.label for offer in unclear.offers} >= {"🚀 Launch", "🎉 Launch"}


def test_a_question_in_another_language_is_still_not_read():
    query = parse_question("почему не совпадают цифры", today=TODAY, journeys=JOURNEYS)
    assert query.intent == "unknown"
