"""A settled day is final, not complete: the late records snapshot history shows still to
arrive at its age are processing lag, not the data sources' difference
(bot.reconcile.detectors.lag.late_records)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from bot.formatting import format_days
from bot.query import Query
from bot.reconcile import attributions, reconcile
from bot.reconcile.detectors.lag import _late_sentence
from tests.reconcile.series import NAMES, SETTINGS, TODAY, series

CHANNELS = {1: ("email",)}
# Share of a day's records CJA still receives after each age: the window is learned as 4
# days (0.8 % still moving at 3 days old), yet 0.3 % and 0.1 % still arrive at 4 and 5.
STILL = {0: 0.5, 1: 0.05, 2: 0.02, 3: 0.008, 4: 0.003, 5: 0.001}
DAYS = 32
LEVEL = 40_000
# CJA's data source counts this share fewer on every day, late records aside.
SOURCE_SHORT = 0.004


def _history(still=STILL) -> pd.DataFrame:
    """Delivered's CJA values seen at each age and how far they moved afterwards."""
    rows = []
    for age in range(21):
        seen = int(100_000 * (1 - still.get(age, 0.0)))
        change = 100_000 - seen
        rows.append(("cja", "delivered", age, 40, seen, change, change, "email"))
        rows.append(("ajo", "delivered", age, 40, 100_000, 0, 0, "email"))
    columns = ["source", "metric", "age_days", "series", "volume", "change", "abs_change"]
    return pd.DataFrame(rows, columns=[*columns, "channel"])


def _frame(still=STILL, cja_share: float = 1.0) -> pd.DataFrame:
    ages = np.arange(DAYS)[::-1]
    ajo = np.full(DAYS, LEVEL)
    arrived = np.array([1 - still.get(int(age), 0.0) for age in ages])
    cja = np.rint(ajo * (1 - SOURCE_SHORT) * arrived * cja_share).astype(np.int64)
    return series(ajo, cja, metric="delivered")


def _cells(frame: pd.DataFrame, history: pd.DataFrame, end_ago: int = 0) -> pd.DataFrame:
    query = Query(
        "reconcile",
        TODAY - timedelta(days=DAYS - 2),
        TODAY - timedelta(days=end_ago),
        ("delivered",),
    )
    done = attributions(frame, query, TODAY, SETTINGS, history, None, CHANNELS)
    cells = done["delivered"][1].cells.copy()
    cells["age"] = (pd.Timestamp(TODAY) - cells["day"]).dt.days
    return cells.set_index("age")


def test_a_settled_days_late_records_are_lag_not_the_data_sources_difference():
    cells = _cells(_frame(), _history())
    for age in (4, 5):
        # What history says is still to come: CJA's count times share / (1 - share).
        still = STILL[age]
        expected = round(cells.loc[age, "cja"] * still / (1 - still))
        assert cells.loc[age, "processing_lag"] == expected
        assert cells.loc[age, "datasource"] == pytest.approx(SOURCE_SHORT * LEVEL, abs=2)
    # Older days have nothing left to come: their difference is the data sources' alone.
    assert (cells.loc[cells.index >= 6, "processing_lag"] == 0).all()
    # The journey's usual difference carried to the young days is the data sources' own,
    # not swollen by the settled days' tails.
    young = cells.loc[1]
    assert young["datasource"] == pytest.approx(SOURCE_SHORT * young["ajo"], abs=2)


def test_without_late_records_in_history_settled_days_hold_no_lag():
    settled_by_four = {0: 0.5, 1: 0.05, 2: 0.02, 3: 0.008}
    cells = _cells(_frame(settled_by_four), _history(settled_by_four))
    assert (cells.loc[cells.index >= 4, "processing_lag"] == 0).all()


def test_a_dataset_cja_has_none_of_gets_no_late_records():
    # Nothing of it arrived, so nothing of it is still to come: the gap is missing data.
    cells = _cells(_frame(cja_share=0.0), _history())
    assert (cells.loc[cells.index >= 4, "processing_lag"] == 0).all()
    assert (cells.loc[cells.index >= 4, "missing_data"] > 0).all()


def test_lag_on_settled_days_alone_says_it_is_inferred_and_is_not_high():
    query = Query(
        "reconcile", TODAY - timedelta(days=DAYS - 2), TODAY - timedelta(days=4), ("delivered",)
    )
    (result,) = reconcile(_frame(), query, NAMES, TODAY, SETTINGS, _history(), channels=CHANNELS)
    (lag,) = [d for d in result.details if d.cause == "processing_lag"]
    assert lag.confidence == "medium"
    assert "inferred from past snapshots" in lag.evidence
    assert "0.30 %" in lag.evidence
    assert "still being processed" not in lag.evidence


def test_no_day_reads_as_both_still_being_processed_and_settled():
    # Email journeys still wait for Dec 4-6 while push journeys have settled them: the late
    # records of those days are said to be on the journeys where they have settled.
    day = TODAY - timedelta(days=3)
    late = [
        SimpleNamespace(late_days=tuple(day + timedelta(days=n) for n in range(6)), late_pct=0.09)
    ]
    young = [day + timedelta(days=n) for n in range(3, 7)]
    sentence = _late_sentence(late, young)
    settled, some = late[0].late_days[:3], late[0].late_days[3:]
    assert (
        f"of {format_days(settled)}, and of {format_days(some)} on the journeys where" in sentence
    )
    assert "have settled, but" not in sentence
    assert _late_sentence(late, late[0].late_days).startswith(
        f"; CJA may still get late records of {format_days(late[0].late_days)} on the journeys"
    )
    assert _late_sentence(late).startswith(f"; {format_days(late[0].late_days)} have settled")
