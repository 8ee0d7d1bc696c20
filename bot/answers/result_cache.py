"""A small shared cache of computed results, where concurrent misses wait for one computation."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

from bot.ops import telemetry


class ResultCache:
    """Least recently used, at most `size` entries; an exception is not cached."""

    def __init__(self, size: int = 32, name: str = "results") -> None:
        self.size = size
        self.name = name  # its label in parity_result_cache_total
        self._entries: OrderedDict[Hashable, Future] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            future = self._entries.get(key)
            owner = future is None
            if owner:
                future = self._entries[key] = Future()
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        telemetry.CACHE.labels(self.name, "miss" if owner else "hit").inc()
        if owner:
            try:
                future.set_result(compute())
            except BaseException as error:
                future.set_exception(error)
                with self._lock:
                    if self._entries.get(key) is future:
                        del self._entries[key]
        return future.result()
