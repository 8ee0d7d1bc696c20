"""The digest as Slack messages: snapshots, hostile journey names, more than one message holds.

Regenerate the snapshots with UPDATE_SNAPSHOTS=1 after an intended change, and read the diff.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.answers.digest import build_digest
from bot.answers.render import render
from bot.answers.service import Parity
from bot.config import Settings
from bot.slack.blocks import MAX_BLOCKS, MAX_SECTION_CHARS
from bot.slack.digest import digest_messages
from bot.store import Store
from tests.builders import frame
from tests.slack.test_blocks import EVIL, assert_snapshot

MONDAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def _parity(tmp_path, journeys: list[str], captured_at: str = "2026-11-29T20:00:00Z") -> Parity:
    """Two weeks of Sent per journey: CJA 30 % short on Nov 25 (unexplained), else agreeing."""
    rows = []
    for rank, journey in enumerate(journeys):
        for day in range(16, 30):
            ajo = 1000 + 10 * (len(journeys) - rank)  # the first journey has the largest gap
            cja = ajo * 7 // 10 if day == 25 else ajo
            for source, value in (("ajo", ajo), ("cja", cja)):
                rows.append(
                    {"source": source, "journey": journey, "day": f"2026-11-{day:02d}",
                     "value": value, "captured_at": captured_at}
                )  # fmt: skip
    store = Store.open(f"sqlite:///{tmp_path / 'digest.db'}")
    store.save(frame(*rows), "digest.csv")
    return Parity(store, Settings(today_override=MONDAY))


def _texts(messages) -> list[str]:
    return [
        b["text"]["text"] for m in messages for b in m.blocks if b["type"] in ("section", "header")
    ]


@pytest.fixture
def adversarial(tmp_path):
    names = [EVIL, "*bold* _it_ `code`", "<https://evil.example|click me>", "Plain Journey"]
    names += [f"Journey {n:02d} & Co" for n in range(1, 5)]
    parity = _parity(tmp_path, names)
    yield parity
    parity.store.close()


def test_hostile_journey_names_show_literally_ping_nobody_and_link_nowhere(adversarial):
    digest = build_digest(adversarial, MONDAY, NOW)
    messages = digest_messages(digest, 42, can_post=False)
    text = "\n".join(_texts(messages)) + "".join(m.text for m in messages)
    assert "<!channel>" not in text
    assert "<@U123>" not in text
    assert "<https://" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    assert "&lt;https://evil.example|click me&gt;" in text
    assert_snapshot("digest_adversarial", [m.to_kwargs() for m in messages])


def test_five_journeys_in_the_message_the_rest_in_its_thread(adversarial):
    digest = build_digest(adversarial, MONDAY, NOW)
    assert len(digest.journeys) == 8
    first, *thread = digest_messages(digest, 42, can_post=False)
    listed = re.compile(r"^• (.+) · Sent: ", re.MULTILINE)
    in_message = listed.findall("\n".join(_texts([first])))
    in_thread = listed.findall("\n".join(_texts(thread)))
    assert len(in_message) == 5
    assert len(in_thread) == 3
    assert "…and 3 more in the thread." in "\n".join(_texts([first]))


def test_plain_text_digest_keeps_names_as_they_are(adversarial):
    digest = build_digest(adversarial, MONDAY, NOW)
    text = render("digest.j2", "plain", digest=digest, part="all")
    assert f"• {EVIL} · Sent:" in text
    assert "&lt;" not in text
    assert "More unexplained gaps (3 more, largest first)" in text


def test_more_journeys_than_one_message_holds_spill_into_the_thread_and_none_is_lost(tmp_path):
    names = [f"Journey {n:03d} with a long descriptive name, longer than most" for n in range(120)]
    parity = _parity(tmp_path, names)
    try:
        digest = build_digest(parity, MONDAY, NOW)
        messages = digest_messages(digest, 42, can_post=False)
    finally:
        parity.store.close()
    first, thread = messages
    assert len([b for b in thread.blocks if b["type"] == "section"]) > 1  # split at lines
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        assert all(len(t) <= MAX_SECTION_CHARS for t in _texts([message]))
    shown = re.findall(r"^• (Journey \d{3}) ", "\n".join(_texts(messages)), re.MULTILINE)
    assert sorted(shown) == sorted(name[:11] for name in names)
    assert thread.text == "*More unexplained gaps* (115 more, largest first)"
    assert_snapshot("digest_many_journeys_first", first.to_kwargs())


def test_a_source_without_a_recent_snapshot_is_warned_about(tmp_path):
    parity = _parity(tmp_path, ["Welcome Series"], captured_at="2026-11-26T08:00:00Z")
    try:
        digest = build_digest(parity, MONDAY, NOW)
    finally:
        parity.store.close()
    text = render("digest.j2", "plain", digest=digest, part="message")
    assert "• ⚠️ AJO: latest snapshot 4 days ago, older than the 48 h expected" in text
    assert [s.stale for s in digest.sources] == [True, True]


def test_a_digest_over_a_data_view_in_another_time_zone_says_so(tmp_path):
    parity = _parity(tmp_path, ["Welcome Series"])
    try:
        day = {"source": "cja", "journey": "Welcome Series", "day": "2026-11-28", "value": 1000}
        parity.store.save(frame(day), "pull", timezone="America/Los_Angeles")
        digest = build_digest(parity, MONDAY, NOW)
        text = render("digest.j2", "plain", digest=digest, part="all")
    finally:
        parity.store.close()
    assert "The data view is in America/Los_Angeles; Parity reports in" in text
    assert digest.calendars.of("cja").timezone == "America/Los_Angeles"


def test_a_digest_whose_sources_said_no_time_zone_has_no_calendar_line(adversarial):
    digest = build_digest(adversarial, MONDAY, NOW)
    assert "🕒" not in render("digest.j2", "plain", digest=digest, part="all")
    assert not digest.calendars.sources
