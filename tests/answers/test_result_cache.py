"""The result cache: one computation for concurrent identical questions, fresh after ingest."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.answers.result_cache import ResultCache
from bot.answers.service import Parity
from bot.config import Settings
from bot.store import Store
from tests.builders import frame
from tests.conftest import TODAY


def test_concurrent_misses_compute_once():
    cache = ResultCache()
    calls = []

    def slow():
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return 42

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: cache.get("k", slow), range(8)))
    assert results == [42] * 8
    assert len(calls) == 1


def test_an_error_is_raised_to_every_waiter_and_not_kept():
    cache = ResultCache()
    with pytest.raises(ValueError, match="boom"):
        cache.get("k", lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert cache.get("k", lambda: "fine") == "fine"


def test_least_recently_used_entries_go_first():
    cache = ResultCache(size=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a is fresh again
    cache.get("c", lambda: 3)  # evicts b
    assert cache.get("a", lambda: -1) == 1
    assert cache.get("b", lambda: -2) == -2


def test_answers_follow_new_snapshots(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}")
    app = Parity(store, Settings(today_override=TODAY))
    store.save(frame({"source": "ajo", "day": "2026-11-10", "value": 100}), "a.csv")
    first = app.ask("reconcile sent in november").metrics[0]
    again = app.ask("reconcile sent in november").metrics[0]
    assert again is first  # served from the cache
    store.save(frame({"source": "cja", "day": "2026-11-10", "value": 99}), "c.csv")
    fresh = app.ask("reconcile sent in november").metrics[0]
    assert (first.cja, fresh.cja) == (0, 99)
    store.close()


def test_settling_history_is_read_once_per_store_version(tmp_path, monkeypatch):
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}")
    app = Parity(store, Settings(today_override=TODAY))
    store.save(frame({"source": "ajo", "day": "2026-11-10", "value": 100}), "a.csv")
    reads = []
    original = store.settling_history
    monkeypatch.setattr(store, "settling_history", lambda *a: reads.append(a) or original(*a))
    app.ask("reconcile sent in november")
    app.ask("reconcile sent last week")
    assert len(reads) == 1
    store.save(frame({"source": "cja", "day": "2026-11-10", "value": 99}), "c.csv")
    app.ask("reconcile sent last week")
    assert len(reads) == 2
    store.close()
