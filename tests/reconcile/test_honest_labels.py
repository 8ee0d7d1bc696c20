"""Confidence labels that say what cannot be told apart: with a time-zone shift found in a
metric, what is left after it on settled days (data source) and on days beyond Adobe's
documented lag window (lag) may be the part of the shift a fit of daily numbers cannot
follow, so neither claims more than "low"; without a shift they keep their labels."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from bot.reconcile.datasource import DataSource
from bot.reconcile.detectors import Seen
from bot.reconcile.detectors.lag import ProcessingLag
from bot.reconcile.rules import Rules

TODAY = date(2026, 11, 29)
RULES = Rules(today=TODAY, lag_days=1, retry_window_days=7, tolerance_pct=2.0)
NAMES = {1: "Welcome Series"}


def _seen(shift: int) -> Seen:
    """Sent for one journey on three days: data source on the first, lag on the last two,
    and a time-zone shift of `shift` on the first."""
    cells = pd.DataFrame(
        {
            "journey_key": [1, 1, 1],
            "day": pd.to_datetime(["2026-11-20", "2026-11-28", "2026-11-29"]),
            "datasource": [30, 0, 0],
            "processing_lag": [0, 40, 900],
            "timezone": [shift, 0, 0],
        }
    )
    return Seen("sent", cells, RULES, NAMES, {})


def _lag(witnessed: bool) -> ProcessingLag:
    days = (date(2026, 11, 28),)
    return ProcessingLag(
        amount=np.array([0, 40, 900]),
        learned_days=(),
        witnessed_days=days if witnessed else (),
        witnessed_short_pct=1.2 if witnessed else 0.0,
    )


def test_data_source_is_medium_without_a_shift_and_low_with_one():
    found = [DataSource(amount=np.array([30, 0, 0]), confidence="medium", largest_pct=0.4)]
    assert DataSource.explain(found, _seen(0)).confidence == "medium"
    confidence, evidence, _ = DataSource.explain(found, _seen(250))
    assert confidence == "low"
    assert "time-zone shift found in Sent" in evidence
    assert "not told apart" in evidence


def test_lag_beyond_the_documented_window_is_low_with_a_shift():
    assert ProcessingLag.explain([_lag(witnessed=True)], _seen(0)).confidence == "medium"
    confidence, evidence, _ = ProcessingLag.explain([_lag(witnessed=True)], _seen(250))
    assert confidence == "low"
    assert "part of this may be the shift, not lag" in evidence


def test_lag_on_the_documented_window_alone_stays_high_with_a_shift():
    assert ProcessingLag.explain([_lag(witnessed=False)], _seen(250)).confidence == "high"
