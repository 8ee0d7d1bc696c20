"""Journeys named in any script are understood in an English question."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answers.render import escape_mrkdwn
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


@pytest.mark.parametrize("name", ["_VIP_ winback", "_Q4_ sale", "*Flash* sale", "~Old~ onboarding"])
def test_a_name_pasted_back_from_a_reply_is_read_as_its_journey(name):
    shown = escape_mrkdwn(name)  # as a reply shows it: marks as look-alikes
    assert shown != name
    # A sibling sharing every other word, so the marked word must be read to tell them apart.
    sibling = "Standard " + name.split(" ", 1)[1]
    journeys = (*JOURNEYS, name, sibling)

    query = parse_question(f"why is sent off for {shown}", today=TODAY, journeys=journeys)

    assert query.journeys == (name,)
