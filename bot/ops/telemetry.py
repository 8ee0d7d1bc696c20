"""Figures for operators, in the Prometheus format: what to watch and alert on.

One module defines every metric, so names and labels are spelled once and docs/operations.md
can list them. Labels stay few and bounded (intents, outcomes, Slack method names), never a
user, a journey or a question.

Several web processes: prometheus_client keeps each process's figures apart unless
PROMETHEUS_MULTIPROC_DIR names an empty directory before Parity starts; then every process
writes its figures there and /metrics sums them (`exposition`). Without it, a scrape sees
the figures of the one process that answered it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

# Answers take from milliseconds (cached) to tens of seconds (13 months, many journeys).
_QUESTION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60)
# Slack wants an ack within 3 s.
_ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5)

QUESTION_SECONDS = Histogram(
    "parity_question_seconds",
    "Time from a question (or a stored query re-run) to its rendered answer",
    ["intent"],
    buckets=_QUESTION_BUCKETS,
)
ANSWERS = Counter(
    "parity_answers", "Answers given, by intent and outcome (ok | error)", ["intent", "outcome"]
)
ACKS = Counter("parity_slack_acks", "Slack requests acknowledged, by kind", ["kind"])
ACK_SECONDS = Histogram(
    "parity_slack_ack_seconds",
    "Time from a Slack request's arrival to its acknowledgement",
    ["kind"],
    buckets=_ACK_BUCKETS,
)
SLACK_ERRORS = Counter(
    "parity_slack_api_errors",
    "Slack Web API calls that failed, by method and error",
    ["method", "error"],
)
SLACK_RETRIES = Counter(
    "parity_slack_api_retries", "Slack Web API calls tried again, by reason", ["reason"]
)
INGESTS = Counter(
    "parity_ingests", "Snapshots offered to the store, by source and outcome", ["source", "outcome"]
)
INGESTED_ROWS = Counter("parity_ingested_rows", "Rows stored in new snapshots", ["source"])
JOB_RUNS = Counter(
    "parity_job_runs",
    "Scheduled runs (digests, pulls, alerts) by job and outcome",
    ["job", "outcome"],
)
CACHE = Counter(
    "parity_result_cache", "Result cache look-ups, by cache and result (hit | miss)",
    ["cache", "result"],
)  # fmt: skip


def job_kind(job_key: str) -> str:
    """A job's label without its instance: "digest:C123" -> "digest", "pull:cja" stays
    (a handful of pulls), "alert:42" -> "alert"."""
    kind = job_key.partition(":")[0]
    return job_key if kind == "pull" else kind


def exposition(extra: Iterable[GaugeMetricFamily] = ()) -> tuple[bytes, str]:
    """The text a scrape gets: the process's (or, in multiprocess mode, all processes')
    figures, plus figures read at scrape time (the database, the clock's heartbeat)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    now = CollectorRegistry()
    now.register(_Fixed(list(extra)))
    return body + generate_latest(now), CONTENT_TYPE_LATEST


class _Fixed:
    """A collector of figures computed once for this scrape."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self):
        return iter(self.families)
