"""The answer reads when CJA's latest numbers were captured from the store: a capture taken
just after midnight sees yesterday still arriving for a journey that sent late, on SQLite
and PostgreSQL (bot.reconcile.rules: `yesterday_fresh`)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from bot.answers.service import Parity
from tests.builders import frame
from tests.conftest import TODAY
from tests.reconcile.series import volumes

JOURNEYS = ("Welcome Series", "Cart Abandon Reminder", "Win-back Offer")
DAYS = 30


def _save(store, source: str, values: dict[str, np.ndarray], captured_at: str) -> None:
    rows = []
    for journey, series in values.items():
        for back, value in enumerate(series[::-1]):
            day = (TODAY - timedelta(days=back)).isoformat()
            rows.append({"source": source, "journey": journey, "metric": "delivered",
                         "day": day, "value": int(value), "captured_at": captured_at})  # fmt: skip
    store.save(frame(*rows), f"{source} export")


def _yesterday(store, settings, cja_captured_at: str) -> dict:
    """Three journeys' Delivered; CJA has 97 % of yesterday for two and 60 % for the first,
    which sent in the evening; today is half there for all."""
    ajo, cja = {}, {}
    for number, (journey, level) in enumerate(zip(JOURNEYS, (8_000, 6_000, 5_000), strict=True)):
        ajo[journey] = volumes(seed=91 + number, days=DAYS, level=level, spread=0.1)
        processed = np.ones(DAYS)
        processed[-1] = 0.5
        processed[-2] = 0.6 if number == 0 else 0.97
        cja[journey] = np.rint(ajo[journey] * processed).astype(np.int64)
    _save(store, "ajo", ajo, f"{TODAY.isoformat()}T01:00:00Z")
    _save(store, "cja", cja, cja_captured_at)
    answer = Parity(store, settings).ask("delivered for the last 30 days by day", today=TODAY)
    (delivered,) = answer.to_dict()["metrics"]
    (row,) = [r for r in delivered["by_day"] if r["day"] == str(TODAY - timedelta(days=1))]
    return row


def test_just_after_midnight_yesterdays_late_sender_is_lag(store, settings):
    row = _yesterday(store, settings, f"{TODAY.isoformat()}T02:00:00Z")
    assert row["causes"].get("processing_lag") == row["delta"] > 0


def test_a_capture_late_in_the_day_judges_yesterday_against_the_other_journeys(store, settings):
    row = _yesterday(store, settings, f"{TODAY.isoformat()}T20:00:00Z")
    assert row["causes"].get("unexplained", 0) > 0.5 * row["delta"]
