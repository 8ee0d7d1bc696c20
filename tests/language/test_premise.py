"""Which product a question takes to be higher: read from plain comparatives only."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language import parse_question
from bot.language.premise import AJO_HIGHER, CJA_HIGHER

TODAY = date(2026, 11, 26)


def premise(text: str) -> str | None:
    return parse_question(text, today=TODAY, journeys=("Welcome Series",)).premise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("why are opens higher in cja", CJA_HIGHER),
        ("why is CJA lower than AJO for opens in november", AJO_HIGHER),
        ("AJO's sent is higher than CJA's", AJO_HIGHER),
        ("cja shows more clicks for welcome series", CJA_HIGHER),
        ("fewer opens in ajo last week??", CJA_HIGHER),
        ("why is customer journey analytics showing 5% fewer delivered", AJO_HIGHER),
        ("more sends from journey optimizer than analytics", AJO_HIGHER),
    ],
)
def test_a_plain_comparative_beside_a_product_is_the_premise(text, expected) -> None:
    assert premise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "why don't sent numbers match?",
        "compare ajo and cja opens",
        "sent over the last week in cja",  # "over" is about dates as often as not
        "tell me more about cja",
        "more detail on ajo please",
        "cja higher or ajo higher?",  # both ways: no premise
        "is cja missing data",
    ],
)
def test_no_premise_without_a_plain_comparative(text) -> None:
    assert premise(text) is None
