"""The diagnosis gives exactly the same answers it gave before it was made linear.

Digests of every cell's split into causes, and of every answer as JSON, on the evaluation's
generated scenarios (bot.evaluate), taken with the per-journey-mask code this replaced.
Amounts must be equal, not close. When a change to the diagnosis is meant to move them,
regenerate with UPDATE_SNAPSHOTS=1 and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.config import Settings
from bot.evaluate import plan
from bot.evaluate.scenarios import CAUSES, TODAY, build
from bot.evaluate.scoring import found_cells
from bot.reconcile import reconcile

SNAPSHOT = Path(__file__).parent / "snapshots" / "evaluation_digests.json"
# Every third of the evaluation's 140 scenarios (seed 1): each cause alone and in mixes.
SEED, COUNT, EVERY = 1, 140, 3


def cells_digest(cells: pd.DataFrame) -> str:
    cells = cells.sort_values(["metric", "journey_key", "day"]).reset_index(drop=True)
    digest = hashlib.sha256("|".join(cells["metric"]).encode())
    digest.update(cells["day"].to_numpy().astype("datetime64[D]").astype(np.int64).tobytes())
    for column in ("journey_key", "ajo", "cja", *CAUSES):
        digest.update(cells[column].to_numpy().astype(np.int64).tobytes())
    return digest.hexdigest()


def answer_digest(results) -> str:
    text = json.dumps([r.to_dict() for r in results], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def digests() -> dict[str, dict[str, str]]:
    settings = replace(Settings(), today_override=TODAY)
    rng = np.random.default_rng(SEED)
    found = {}
    for index, injected in enumerate(plan(rng, COUNT)):
        scenario = build(rng, injected, f"#{index} {'+'.join(injected) or 'datasource'}")
        if index % EVERY:
            continue
        results = reconcile(
            scenario.frame,
            scenario.query,
            scenario.names,
            scenario.today,
            settings,
            scenario.history,
        )
        found[scenario.name] = {
            "cells": cells_digest(found_cells(scenario, settings)),
            "answer": answer_digest(results),
        }
    return found


@pytest.fixture(scope="module")
def computed() -> dict[str, dict[str, str]]:
    return digests()


def test_snapshot_covers_the_scenarios(computed) -> None:
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(computed, indent=1, sort_keys=True) + "\n")
    assert set(json.loads(SNAPSHOT.read_text())) == set(computed)


def test_every_cell_split_as_before(computed) -> None:
    expected = json.loads(SNAPSHOT.read_text())
    moved = [name for name in computed if computed[name]["cells"] != expected[name]["cells"]]
    assert not moved, f"causes moved in {moved} (UPDATE_SNAPSHOTS=1 if meant)"


def test_every_answer_as_before(computed) -> None:
    expected = json.loads(SNAPSHOT.read_text())
    moved = [name for name in computed if computed[name]["answer"] != expected[name]["answer"]]
    assert not moved, f"answers changed in {moved} (UPDATE_SNAPSHOTS=1 if meant)"
