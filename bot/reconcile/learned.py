"""What a settling history teaches, learned once per history frame.

The answer service hands every question of a store version the same history frame (read
once per version); each question learned settling (per metric and per channel) and the
records still to arrive from it again: about 10 ms of every answer, whatever it asked
about. The last frame handed in is kept with what was learned from it, and used while the
same frame comes back (by identity: a history frame is never changed in place). What is
kept is frozen (Settling, Arrival) or a dict nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd

T = TypeVar("T")


class Learned:
    """One history frame, its text columns as Python strings (`plain`), and what was
    learned from it, per key."""

    def __init__(self, history: pd.DataFrame | None) -> None:
        self.history = history
        self.plain = plain_text(history)
        self._found: dict[tuple, object] = {}

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        """`compute()`, once per key: the key names everything it reads but the history."""
        try:
            return self._found[key]  # type: ignore[return-value]
        except KeyError:
            value = self._found[key] = compute()
            return value


_last: list[Learned] = []


def learned_from(history: pd.DataFrame | None) -> Learned:
    """What `history` teaches: the one learned before when it is the same frame."""
    if _last and _last[0].history is history:
        return _last[0]
    found = Learned(history)
    _last[:] = [found]
    return found


def plain_text(history: pd.DataFrame | None) -> pd.DataFrame | None:
    """`history` with its text columns (source, metric, channel) as Python strings:
    learning reads them as arrays per metric, channel and source, dozens of times per
    question, and a column of pandas' string type is converted again at every read."""
    if history is None:
        return None
    text = [
        c for c in ("source", "metric", "channel") if c in history and history[c].dtype != object
    ]
    return history.astype(dict.fromkeys(text, object)) if text else history
