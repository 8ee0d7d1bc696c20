"""A question about one journey reads only that journey's cells and the figures pooled over
every journey (cached per store version), and answers exactly as when it read every journey:
evaluation scenarios stored in a real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from bot.answers.service import Parity
from bot.config import Settings
from bot.evaluate import MODELS, plan
from bot.reconcile import metrics_needed, reconcile
from bot.reconcile.channels import journey_channels
from tests.builders import frame as canonical


def _scenario(wanted: int):
    """Event-level scenario `wanted` of seed 1: each with retries, lag and the data source;
    missing data in #1, a duplicate in #3, a time zone, missing data, a duplicate and a
    filter together in #12."""
    injectable, builder, _ = MODELS["events"]
    rng = np.random.default_rng([1, 2026, 12])
    for index, injected in enumerate(plan(rng, 20, injectable)):
        scenario = builder(rng, injected, f"#{index} {'+'.join(injected)}")
        if index == wanted:
            return scenario
    raise LookupError(wanted)


def _store(store, scenario) -> dict[int, str]:
    """The scenario's comparison frame as two canonical exports; its journeys by name."""
    names = {key: f"Journey {key}" for key in scenario.names}
    cells = scenario.frame
    for source in ("ajo", "cja"):
        rows = cells.loc[cells[f"{source}_rows"] > 0]
        rows = [
            {
                "source": source,
                "day": pd.Timestamp(day).date().isoformat(),
                "value": int(value),
                "metric": metric,
                "journey": names[key],
                "channel": scenario.channels[key][0],
            }
            for key, day, metric, value in zip(
                rows["journey_key"], rows["day"], rows["metric"], rows[source], strict=True
            )
        ]
        store.save(canonical(*rows), f"{source}.csv")
    return names


@pytest.mark.parametrize("index", [1, 3, 12])
def test_one_journey_read_alone_answers_as_with_every_journey(store, index):
    scenario = _scenario(index)
    _store(store, scenario)
    config = replace(Settings(), today_override=scenario.today)
    app = Parity(store, config)
    stored = store.journey_names()
    query = scenario.query
    metrics = metrics_needed(query.metrics)
    day = timedelta(days=1)
    everyone = store.comparison(query.start - day, query.end + day, metrics)
    history = app.history(scenario.today, metrics)
    calendars = store.calendars(config.timezone)
    channels = journey_channels(store.series_channels())
    with _comparison_reads(store) as reads:
        for key, name in sorted(stored.items()):
            asked = replace(query, journeys=(name,))
            before = reconcile(
                everyone, asked, stored, scenario.today, config, history, calendars,
                [key], channels,
            )  # fmt: skip
            after = app.reconcile(asked, scenario.today, calendars)
            assert _json(after) == _json(before), (scenario.name, name)
    # The first question reads every journey's cells (and keeps the pool); the others
    # read only their own journey's.
    assert reads == [[], *([k] for k in sorted(stored)[1:])]


@contextmanager
def _comparison_reads(store):
    """The journey keys of each comparison read while inside ([] for every journey)."""
    reads = []
    original = store.comparison

    def spy(start, end, metrics, journey_keys=()):
        reads.append(list(journey_keys))
        return original(start, end, metrics, journey_keys)

    store.comparison = spy
    try:
        yield reads
    finally:
        store.comparison = original


def _json(results) -> str:
    return json.dumps([r.to_dict() for r in results], sort_keys=True, default=str)


def test_an_all_journeys_answer_leaves_its_pool_for_one_journey_asked_next(store):
    scenario = _scenario(3)
    names = _store(store, scenario)
    app = Parity(store, replace(Settings(), today_override=scenario.today))
    query = scenario.query
    app.reconcile(query, scenario.today)
    key, name = sorted(names.items())[0]
    with _comparison_reads(store) as reads:
        alone = app.reconcile(replace(query, journeys=(name,)), scenario.today)
    assert reads == [[key]]  # the pool came with the all-journeys answer
    fresh = Parity(store, replace(Settings(), today_override=scenario.today))
    assert _json(alone) == _json(fresh.reconcile(replace(query, journeys=(name,)), scenario.today))
