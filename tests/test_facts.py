"""Drift: every metric and every cause has all its facts, and code names only real ones.

A metric's facts live in bot.metrics.METRIC_TABLE, a cause's in bot.reconcile.registry.
These tests fail when an entry lacks a fact (a field without a default left empty, a colour
that is not one, an evidence type that writes no sentence), when two entries claim the same
label, colour or hatch, and when the code, the templates or the evaluation name a metric or
a cause that is in neither table (found by reading the source with `ast`).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from bot.language.metric_words import ALIASES
from bot.language.tokens import stem
from bot.language.tokens import words as words_of
from bot.metrics import (
    LABEL_TO_METRIC,
    METRIC_TABLE,
    METRICS,
    SOURCES,
    Dataset,
    Metric,
    metric_facts,
    normalize_label,
)
from bot.reconcile.detectors import Finding
from bot.reconcile.registry import CAUSES, REGISTRY, Cause, ChartStyle, cause_named

ROOT = Path(__file__).resolve().parents[1]
HEX = re.compile(r"#[0-9a-f]{6}")
CAUSE_WORDS = ("cause", "inject")


def _missing_facts(entry) -> list[str]:
    """Fields without a default (the facts every entry must state) that are empty."""
    return [
        field.name
        for field in dataclasses.fields(entry)
        if field.default is dataclasses.MISSING
        and field.default_factory is dataclasses.MISSING
        and not getattr(entry, field.name)
    ]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# --- metrics -------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRIC_TABLE, ids=lambda m: m.name)
def test_every_metric_states_all_its_facts(metric: Metric):
    assert _missing_facts(metric) == []
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", metric.name)
    assert isinstance(metric.dataset, Dataset)
    assert metric.dataset.name
    assert metric.component.endswith("(AJO)")
    assert HEX.fullmatch(metric.colour)
    # Chart titles are written in it: readable on white (WCAG AA, 4.5:1).
    assert 1.05 / (_luminance(metric.colour) + 0.05) >= 4.5
    assert metric.products
    assert set(metric.products) <= set(SOURCES)
    assert len(set(metric.labels)) == len(metric.labels)


@pytest.mark.parametrize("metric", METRIC_TABLE, ids=lambda m: m.name)
def test_every_label_and_word_of_a_metric_means_that_metric(metric: Metric):
    for label in (metric.name, *metric.labels, *metric.ajo_labels):
        assert LABEL_TO_METRIC[normalize_label(label)] == metric.name, label
    for words in (metric.labels, metric.words):
        for word in words:
            stems = tuple(map(stem, words_of(word)))
            assert ALIASES[stems][0] == metric.name, word


def test_no_label_belongs_to_two_metrics():
    owners: dict[str, set[str]] = {}
    for metric in METRIC_TABLE:
        for label in (metric.name, *metric.labels, *metric.ajo_labels):
            owners.setdefault(normalize_label(label), set()).add(metric.name)
    assert {label: names for label, names in owners.items() if len(names) > 1} == {}


def test_retry_facts_name_metrics_of_the_table():
    for metric in METRIC_TABLE:
        if metric.retry_affected:
            queue = metric_facts(metric.retry_queue)
            assert queue.evidence_only, f"{metric.name}'s retry count must be AJO's alone"
            assert metric.witnesses, f"{metric.name} is retry-affected but has no witnesses"
        for name in metric.witnesses:
            witness = metric_facts(name)
            assert witness.dataset == metric.dataset, (metric.name, name)
            assert not witness.retry_affected, name
            assert not witness.evidence_only, name
    assert any(metric.retry_affected for metric in METRIC_TABLE)


def test_metric_colours_tell_metrics_apart():
    colours = [metric.colour for metric in METRIC_TABLE]
    assert len(set(colours)) == len(colours)


def test_an_unknown_metric_is_named_in_the_error():
    with pytest.raises(KeyError, match="'sends' is not a metric"):
        metric_facts("sends")


# --- causes --------------------------------------------------------------------------------


@pytest.mark.parametrize("cause", REGISTRY, ids=lambda c: c.name)
def test_every_cause_states_all_its_facts(cause: Cause):
    assert _missing_facts(cause) == []
    assert isinstance(cause.style, ChartStyle)
    assert HEX.fullmatch(cause.style.colour)
    assert issubclass(cause.evidence, Finding)
    assert cause.evidence is not Finding
    assert cause.evidence.cause == cause.name
    # The evidence type writes the cause's sentence itself.
    assert "explain" in vars(cause.evidence), f"{cause.evidence.__name__} has no explain()"


def test_causes_are_told_apart_on_charts_and_in_replies():
    assert len({c.label for c in REGISTRY}) == len(REGISTRY)
    assert len({c.style.colour for c in REGISTRY}) == len(REGISTRY)
    hatches = [c.style.hatch for c in REGISTRY if c.style.hatch]
    assert len(set(hatches)) == len(hatches)
    assert len({c.evidence for c in REGISTRY}) == len(REGISTRY)


def test_unexplained_is_last_as_the_contract_says():
    assert CAUSES[-1] == "unexplained"
    assert tuple(c.name for c in REGISTRY) == CAUSES


def test_every_finding_type_is_some_cause_s_evidence():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    registered = {c.evidence for c in REGISTRY}
    assert [s.__name__ for s in subclasses(Finding) if s not in registered] == []


# --- names in the code ---------------------------------------------------------------------


def _strings(node: ast.AST) -> list[str]:
    """String constants of `node` itself, or of a tuple, list or set literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _kind(text: str) -> str | None:
    """What an expression's source says it holds: causes, metrics, or neither."""
    text = text.lower()
    if any(word in text for word in CAUSE_WORDS):
        return "cause"
    return "metric" if "metric" in text else None


