"""The safe date range: the days of a question whose numbers have stopped moving."""

from __future__ import annotations

from datetime import date, timedelta

from bot.metrics import RETRY_AFFECTED
from bot.reconcile.causes import Rules
from bot.reconcile.result import SafeRange


def _days_back(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days back"


def safe_range(metric: str, start: date, end: date, rules: Rules) -> SafeRange:
    """Never today (nor the lag window); for retry-affected metrics never the retry window."""
    if metric in RETRY_AFFECTED:
        settle_days = max(rules.retry_window_days, rules.lag_days)
        why = f"ends {_days_back(settle_days)}, after retries converge"
    else:
        settle_days = rules.lag_days
        why = f"ends {_days_back(settle_days)}: the latest days are still being processed"
    last_settled = rules.today - timedelta(days=settle_days)

    if start > last_settled:
        return SafeRange(
            None,
            None,
            f"every day asked about is still settling; compare days up to "
            f"{last_settled.isoformat()} instead",
        )
    if end <= last_settled:
        return SafeRange(start, end, "every day asked about has settled")
    return SafeRange(start, last_settled, why)
