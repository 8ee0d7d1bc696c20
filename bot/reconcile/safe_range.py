"""The safe date range: the days of a question whose numbers have stopped moving.

The documented rules are the floor: never today (nor the lag window), and for
retry-affected metrics never the retry window. Snapshot history can only make the range
shorter: when a source's values kept moving longer than the rules allow for, the range ends
before that age. With too little history the rules apply, and the reason says so.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.formatting import format_span
from bot.metrics import metric_facts
from bot.reconcile.causes import Rules
from bot.reconcile.result import SafeRange

TOO_LITTLE_HISTORY = "documented rules: too little snapshot history yet to learn when values settle"


def _days_back(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days back"


def _days_old(days: int) -> str:
    return "1 day old" if days == 1 else f"{days} days old"


def _settling(metric: str, rules: Rules) -> tuple[int, str]:
    """How many days old a day must be to have settled, and why."""
    if metric_facts(metric).retry_affected:
        settle_days = max(rules.retry_window_days, rules.lag_days)
        why = f"ends {_days_back(settle_days)}, after retries converge"
    else:
        settle_days = rules.lag_days
        why = f"ends {_days_back(settle_days)}: the latest days are still being processed"
    settling = rules.settling
    slowest = settling.slowest if settling else None
    if slowest is not None and slowest.settle_days > settle_days:
        settle_days = slowest.settle_days
        why = (
            f"ends {_days_back(settle_days)}: in past snapshots {slowest.name}'s values kept "
            f"moving until {_days_old(slowest.moving_until or 0)}"
        )
    return settle_days, why


def settle_days(metric: str, rules: Rules) -> int:
    """The age, in days, from which a day of `metric` has settled (alerts judge only those:
    a day younger than this, in either product's capture, may still move)."""
    return _settling(metric, rules)[0]


def safe_range(metric: str, start: date, end: date, rules: Rules) -> SafeRange:
    """The longest range from `start` whose days have all settled by the rules and history."""
    days, why = _settling(metric, rules)
    settling = rules.settling
    note = f"; {TOO_LITTLE_HISTORY}" if settling is not None and not settling.enough else ""
    last_settled = rules.today - timedelta(days=days)

    if start > last_settled:
        return SafeRange(
            None,
            None,
            f"every day asked about is still settling; compare days up to "
            f"{format_span(last_settled, last_settled)} instead{note}",
        )
    if end <= last_settled:
        return SafeRange(start, end, f"every day asked about has settled{note}")
    return SafeRange(start, last_settled, why + note)
