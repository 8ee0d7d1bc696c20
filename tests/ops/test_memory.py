"""Freed memory handed back after every answer (bot.ops.memory): called by Parity.answer,
answered or failed, and nothing where the C library has no malloc_trim."""

from __future__ import annotations

import sys

import pytest

from bot.answers.service import Parity
from bot.ops import memory
from tests.conftest import TODAY


@pytest.fixture
def trims(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(memory, "MALLOC_TRIM", lambda pad: calls.append(pad) or 1)
    return calls


def test_an_answer_hands_freed_memory_back(store, settings, trims):
    app = Parity(store, settings)
    answer = app.ask("help", today=TODAY)
    assert answer.intent == "help"
    assert trims == [0]
    app.ask("why don't sent numbers match?", today=TODAY)  # nothing stored: a refusal
    assert trims == [0, 0]


def test_a_failed_answer_hands_memory_back_too(store, settings, trims, monkeypatch):
    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(Parity, "reconcile", broken)
    answer = Parity(store, settings).ask("why don't sent numbers match?", today=TODAY)
    assert answer.error_id
    assert trims == [0]


def test_without_malloc_trim_giving_back_does_nothing(monkeypatch):
    monkeypatch.setattr(memory, "MALLOC_TRIM", None)
    assert memory.give_back() is False


def test_the_c_library_trim_is_looked_for_only_on_linux(monkeypatch):
    found = memory._malloc_trim()
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory._malloc_trim() is None
    monkeypatch.undo()
    if sys.platform.startswith("linux"):  # glibc here; musl would have none
        assert found is not None
        assert memory.give_back() in (True, False)