def named(source: str) -> list[tuple[int, str, str]]:
    """(line, kind, name) for each place the source names a cause or a metric."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            kinds = {_kind(ast.unparse(s)) for s in sides if not _strings(s)} - {None}
            for kind in kinds:
                found += [(node.lineno, kind, s) for side in sides for s in _strings(side)]
        elif isinstance(node, ast.Subscript):
            holder = ast.unparse(node.value).lower()
            if holder.endswith(("causes", "amounts")):
                found += [(node.lineno, "cause", s) for s in _strings(node.slice)]
        elif isinstance(node, ast.Call):
            function = ast.unparse(node.func)
            if function.endswith(("causes.get", "amounts.get")):
                found += [(node.lineno, "cause", s) for s in _strings(node.args[0])]
            if function.endswith(("cause_named", ".change")):
                args = node.args[:1] if function.endswith("cause_named") else node.args[1:2]
                found += [(node.lineno, "cause", s) for a in args for s in _strings(a)]
            if function.endswith("metric_facts"):
                found += [(node.lineno, "metric", s) for a in node.args for s in _strings(a)]
            for keyword in node.keywords:
                kind = _kind(keyword.arg or "")
                found += [(node.lineno, kind, s) for s in _strings(keyword.value) if kind]
        elif isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "cause":
            found += [(node.lineno, "cause", s) for s in _strings(node.value)]
        # A literal list of names, most of them real, names only real ones: typos show.
        if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            strings = [s for item in items if item is not None for s in _strings(item)]
            for kind, known in (("cause", CAUSES), ("metric", METRICS)):
                hits = sum(s in known for s in strings)
                if hits >= 2 and 2 * hits >= len(strings):
                    found += [(node.lineno, kind, s) for s in strings]
    return [(line, kind, name) for line, kind, name in found if name]


def unknown(source: str) -> list[tuple[int, str, str]]:
    known = {"cause": set(CAUSES), "metric": set(METRICS)}
    return [(line, kind, name) for line, kind, name in named(source) if name not in known[kind]]


TEMPLATE_NAME = re.compile(r"[\"'](\w+)[\"']\s*\|\s*(cause_label|metric_name)")


def test_the_code_names_only_metrics_and_causes_of_the_tables():
    offenders = []
    for package in ("bot", "handlers", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, kind, name in unknown(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {kind} '{name}'")
    for path in sorted((ROOT / "templates").glob("*.j2")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, use in TEMPLATE_NAME.findall(text):
                table = CAUSES if use == "cause_label" else METRICS
                if name not in table:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: '{name}' | {use}")
    assert not offenders, "not in the metric table or the cause registry:\n" + "\n".join(offenders)


def test_the_scan_reads_the_code_that_names_causes_and_metrics():
    """The scan can fail: typos in each kind of place are found, real names are not."""
    planted = """
if cause != "procesing_lag" and r.metric == "sends":
    ledger.amounts["duplicate"] += 1
b.change(key, "timezones", "cja", values)
cells.assign(metric="retry")
rows = frame.loc[frame["metric"] == "bounce"]
order = ("processing_lag", "retries", "unexplaned")
rates = {"delivered": 0.9, "opened": 0.2, "clicks": 0.1}
if "timezone" in injected and metric in ("sent", "opens"):
    cause_named("lag")

class Found:
    cause: ClassVar[str] = "datasource_drift"
"""
    assert sorted(unknown(planted)) == [
        (2, "cause", "procesing_lag"),
        (2, "metric", "sends"),
        (3, "cause", "duplicate"),
        (4, "cause", "timezones"),
        (5, "metric", "retry"),
        (6, "metric", "bounce"),
        (7, "cause", "unexplaned"),
        (8, "metric", "opened"),
        (10, "cause", "lag"),
        (13, "cause", "datasource_drift"),
    ]
    assert cause_named("timezone").label == "time zone"
