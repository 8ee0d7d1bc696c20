"""Labelled questions for scoring intent recognition (bot.language.parse_question).

Written as people ask in a channel, and kept apart from tests/language/test_parse.py on purpose:
the parser's keywords were tuned on those, so scoring it on them would flatter it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.language import parse_question

JOURNEYS = (
    "Welcome Series",
    "Cart Abandon Reminder",
    "Onboarding Push",
    "Win-back Offer",
    "Black Friday Promo",
    "Order Confirmation SMS",
    "Birthday Email",
    "Price Drop Alert",
)

QUESTIONS: tuple[tuple[str, str], ...] = (
    # reconcile
    ("Why is CJA showing fewer sends than AJO for the welcome series?", "reconcile"),
    ("AJO and CJA disagree on opens again, what's going on", "reconcile"),
    ("explain the difference in clicks for black friday", "reconcile"),
    ("how come delivered is off by 3% this week", "reconcile"),
    ("bounces don't line up between the two tools", "reconcile"),
    ("can you reconcile unsubscribes for october", "reconcile"),
    ("compare sends for cart abandon last 14 days", "reconcile"),
    ("numbers for birthday email look wrong in CJA", "reconcile"),
    ("what explains the gap in exclusions?", "reconcile"),
    ("cja vs ajo opens price drop alert", "reconcile"),
    ("why do the two reports not match for the onboarding push", "reconcile"),
    ("Sent in AJO 120k, CJA 117k. Why?", "reconcile"),
    ("diff between AJO and CJA for spam complaints since Nov 1", "reconcile"),
    ("is the discrepancy in deliveries real?", "reconcile"),
    ("break down the delta on clicks by journey", "reconcile"),
    ("win-back offer sends", "reconcile"),
    ("opens yesterday", "reconcile"),
    ("why are CJA numbers lower", "reconcile"),
    ("check errors for order confirmation sms", "reconcile"),
    ("reconciliation for last month please", "reconcile"),
    # safe range
    ("which days can I safely compare?", "safe_range"),
    ("what date range is safe to report sends on", "safe_range"),
    ("are last week's opens final yet", "safe_range"),
    ("up to which day are the numbers settled?", "safe_range"),
    ("can I trust yesterday's clicks", "safe_range"),
    ("is it safe to use November numbers in the deck", "safe_range"),
    ("when will today's data be final", "safe_range"),
    ("how reliable are the last 7 days for welcome series", "safe_range"),
    ("what range should I use for the monthly report", "safe_range"),
    ("safe window for delivered", "safe_range"),
    # digest
    ("send me the weekly digest", "digest"),
    ("what's in this week's recap?", "digest"),
    ("weekly summary please", "digest"),
    ("post the digest here", "digest"),
    ("show last week's weekly report", "digest"),
    # status
    ("when did we last import CJA data?", "status"),
    ("is the data up to date", "status"),
    ("how old are the snapshots", "status"),
    ("what's the status of the AJO export", "status"),
    ("has the latest CJA file been ingested", "status"),
    ("when was the last refresh", "status"),
    ("are the numbers stale?", "status"),
    ("last upload from AJO?", "status"),
    # help
    ("need help", "help"),
    ("what can I ask you?", "help"),
    ("how do I use this bot", "help"),
    ("show me some example questions", "help"),
    ("which commands are there", "help"),
    ("hi, what do you do?", "help"),
    # A greeting is answered with what Parity can do, as the question corpus labels it
    # (tests/language/corpus.txt); this list said "unknown" and the two disagreed.
    ("good morning", "help"),
    # unknown
    ("who won the game last night", "unknown"),
    ("thanks!", "unknown"),
    ("lol", "unknown"),
    ("order pizza for the team", "unknown"),
)


@dataclass(frozen=True)
class IntentScore:
    total: int
    correct: int
    misses: tuple[tuple[str, str, str], ...]  # (question, expected, parsed)

    @property
    def share(self) -> float:
        return 100 * self.correct / self.total if self.total else 0.0


def score_intents(today: date) -> IntentScore:
    """Parse every labelled question and count the intents read correctly."""
    misses = []
    for question, expected in QUESTIONS:
        parsed = parse_question(question, today=today, journeys=JOURNEYS).intent
        if parsed != expected:
            misses.append((question, expected, parsed))
    return IntentScore(len(QUESTIONS), len(QUESTIONS) - len(misses), tuple(misses))
