"""Where history taught no window, yesterday may still get records: CJA ingests an event
that reaches it after the end of its day as low-priority backfill, so the safe range ends
two days back, not yesterday, and stays not sure."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.reconcile import rules_for
from bot.reconcile.safe_range import safe_range
from bot.reconcile.settling import Settling, SourceSettling
from tests.reconcile.series import SETTINGS, TODAY

START = TODAY - timedelta(days=29)


def test_a_documented_window_leaves_yesterday_out():
    rules = rules_for("opens", SETTINGS, TODAY, None, None, {1: ("email",)})
    result = safe_range("opens", START, TODAY, rules, [1])
    assert result.end == TODAY - timedelta(days=2)
    assert "yesterday may still get records too" in result.reason


def test_sms_sent_without_history_leaves_yesterday_out_too():
    rules = rules_for("sent", SETTINGS, TODAY, None, None, {1: ("sms",)})
    assert safe_range("sent", START, TODAY, rules, [1]).end == TODAY - timedelta(days=2)


def test_a_learned_window_of_one_day_keeps_yesterday():
    # History saw every age and nothing moving after today: the learned window decides.
    learned = Settling(
        "opens",
        (SourceSettling("ajo", 100, None, 10), SourceSettling("cja", 100, 0, 10)),
        consulted=True,
    )
    rules = rules_for("opens", SETTINGS, TODAY, None, None, {1: ("email",)})
    rules = replace(rules, settling=learned, safe_settling=learned)
    assert safe_range("opens", START, TODAY, rules, [1]).end == TODAY - timedelta(days=1)
