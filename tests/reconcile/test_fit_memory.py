"""What the time-zone fit holds of each metric: its Part only, not the metric's cells."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.query import Query
from bot.reconcile import reconcile, rules_for
from bot.reconcile.causes import prepare
from bot.reconcile.detectors import with_neighbours

TODAY = date(2026, 11, 29)
SETTINGS = Settings(today_override=TODAY)


def frame(metrics=("sent", "opens", "clicks"), journeys=3, days=40) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = [
        {
            "journey_key": key,
            "day": pd.Timestamp(TODAY - timedelta(days=ago)),
            "metric": metric,
            "ajo": int(ajo),
            "cja": int(ajo * rng.uniform(0.97, 1.0)),
            "ajo_rows": 1,
            "cja_rows": 1,
        }
        for metric in metrics
        for key in range(1, journeys + 1)
        for ago in range(days)
        for ajo in [rng.poisson(1000)]
    ]
    return pd.DataFrame(rows).astype({"day": "datetime64[us]"})


def test_a_part_keeps_none_of_its_metrics_cells():
    cells = with_neighbours(frame(("opens",)))
    ready = prepare(cells, "opens", rules_for("opens", SETTINGS, TODAY))
    view = ready.zone.view
    for column in ("journey_key", "ajo", "cja", "ajo_prev", "ajo_next"):
        assert not np.shares_memory(view.journey, ready.cells[column].to_numpy())
    # What the fit never reads is left empty, so that a use of it fails loudly.
    assert len(view.cja) == len(view.ajo_rows) == len(view.own_witness) == 0
    assert len(view.journey) == len(view.ajo) == len(view.day) == len(cells)


def test_metrics_are_answered_in_the_order_asked():
    # The last metric is split first (its cells are kept through the fit): the answer's
    # order is still the query's.
    asked = ("opens", "sent", "clicks")
    query = Query("reconcile", TODAY - timedelta(days=30), TODAY, asked)
    results = reconcile(frame(), query, {1: "a", 2: "b", 3: "c"}, TODAY, SETTINGS)
    assert tuple(r.metric for r in results) == asked


def test_the_fit_holds_two_copies_of_its_regressors_at_most():
    """The fit's transient arrays: the regressors a row per column (`rows`), their [cell,
    column] copy (`x`) and what each solve reads are not all held at once (every fit of the
    13-month question's parts did: four copies' worth at the end)."""
    import tracemalloc

    from bot.reconcile import zonefit
    from bot.reconcile.offsets import offsets, with_audience_changes

    cells = with_neighbours(frame(("sent",), journeys=60, days=300))
    part = prepare(cells, "sent", rules_for("sent", SETTINGS, TODAY)).zone
    first, last = TODAY - timedelta(days=301), TODAY + timedelta(days=1)
    zone = with_audience_changes(offsets("America/New_York", "UTC", first, last), first, last)
    regressors = zonefit._regressors(part.view, zone, 1).nbytes
    part.view.groups.regular_width  # noqa: B018 (cached before the measure)
    tracemalloc.start()
    try:
        zonefit.fit(part, zone)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3.5 * regressors, peak / regressors
