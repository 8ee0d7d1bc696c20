"""Hostile files shared in Slack: refused in the thread, bounded, nothing stored."""

from __future__ import annotations

import json

import pytest

from tests.handlers.test_home_and_files import _share, _snapshot_count
from tests.ingest.fuzz_corpus import _page, _wrapped


@pytest.fixture(autouse=True)
def sharer_is_an_admin(fake):
    fake.admins.add("U1")


def _response(**changes) -> bytes:
    page = _page({("Welcome Series", "2026-11-20", m): 4 for m in ("sent", "delivered")})
    text = json.dumps(_wrapped({**page, **{k: f"__{k}__" for k in changes}}))
    for key, value in changes.items():
        text = text.replace(f'"__{key}__"', value)
    return text.encode()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"totalPages": "1e8"}, "totalPages is over 1,000; Parity reads at most 1,000"),
        ({"totalPages": '"abc"'}, "totalPages must be a whole number (found text)"),
        ({"columns": "[]"}, "'columns' must be an object (found an array)"),
        ({"rows": '["a row"]'}, "page 1, row 1: a row must be an object (found text)"),
        ({"extra": "[" * 5000 + "]" * 5000}, "how deep the JSON is nested is 33"),
    ],
)
def test_a_hostile_response_shared_in_slack_is_refused_in_its_thread(
    send, fake, store, changes, said
):
    before = _snapshot_count(store)
    _share(send, fake, "pages.json", _response(**changes))
    (reply,) = fake.wait_for("chat.postMessage")
    assert "❌ pages.json: nothing stored." in reply.params["text"]
    assert said in reply.params["text"]
    assert _snapshot_count(store) == before
