"""A journey asked about alone gets exactly its row of the all-journeys answer (same
causes, same amounts), and the all-journeys totals are the sums of the rows: retry
readings and rates pooled across journeys make this hold only by construction."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.query import Query
from bot.reconcile import CAUSES, reconcile

TODAY = date(2026, 11, 29)
NAMES = {1: "Welcome Series", 2: "Cart Abandon Reminder", 3: "Win-back Offer"}


@st.composite
def frames(draw):
    """Sent with its witness Delivered for two or three journeys: young days short of
    queued retries (AJO's Retries stored or not), CJA lagging today, drift and noise."""
    rows = []
    measured = draw(st.booleans())
    for journey in range(1, draw(st.integers(2, 3)) + 1):
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        level = draw(st.integers(20, 40_000))
        queued = draw(st.floats(0, 0.05))
        drift = draw(st.floats(-0.03, 0.03))
        for ago in range(40):
            sent = int(rng.poisson(level * rng.lognormal(0, 0.2)))
            pending = int(rng.binomial(sent, queued * max(0.0, 1 - ago / 4)))
            delivered = sent - pending - int(rng.binomial(sent - pending, 0.02))
            keep = (1 - drift) * (0.6 if ago == 0 else 1.0)
            day = pd.Timestamp(TODAY - timedelta(days=ago))
            for metric, ajo, cja in (
                ("sent", sent, rng.binomial(sent - pending, min(keep, 1.0))),
                ("delivered", delivered, rng.binomial(delivered, min(keep, 1.0))),
                *((("retries", pending, 0),) if measured else ()),
            ):
                rows.append((journey, day, metric, ajo, int(cja), int(metric != "retries")))
    frame = pd.DataFrame(
        rows, columns=["journey_key", "day", "metric", "ajo", "cja", "cja_rows"]
    ).assign(ajo_rows=1)
    return frame.astype({"day": "datetime64[us]"})


def _answer(frame, journeys=None, asked=()):
    query = Query("reconcile", TODAY - timedelta(days=29), TODAY, ("sent", "delivered"), asked)
    config = Settings(today_override=TODAY)
    results = reconcile(frame, query, NAMES, TODAY, config, None, None, journeys)
    return {r.metric: r for r in results}


@settings(max_examples=40, deadline=None)
@given(frame=frames())
def test_a_journey_alone_is_its_row_of_the_all_journeys_answer(frame):
    everyone = _answer(frame)
    for key in sorted(frame["journey_key"].unique()):
        alone = _answer(frame, journeys=[key], asked=(NAMES[key],))
        for metric, result in everyone.items():
            row = next(b for b in result.by_journey if b.label == NAMES[key])
            mine = alone[metric]
            assert (mine.ajo, mine.cja) == (row.ajo, row.cja)
            assert mine.causes == row.causes
            assert [(b.label, b.causes) for b in mine.by_journey] == [(row.label, row.causes)]
    for result in everyone.values():
        for cause in CAUSES:
            assert result.causes[cause] == sum(b.causes[cause] for b in result.by_journey)
        assert result.ajo == sum(b.ajo for b in result.by_journey)


def test_an_asked_journeys_evidence_names_only_what_it_saw():
    rng = np.random.default_rng(3)
    rows = []
    for journey, short in ((1, 0.0), (2, 0.2)):
        for ago in range(30):
            sent = int(rng.poisson(5000))
            day = pd.Timestamp(TODAY - timedelta(days=ago))
            rows.append((journey, day, "sent", sent, int(sent * (1 - short)), 1))
    frame = pd.DataFrame(
        rows, columns=["journey_key", "day", "metric", "ajo", "cja", "cja_rows"]
    ).assign(ajo_rows=1)
    frame = frame.astype({"day": "datetime64[us]"})
    alone = _answer(frame, journeys=[1], asked=(NAMES[1],))["sent"]
    assert alone.causes["unexplained"] == 0  # the other journey's filter is not this one's
    assert all(NAMES[2] not in d.journeys for d in alone.details)
