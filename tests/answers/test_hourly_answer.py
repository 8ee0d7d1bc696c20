"""An answer on a store holding a Query Service pull's hourly counts: the time-zone shift
is computed from the hours and the evidence says so, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.answers.service import Parity
from bot.store.hourly import PulledHours
from tests.builders import frame
from tests.conftest import TODAY

FIRST = TODAY - timedelta(days=44)
DAYS = 40


def _events() -> np.ndarray:
    """Events per UTC hour: a batch in the afternoon, and night hours (the ones that move)
    whose volume wanders from day to day (no steady share)."""
    rng = np.random.default_rng(7)
    rate = np.zeros(DAYS * 24)
    for day in range(DAYS):
        rate[day * 24 + 15 : day * 24 + 17] = 300 * (0.5 if day % 7 >= 5 else 1.0)
        rate[day * 24 : day * 24 + 8] = rng.uniform(5, 40)
    return rng.poisson(rate)


def _days(counts: np.ndarray, zone: str) -> list[int]:
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    local = [((start + timedelta(hours=h)).astimezone(ZoneInfo(zone)).date() - FIRST).days
             for h in range(len(counts))]  # fmt: skip
    return np.bincount(np.clip(local, 0, DAYS - 1), weights=counts, minlength=DAYS).tolist()


def test_the_shift_is_computed_from_a_pulls_hours(store, settings):
    counts = _events()
    ajo, cja = _days(counts, "UTC"), _days(counts, "America/Los_Angeles")
    day = [(FIRST + timedelta(days=i)).isoformat() for i in range(DAYS)]
    pulled = "2026-11-28T06:00:00Z"
    hours = pd.DataFrame(
        {
            "journey": "Welcome Series", "journey_id": "", "channel": "email", "metric": "sent",
            "utc_hour": pd.Timestamp(FIRST) + pd.to_timedelta(np.arange(DAYS * 24), unit="h"),
            "value": counts,
        }
    )  # fmt: skip
    store.save(
        frame(*({"source": "ajo", "day": d, "value": int(v), "action": "",
                 "captured_at": pulled} for d, v in zip(day, ajo, strict=True))),
        "AEP Query Service (AJO datasets)",
        timezone="UTC",
        hours=PulledHours(hours, datetime(2026, 10, 16), datetime(2026, 11, 25)),
    )  # fmt: skip
    store.save(
        frame(*({"source": "cja", "day": d, "value": int(v), "action": "",
                 "captured_at": pulled} for d, v in zip(day, cja, strict=True))),
        "CJA Reporting API",
        timezone="America/Los_Angeles",
    )  # fmt: skip

    answer = Parity(store, settings).ask(f"sent from {day[1]} to {day[-2]}", today=TODAY)

    sent = answer.to_dict()["metrics"][0]
    assert sent["causes"]["timezone"] == sent["delta"] != 0
    assert all(row["causes"] == {"timezone": row["delta"]} for row in sent["by_day"]
               if row["delta"])  # fmt: skip
    (detail,) = [d for d in sent["causes_detail"] if d["cause"] == "timezone"]
    assert "computed from AJO's hourly counts (Query Service pull on Nov 28)" in detail["evidence"]
    assert detail["confidence"] == "high"
