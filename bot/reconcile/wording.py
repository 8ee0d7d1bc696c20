"""Small pieces of the evidence sentences every cause's finding writes."""

from __future__ import annotations

from collections.abc import Sequence


def format_names(names: Sequence[str], limit: int = 3) -> str:
    """ "A, B, C and 2 more": a list of journeys that stays readable."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def join_and(names: Sequence[str]) -> str:
    """ "A, B and C"."""
    return " and ".join(filter(None, (", ".join(names[:-1]), *names[-1:])))
