"""The scored evaluation: its plan, its scoring, its questions, and the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from bot.config import Settings
from bot.evaluate import INJECTABLE, evaluate, plan
from bot.evaluate.questions import QUESTIONS, score_intents
from bot.evaluate.scenarios import CAUSES, TODAY, Scenario, build
from bot.evaluate.scoring import score, where_it_went
from bot.query import Query
from tests.test_cli import parity

SETTINGS = Settings(today_override=TODAY)


def _scenario(truth_cause: str) -> Scenario:
    """Today only: AJO 1,000, CJA 600; the truth says the 400 are `truth_cause`."""
    day = pd.Timestamp(TODAY)
    frame = pd.DataFrame(
        [{"journey_key": 1, "day": day, "metric": "sent", "ajo": 1000, "cja": 600,
          "ajo_rows": 1, "cja_rows": 1}]
    ).astype({"day": "datetime64[us]"})  # fmt: skip
    truth = pd.DataFrame([{"journey_key": 1, "day": day, "metric": "sent",
                           **dict.fromkeys(CAUSES, 0), truth_cause: 400}])  # fmt: skip
    truth = truth.astype({"day": "datetime64[us]"})
    query = Query("reconcile", TODAY, TODAY, ("sent",))
    return Scenario("today", (), frame, None, truth, query, TODAY, {1: "Welcome Series"})


def test_scoring_counts_the_overlap_of_true_and_found_amounts():
    right = score(_scenario("processing_lag"), SETTINGS)
    assert (right.true["processing_lag"], right.correct["processing_lag"]) == (400, 400)
    assert right.share() == 100.0
    wrong = score(_scenario("datasource"), SETTINGS)
    assert (wrong.share("datasource"), wrong.share("processing_lag")) == (0.0, None)


def test_the_plan_has_every_cause_alone_then_mixes():
    chosen = plan(np.random.default_rng(0), 14)
    assert chosen[:7] == [(), *((c,) for c in INJECTABLE)]
    assert all(2 <= len(mix) <= 4 and set(mix) <= set(INJECTABLE) for mix in chosen[7:])


def test_scenarios_are_seeded_and_their_truth_adds_up_to_the_gap():
    first = build(np.random.default_rng(7), ("timezone", "duplicate_data"), "a")
    again = build(np.random.default_rng(7), ("timezone", "duplicate_data"), "a")
    assert first.frame.equals(again.frame)
    merged = first.truth.merge(first.frame, on=["journey_key", "day", "metric"])
    assert (merged[list(CAUSES)].sum(axis=1) == merged["ajo"] - merged["cja"]).all()
    assert merged["timezone"].abs().sum() > 0
    assert merged["duplicate_data"].abs().sum() > 0


def test_a_small_evaluation_scores_every_cause():
    result = evaluate(count=16, seed=4)
    shares = result.to_dict()["attributed_correctly_pct"]
    assert set(shares) == {*CAUSES, "overall"}
    assert all(0 <= shares[c] <= 100 for c in CAUSES if shares[c] is not None)
    assert shares["overall"] > 80  # a floor that only a broken core would go under
    assert result.intents.total == len(QUESTIONS)


def test_the_questions_are_not_the_language_tests_own():
    source = (Path(__file__).parents[1] / "language" / "test_parse.py").read_text(encoding="utf-8")
    tested = {q.lower() for q in re.findall(r'\(\s*"([^"]*)"', source)}
    assert not tested & {q.lower() for q, _ in QUESTIONS}
    intents = score_intents(TODAY)
    assert intents.correct + len(intents.misses) == intents.total == len(QUESTIONS)


def test_the_evaluation_labels_agree_with_the_question_corpus():
    from tests.language.corpus import load

    corpus = {c.question.lower(): c.expected.split(" | ")[0] for c in load() if not c.previous}
    both = {q.lower(): intent for q, intent in QUESTIONS if q.lower() in corpus}
    assert both, "the two labelled sets share no question: this test checks nothing"
    assert {q: corpus[q] for q in both} == both


def test_the_evaluate_command_prints_json(tmp_path):
    result = parity("evaluate", "--scenarios", "8", "--seed", "2", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scenarios"] == 8
    assert set(report["attributed_correctly_pct"]) == {*CAUSES, "overall"}
    assert report["intents"]["questions"] == len(QUESTIONS)


def test_where_it_went_shows_which_cause_took_the_true_amount():
    went = where_it_went(_scenario("retries"), SETTINGS, "retries")
    assert went["retries"] == 0
    assert went["processing_lag"] == 400  # today, no retry evidence: lag took the 400
