"""Free text -> Query, checked on real phrasings with every expected field written out."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.language import parse_question
from bot.metrics import LABEL_TO_METRIC, METRICS
from bot.query import INTENTS, Query

TODAY = date(2026, 11, 29)  # a Sunday
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
)


def q(
    intent: str,
    metrics: tuple[str, ...],
    journeys: tuple[str, ...],
    start: str,
    end: str,
    unmatched: tuple[str, ...] = (),
) -> tuple:
    """The fields a case checks: intent, metrics, journeys, dates, unmatched journey words."""
    return (
        intent,
        metrics,
        journeys,
        date.fromisoformat(start),
        date.fromisoformat(end),
        unmatched,
    )


def key(query: Query) -> tuple:
    unmatched = tuple(p.words for p in query.unclear if p.kind == "journey")
    return (query.intent, query.metrics, query.journeys, query.start, query.end, unmatched)


def parse(text: str, today: date = TODAY) -> tuple:
    return key(parse_question(text, today=today, journeys=JOURNEYS))


CASES = [
    # intents
    ("why don't Sent numbers match?", q("reconcile", ("sent",), (), "2026-10-31", "2026-11-29")),
    (
        "reconcile welcome series last week",
        q("reconcile", (), ("Welcome Series",), "2026-11-16", "2026-11-22"),
    ),
    ("compare opens in october", q("reconcile", ("opens",), (), "2026-10-01", "2026-10-31")),
    ("what's the gap in clicks", q("reconcile", ("clicks",), (), "2026-10-31", "2026-11-29")),
    ("sent ajo vs cja", q("reconcile", ("sent",), (), "2026-10-31", "2026-11-29")),
    ("why is the dashboard broken", q("reconcile", (), (), "2026-10-31", "2026-11-29")),
    ("help me reconcile clicks", q("reconcile", ("clicks",), (), "2026-10-31", "2026-11-29")),
    ("which dates are safe for sent?", q("safe_range", ("sent",), (), "2026-10-31", "2026-11-29")),
    ("safe range for clicks", q("safe_range", ("clicks",), (), "2026-10-31", "2026-11-29")),
    ("what range can I report on", q("safe_range", (), (), "2026-10-31", "2026-11-29")),
    ("can I trust last week's numbers", q("safe_range", (), (), "2026-11-16", "2026-11-22")),
    ("is yesterday final?", q("safe_range", (), (), "2026-11-28", "2026-11-28")),
    ("digest", q("digest", (), (), "2026-10-31", "2026-11-29")),
    ("Weekly Digest", q("digest", (), (), "2026-10-31", "2026-11-29")),
    ("show me the digest", q("digest", (), (), "2026-10-31", "2026-11-29")),
    ("may I see the digest?", q("digest", (), (), "2026-10-31", "2026-11-29")),
    ("status", q("status", (), (), "2026-10-31", "2026-11-29")),
    ("how fresh is the data", q("status", (), (), "2026-10-31", "2026-11-29")),
    ("when was the last snapshot?", q("status", (), (), "2026-10-31", "2026-11-29")),
    ("when was the last import", q("status", (), (), "2026-10-31", "2026-11-29")),
    (
        "how fresh is the welcome series data",
        q("status", (), (), "2026-10-31", "2026-11-29"),  # status has no scope to narrow
    ),
    ("help", q("help", (), (), "2026-10-31", "2026-11-29")),
    ("what can you do", q("help", (), (), "2026-10-31", "2026-11-29")),
    ("what should I ask?", q("help", (), (), "2026-10-31", "2026-11-29")),
    ("?", q("help", (), (), "2026-10-31", "2026-11-29")),
    ("", q("unknown", (), (), "2026-10-31", "2026-11-29")),
    ("asdf", q("unknown", (), (), "2026-10-31", "2026-11-29")),
    ("what's for lunch", q("unknown", (), (), "2026-10-31", "2026-11-29")),
    # metrics: synonyms, product labels, several, order, duplicates
    (
        "Sent and Delivered for black friday",
        q("reconcile", ("sent", "delivered"), ("Black Friday Promo",), "2026-10-31", "2026-11-29"),
    ),
    (
        "unsubs, opt-outs and complaints",
        q("reconcile", ("unsubscribes", "spam_complaints"), (), "2026-10-31", "2026-11-29"),
    ),
    (
        "retry, errors, exclusions and impressions from 2026-11-01",
        q(
            "reconcile",
            ("retries", "errors", "excluded", "displays"),
            (),
            "2026-11-01",
            "2026-11-29",
        ),
    ),
    (
        "sends deliveries bounced for the reengagement campaign",
        q(
            "reconcile",
            ("sent", "delivered", "bounces"),
            ("Re-engagement Campaign",),
            "2026-10-31",
            "2026-11-29",
        ),
    ),
    (
        "Messages successfully sent for Welcome Series",
        q("reconcile", ("delivered",), ("Welcome Series",), "2026-10-31", "2026-11-29"),
    ),
    (
        "why is delivered lower in CJA than in AJO",
        q("reconcile", ("delivered",), (), "2026-10-31", "2026-11-29"),
    ),
    ("sent sent SENT sends", q("reconcile", ("sent",), (), "2026-10-31", "2026-11-29")),
    (
        "show me a chart of sent by journey",
        q("reconcile", ("sent",), (), "2026-10-31", "2026-11-29"),
    ),
    # journeys: typos, partial names, word order, several, explicit names that match nothing
    (
        "abandoned cart sent yesterday",
        q("reconcile", ("sent",), ("Cart Abandon Reminder",), "2026-11-28", "2026-11-28"),
    ),
    (
        "push onboarding opens last 7 days",
        q("reconcile", ("opens",), ("Onboarding Push Series",), "2026-11-23", "2026-11-29"),
    ),
    (
        "welcome seris bounces",
        q("reconcile", ("bounces",), ("Welcome Series",), "2026-10-31", "2026-11-29"),
    ),
    (
        "winback clicks since nov 1",
        q("reconcile", ("clicks",), ("Win-back Offer",), "2026-11-01", "2026-11-29"),
    ),
    (
        "welcome series and cart abandon",
        q(
            "reconcile",
            (),
            ("Welcome Series", "Cart Abandon Reminder"),
            "2026-10-31",
            "2026-11-29",
        ),
    ),
    (
        "Win-back Offer and Welcome Series sent",
        q("reconcile", ("sent",), ("Win-back Offer", "Welcome Series"), "2026-10-31", "2026-11-29"),
    ),
    (
        "compare the black friday promo with price drop",
        q(
            "reconcile",
            (),
            ("Black Friday Promo", "Price Drop Alert"),
            "2026-10-31",
            "2026-11-29",
        ),
    ),
    (
        "black firday vs onbaording push",
        q(
            "reconcile",
            (),
            ("Black Friday Promo", "Onboarding Push Series"),
            "2026-10-31",
            "2026-11-29",
        ),
    ),
    (
        "the welcme series numbers, welcome seris again",
        q("reconcile", (), ("Welcome Series",), "2026-10-31", "2026-11-29"),
    ),
    ("sent in the email series", q("reconcile", ("sent",), (), "2026-10-31", "2026-11-29")),
    (
        "click-throughs for journey Summer Sale",
        q("reconcile", ("clicks",), (), "2026-10-31", "2026-11-29", ("summer sale",)),
    ),
    # dates
    (
        "open rate and CTR for birthday email 2026-11-01 to 2026-11-15",
        q("reconcile", ("opens", "clicks"), ("Birthday Email",), "2026-11-01", "2026-11-15"),
    ),
    ("2026-11-03", q("reconcile", (), (), "2026-11-03", "2026-11-03")),
    ("2026-11-15 to 2026-11-01", q("reconcile", (), (), "2026-11-01", "2026-11-15")),
    (
        "price drop alerts sent numbers Nov 1 to Nov 15",
        q("reconcile", ("sent",), ("Price Drop Alert",), "2026-11-01", "2026-11-15"),
    ),
    (
        "order confirmaton texts delivered November 1 - 15",
        q("reconcile", ("delivered",), ("Order Confirmation SMS",), "2026-11-01", "2026-11-15"),
    ),
    (
        "Oct 28 until Nov 3 spam complaints",
        q("reconcile", ("spam_complaints",), (), "2026-10-28", "2026-11-03"),
    ),
    ("displays nov 1-15", q("reconcile", ("displays",), (), "2026-11-01", "2026-11-15")),
    ("1 Nov to 15 Nov excluded", q("reconcile", ("excluded",), (), "2026-11-01", "2026-11-15")),
    ("Nov 20 to Nov 3 clicks", q("reconcile", ("clicks",), (), "2026-11-03", "2026-11-20")),
    (
        "between oct 1 and oct 31 for order confirmation",
        q("reconcile", (), ("Order Confirmation SMS",), "2026-10-01", "2026-10-31"),
    ),
    ("Nov 1 2025 to Nov 15 2025", q("reconcile", (), (), "2025-11-01", "2025-11-15")),
    ("opens today", q("reconcile", ("opens",), (), "2026-11-29", "2026-11-29")),
    ("since october", q("reconcile", (), (), "2026-10-01", "2026-11-29")),
    ("the last seven days", q("reconcile", (), (), "2026-11-23", "2026-11-29")),
    ("past 10 days", q("reconcile", (), (), "2026-11-20", "2026-11-29")),
    (
        "last 2 weeks for price drop",
        q("reconcile", (), ("Price Drop Alert",), "2026-11-16", "2026-11-29"),
    ),
    ("clicks this week", q("reconcile", ("clicks",), (), "2026-11-23", "2026-11-29")),
    ("bounces this month", q("reconcile", ("bounces",), (), "2026-11-01", "2026-11-29")),
    ("last month's opens", q("reconcile", ("opens",), (), "2026-10-01", "2026-10-31")),
    (
        "december unsubscribes",
        q("reconcile", ("unsubscribes",), (), "2025-12-01", "2025-12-31"),
    ),
    ("sent in october 2025", q("reconcile", ("sent",), (), "2025-10-01", "2025-10-31")),
    ("opens in may", q("reconcile", ("opens",), (), "2026-05-01", "2026-05-31")),
    ("november", q("reconcile", (), (), "2026-11-01", "2026-11-29")),
    (
        "last 13 months of delivered",
        q("reconcile", ("delivered",), (), "2025-10-30", "2026-11-29"),
    ),
    ("past 3 months", q("reconcile", (), (), "2026-08-30", "2026-11-29")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text or "<empty>" for text, _ in CASES])
def test_real_questions(text: str, expected: tuple) -> None:
    assert parse(text) == expected


# Today in January: month-days and months without a year reach back into last year.
JANUARY = date(2027, 1, 5)  # a Tuesday
JANUARY_CASES = [
    ("sent Dec 20 to Jan 3", q("reconcile", ("sent",), (), "2026-12-20", "2027-01-03")),
    ("dec 20", q("reconcile", (), (), "2026-12-20", "2026-12-20")),
    ("in december", q("reconcile", (), (), "2026-12-01", "2026-12-31")),
    ("since dec 15", q("reconcile", (), (), "2026-12-15", "2027-01-05")),
    ("last month", q("reconcile", (), (), "2026-12-01", "2026-12-31")),
    ("last week", q("reconcile", (), (), "2026-12-28", "2027-01-03")),
    ("this month", q("reconcile", (), (), "2027-01-01", "2027-01-05")),
    ("why don't sent numbers match", q("reconcile", ("sent",), (), "2026-12-07", "2027-01-05")),
]


@pytest.mark.parametrize(("text", "expected"), JANUARY_CASES)
def test_year_boundary(text: str, expected: tuple) -> None:
    assert parse(text, today=JANUARY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "why don't the numbers match for the team",
        "why are sent numbers so much higher in AJO than CJA",
        "is the export pipeline running late again",
        "compare sent for all journeys by day",
        "show me the chart and the table",
        "why is the data off by a lot",
        "who broke the sync",
        "are retries counted in sent",
    ],
)
def test_generic_words_name_no_journey(text: str) -> None:
    assert parse(text)[2] == ()


@pytest.mark.parametrize(("label", "metric"), sorted(LABEL_TO_METRIC.items()))
def test_every_product_label_is_understood(label: str, metric: str) -> None:
    assert parse(f"compare {label} last week")[1] == (metric,)


def test_journey_names_come_back_exactly_as_stored() -> None:
    stored = ["WELCOME series (v2)", "cart-abandon"]
    query = parse_question("welcome v2 and cart abandon", today=TODAY, journeys=stored)
    assert query.journeys == ("WELCOME series (v2)", "cart-abandon")


def test_a_journey_named_like_a_month_is_a_journey() -> None:
    query = parse_question(
        "november newsletter opens", today=TODAY, journeys=["November Newsletter"]
    )
    assert key(query) == q(
        "reconcile", ("opens",), ("November Newsletter",), "2026-10-31", "2026-11-29"
    )


def test_no_stored_journeys() -> None:
    query = parse_question("sent for welcome series", today=TODAY, journeys=[])
    assert key(query) == q(
        "reconcile", ("sent",), (), "2026-10-31", "2026-11-29", ("welcome series",)
    )


@given(
    text=st.text(max_size=200),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    journeys=st.lists(st.text(max_size=30), max_size=5),
)
def test_any_text_parses(text: str, today: date, journeys: list[str]) -> None:
    query = parse_question(text, today=today, journeys=journeys)
    assert query.intent in INTENTS
    assert query.start <= query.end
    assert isinstance(query.metrics, tuple)
    assert isinstance(query.journeys, tuple)
    assert set(query.metrics) <= set(METRICS)
    assert set(query.journeys) <= set(journeys)
    assert len(set(query.metrics)) == len(query.metrics)
    assert len(set(query.journeys)) == len(query.journeys)


SALAD = (
    "sent opens nov 1 to 15 last 7 days week month since october 2026-11-01 - and welcome series "
    "winback for journey why safe digest status ? help 9999-12-31 0000-01-01 feb 30 dec 31 jan "
    "1 999999999999 past this may in"
)


@given(words=st.lists(st.sampled_from(SALAD.split(" ")), max_size=12))
def test_date_like_word_salad_parses(words: list[str]) -> None:
    intent, _, _, start, end, _ = parse(" ".join(words))
    assert start <= end
    assert intent in INTENTS
