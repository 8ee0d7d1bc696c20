"""Date phrases -> days, on a fixed Thursday, with every expected range written out."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language import parse_question

TODAY = date(2026, 11, 26)  # a Thursday
JOURNEYS = ("Welcome Series", "Black Friday Promo")


def read(text: str, order: str | None = None, today: date = TODAY):
    return parse_question(text, today=today, journeys=JOURNEYS, date_order=order)


def span(text: str, order: str | None = None) -> str:
    query = read(text, order)
    assert not query.unclear, (text, query.unclear)
    written = f"{query.start}..{query.end}"
    return written + (f" vs {query.compare[0]}..{query.compare[1]}" if query.compare else "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sent in q3", "2026-07-01..2026-09-30"),
        ("sent q2 2025", "2025-04-01..2025-06-30"),
        ("sent 2025 q2", "2025-04-01..2025-06-30"),
        ("sent last quarter", "2026-07-01..2026-09-30"),
        ("sent this quarter", "2026-10-01..2026-11-26"),
        ("sent q4 to date", "2026-10-01..2026-11-26"),
        ("sent in 2025", "2025-01-01..2025-12-31"),
        ("sent this year", "2026-01-01..2026-11-26"),
        ("sent ytd", "2026-01-01..2026-11-26"),
        ("sent last fortnight", "2026-11-13..2026-11-26"),
        ("delivered numbers off?? last wk", "2026-11-16..2026-11-22"),
        ("sent past 2 wks", "2026-11-13..2026-11-26"),
        ("sent prev qtr", "2026-07-01..2026-09-30"),
        ("sent last 3 mths", "2026-08-27..2026-11-26"),
        ("clicks this mo", "2026-11-01..2026-11-26"),
        ("sent yday", "2026-11-25..2026-11-25"),
        ("sent since monday", "2026-11-23..2026-11-26"),
        ("sent last friday", "2026-11-20..2026-11-20"),
        ("sent on thursday", "2026-11-26..2026-11-26"),
        ("sent last thursday", "2026-11-19..2026-11-19"),
        ("sent last weekend", "2026-11-21..2026-11-22"),
        ("sent between the 3rd and the 10th", "2026-11-03..2026-11-10"),
        ("sent since the 28th", "2026-10-28..2026-11-26"),
        ("sent the week of nov 11", "2026-11-09..2026-11-15"),
        ("sent the first week of november", "2026-11-01..2026-11-07"),
        ("sent the last week of february", "2026-02-22..2026-02-28"),
        ("sent 1 nov", "2026-11-01..2026-11-01"),
        ("sent nov 1st", "2026-11-01..2026-11-01"),
        ("sent November 1, 2025", "2025-11-01..2025-11-01"),
        ("sent 11/20/2026", "2026-11-20..2026-11-20"),
        ("sent 20.11.2026", "2026-11-20..2026-11-20"),
        ("sent 2026/11/20", "2026-11-20..2026-11-20"),
        ("sent 20-11-2026", "2026-11-20..2026-11-20"),
        ("sent 11/20/26", "2026-11-20..2026-11-20"),
        ("sent 2026-11-01..2026-11-15", "2026-11-01..2026-11-15"),
        ("sent 3 days ago", "2026-11-23..2026-11-23"),
        ("sent the day before yesterday", "2026-11-24..2026-11-24"),
        ("sent until nov 25", "2026-10-27..2026-11-25"),
        ("sent since the start of the quarter", "2026-10-01..2026-11-26"),
        ("sent this week vs last week", "2026-11-23..2026-11-26 vs 2026-11-16..2026-11-22"),
        ("sent yesterday vs the day before", "2026-11-25..2026-11-25 vs 2026-11-24..2026-11-24"),
        ("sent nov vs oct", "2026-11-01..2026-11-26 vs 2026-10-01..2026-10-31"),
        (
            "compare sent in october and september",
            "2026-10-01..2026-10-31 vs 2026-09-01..2026-09-30",
        ),
        ("sent in october and november", "2026-10-01..2026-11-26"),
    ],
)
def test_date_forms(text: str, expected: str) -> None:
    assert span(text) == expected


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("sent 03/04/2026", "dmy", "2026-04-03..2026-04-03"),
        ("sent 03/04/2026", "mdy", "2026-03-04..2026-03-04"),
        ("sent 04/04/2026", None, "2026-04-04..2026-04-04"),  # both readings agree
        ("sent 1/11 to 15/11", None, "2026-11-01..2026-11-15"),  # 15/11 settles the order
    ],
)
def test_numeric_dates_follow_the_configured_order(text, order, expected) -> None:
    assert span(text, order) == expected


def test_an_ambiguous_numeric_date_is_asked_back_with_both_readings() -> None:
    (problem,) = read("sent 03/04/2026").unclear
    assert problem.kind == "date_order"
    assert [offer.query.start for offer in problem.offers] == [date(2026, 4, 3), date(2026, 3, 4)]


@pytest.mark.parametrize(
    "text", ["sent next week", "sent tomorrow", "sent nov 20 to dec 10", "sent in 2027"]
)
def test_the_future_is_refused_not_clipped(text: str) -> None:
    query = read(text)
    assert [problem.kind for problem in query.unclear] == ["future"]


def test_a_range_reaching_past_today_offers_the_days_so_far() -> None:
    (problem,) = read("sent nov 20 to dec 10").unclear
    assert [offer.label for offer in problem.offers] == ["Use Nov 20 – Nov 26, 2026"]
    assert (problem.offers[0].query.start, problem.offers[0].query.end) == (
        date(2026, 11, 20),
        TODAY,
    )


@pytest.mark.parametrize(
    "text",
    [
        "sent since the launch",
        "sent in mid november",
        "sent in the last few days",
        "sent on feb 30",
        "sent over the holidays",
        "sent in h2",
        "sent 2 weeks ago",
        "sent since 0000-01-01",
        "sent until 0001-01-05",
        "sent since may 0000",
        "sent since the start of may 0000",
    ],
)
def test_a_date_phrase_not_understood_is_asked_back_not_defaulted(text: str) -> None:
    query = read(text)
    assert "date" in {problem.kind for problem in query.unclear}, text


def test_no_date_words_is_the_default_range_and_says_so() -> None:
    query = read("sent for welcome series")
    assert (query.start, query.end, query.default_dates) == (date(2026, 10, 28), TODAY, True)
    assert query.read_as == (
        "Sent · Welcome Series · Oct 28 – Nov 26, 2026 (no dates asked: the last 30 days)"
    )


def test_calendar_shorthand_inside_a_journey_name_stays_part_of_the_name() -> None:
    query = parse_question("sent for wk 48 promo", today=TODAY, journeys=(*JOURNEYS, "WK 48 Promo"))
    assert query.journeys == ("WK 48 Promo",)
    assert query.default_dates


@pytest.mark.parametrize(
    ("text", "phrase"),
    [("sent 2 weeks", "2 weeks"), ("opens last 2 weeks vs the 2 before", "2 before")],
)
def test_a_count_of_days_or_weeks_no_rule_read_is_asked_back(text: str, phrase: str) -> None:
    query = read(text)
    assert query.unclear, text
    assert any(phrase in str(problem) for problem in query.unclear), query.unclear


def test_a_unit_without_a_count_is_not_a_date_phrase() -> None:
    assert not read("sent by week").unclear
