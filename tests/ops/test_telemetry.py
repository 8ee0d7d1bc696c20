"""The figures /metrics serves are counted where things happen: the result cache, Slack's
retries and refusals (against the fake Slack over HTTP), ingests, scheduled runs."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from slack_sdk.errors import SlackApiError

from bot.answers.result_cache import ResultCache
from bot.config import Settings
from bot.ops.telemetry import job_kind
from bot.slack.client import make_client
from tests.builders import frame
from tests.handlers.fake_slack import BOT_TOKEN, Failure, FakeSlack


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def fake():
    slack = FakeSlack().start()
    yield slack
    slack.stop()


def test_cache_hits_and_misses_are_counted_per_cache():
    cache = ResultCache(name="histories")
    hits, misses = (_value("parity_result_cache_total", cache="histories", result=r)
                    for r in ("hit", "miss"))  # fmt: skip
    cache.get("k", lambda: 1)
    cache.get("k", lambda: 1)
    cache.get("other", lambda: 2)
    assert _value("parity_result_cache_total", cache="histories", result="hit") == hits + 1
    assert _value("parity_result_cache_total", cache="histories", result="miss") == misses + 2


def test_slack_retries_and_refusals_are_counted(fake):
    client = make_client(Settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake.api_url))
    retried = _value("parity_slack_api_retries_total", reason="rate_limited")
    failed = _value("parity_slack_api_errors_total", method="chat.postMessage",
                    error="channel_not_found")  # fmt: skip
    fake.fail("chat.postMessage", Failure(429, {"ok": False, "error": "ratelimited"},
                                          {"Retry-After": "0"}))  # fmt: skip
    client.chat_postMessage(channel="C1", text="hello")  # the retry gets through
    assert _value("parity_slack_api_retries_total", reason="rate_limited") == retried + 1
    fake.fail("chat.postMessage", Failure(200, {"ok": False, "error": "channel_not_found"}))
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C9", text="hello")
    assert _value("parity_slack_api_errors_total", method="chat.postMessage",
                  error="channel_not_found") == failed + 1  # fmt: skip


def test_ingests_count_snapshots_and_rows_by_outcome(store):
    day = {"source": "cja", "day": "2026-11-27", "value": 4}
    stored = _value("parity_ingests_total", source="cja", outcome="stored")
    duplicate = _value("parity_ingests_total", source="cja", outcome="duplicate")
    rows = _value("parity_ingested_rows_total", source="cja")
    store.save(frame(day, {**day, "day": "2026-11-28"}), "a.csv")
    store.save(frame(day, {**day, "day": "2026-11-28"}), "a.csv")
    assert _value("parity_ingests_total", source="cja", outcome="stored") == stored + 1
    assert _value("parity_ingests_total", source="cja", outcome="duplicate") == duplicate + 1
    assert _value("parity_ingested_rows_total", source="cja") == rows + 2


def test_job_labels_name_the_kind_not_the_instance():
    assert job_kind("digest:C0123ABCD") == "digest"
    assert job_kind("alert:42") == "alert"
    assert job_kind("pull:cja") == "pull:cja"
