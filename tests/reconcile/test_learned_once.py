"""What a history teaches is learned once per history frame (bot.reconcile.learned), and
a different frame is learned from afresh."""

from __future__ import annotations

from bot.config import load_settings
from bot.reconcile import rules_for
from bot.reconcile.learned import learned_from
from tests.reconcile.series import TODAY
from tests.reconcile.test_learning import settled_after

SETTINGS = load_settings()


def test_the_same_frame_is_learned_from_once():
    history = settled_after(3)
    learned = learned_from(history)
    assert learned_from(history) is learned
    calls = []
    for _ in range(2):
        learned.get(("settling", "sent"), lambda: calls.append(1) or len(calls))
    assert calls == [1]


def test_another_frame_teaches_its_own_settling():
    slow, fast = settled_after(5), settled_after(2)
    for history, days in ((slow, 5), (fast, 2), (slow, 5)):
        learned = learned_from(history)
        rules = rules_for("sent", SETTINGS, TODAY, learned.plain, learned=learned)
        assert rules.settling.days == days
        assert rules == rules_for("sent", SETTINGS, TODAY, learned.plain)
