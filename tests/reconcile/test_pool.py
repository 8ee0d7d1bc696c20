"""A journey asked about alone, read from its own cells with the figures pooled over every
journey (bot.reconcile.pool), gets exactly the answer it gets with every journey's cells in
view: the same JSON, evidence sentences included, not close amounts. On the evaluation's
scenarios of both generators, and on issue 12's random frames of a few journeys."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings

from bot.config import Settings
from bot.evaluate import MODELS, plan
from bot.query import Query
from bot.reconcile import pooled_figures, reconcile
from tests.reconcile.test_journey_rows import NAMES, TODAY, frames

# (model, seed, scenarios drawn, every how many one is checked): each cause alone and mixes.
DRAWS = (("days", 1, 70, 7), ("events", 1, 40, 5))


def _json(results) -> str:
    return json.dumps([r.to_dict() for r in results], sort_keys=True, default=str)


def alone_both_ways(
    frame, query, names, today, config, history=None, calendars=None, channels=None, groups=None
):
    """Per journey (or per group of journeys in `groups`): (its answer with every journey's
    cells, its answer from its own cells and the pool), as JSON."""
    pool = pooled_figures(frame, query, today, config, history, calendars, channels)
    for keys in groups or [[key] for key in sorted(names)]:
        asked = replace(query, journeys=tuple(names.get(k, "?") for k in keys))
        args = (names, today, config, history, calendars, keys, channels)
        everyone = reconcile(frame, asked, *args)
        own = frame.loc[frame["journey_key"].isin(keys)]
        yield keys, _json(everyone), _json(reconcile(own, asked, *args, pool))


def scenarios(model: str, seed: int, count: int, every: int):
    injectable, builder, _ = MODELS[model]
    rng = np.random.default_rng(seed if model == "days" else [seed, 2026, 12])
    for index, injected in enumerate(plan(rng, count, injectable)):
        scenario = builder(rng, injected, f"#{index} {'+'.join(injected) or 'datasource'}")
        if index % every == 0:
            yield scenario


@pytest.mark.parametrize(("model", "seed", "count", "every"), DRAWS)
def test_a_journey_from_its_own_cells_and_the_pool_answers_as_before(model, seed, count, every):
    checked = 0
    for s in scenarios(model, seed, count, every):
        config = replace(Settings(), today_override=s.today)
        found = alone_both_ways(
            s.frame, s.query, s.names, s.today, config, s.history, s.calendars, s.channels
        )
        for key, everyone, own in found:
            assert own == everyone, (s.name, key)
            checked += 1
    assert checked >= 20


@settings(max_examples=15, deadline=None)
@given(frame=frames())
def test_random_journeys_from_their_own_cells_answer_as_before(frame):
    query = Query("reconcile", TODAY.replace(day=1), TODAY, ("sent", "delivered"))
    config = Settings(today_override=TODAY)
    names = {k: NAMES[k] for k in frame["journey_key"].unique()}
    # Each journey, two together, and one with no cells at all.
    groups = [[k] for k in sorted(names)] + [sorted(names)[:2], [7]]
    for _, everyone, own in alone_both_ways(frame, query, names, TODAY, config, groups=groups):
        assert own == everyone


def test_the_pool_holds_no_array_as_long_as_every_journeys_cells():
    s = next(scenarios("events", 1, 40, 40))
    config = replace(Settings(), today_override=s.today)
    pool = pooled_figures(s.frame, s.query, s.today, config, s.history, s.calendars, s.channels)
    for figures in pool.metrics.values():
        assert len(figures.lag.amount) == 0
        assert figures.reach is None or len(figures.reach.days) <= s.frame["day"].nunique()
