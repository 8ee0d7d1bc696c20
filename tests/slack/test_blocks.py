"""Block Kit layout: Slack's limits, overflow into the thread, escaping, snapshots.

Snapshots live in tests/slack/snapshots/; regenerate them with UPDATE_SNAPSHOTS=1 after
an intended change, and read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.answers.service import Parity
from bot.config import Settings
from bot.slack import present
from bot.slack.blocks import (
    MAX_BLOCKS,
    MAX_SECTION_CHARS,
    Button,
    build_messages,
    fields_section,
    header,
)
from bot.store import Store
from tests.builders import frame
from tests.handlers.conftest import TODAY

SNAPSHOTS = Path(__file__).parent / "snapshots"
EVIL = "<!channel> & <@U123>"


def assert_snapshot(name: str, data) -> None:
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs (UPDATE_SNAPSHOTS=1)"


def _all_text(messages) -> str:
    parts = []
    for message in messages:
        parts.append(message.text)
        for block in message.blocks:
            if "text" in block:
                parts.append(block["text"]["text"])
    return "\n".join(parts)


def test_more_than_fifty_blocks_spill_into_follow_ups_and_nothing_is_lost():
    paragraphs = [f"paragraph {i}" for i in range(130)]
    buttons = [Button("Re-run", "parity_rerun", "1")]
    messages = build_messages("\n\n".join(paragraphs), buttons=buttons, title="Title")
    assert [len(m.blocks) for m in messages] == [50, 50, 32]
    assert all(len(m.blocks) <= MAX_BLOCKS for m in messages)
    assert messages[0].blocks[0]["type"] == "header"
    assert messages[0].blocks[-1]["type"] == "actions"
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    assert sections == paragraphs
    assert messages[1].text == "paragraph 0 (continued, part 2)"


def test_long_paragraphs_split_at_lines_within_the_section_limit():
    lines = [f"• line {i:04d} " + "x" * 80 for i in range(200)]
    messages = build_messages("\n".join(lines))
    sections = [b["text"]["text"] for m in messages for b in m.blocks]
    assert all(len(s) <= MAX_SECTION_CHARS for s in sections)
    assert "\n".join(sections).split("\n") == lines


def test_one_huge_line_is_cut_without_losing_characters():
    line = "y" * 7000
    sections = [b["text"]["text"] for b in build_messages(line)[0].blocks]
    assert [len(s) for s in sections] == [3000, 3000, 1000]
    assert "".join(sections) == line


def test_header_and_fields_limits():
    assert len(header("h" * 400)["text"]["text"]) == 150
    assert [len(s["fields"]) for s in fields_section([f"f{i}" for i in range(23)])] == [10, 10, 3]


@pytest.fixture
def adversarial_app(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'evil.db'}")
    rows = []
    for journey in (EVIL, "*bold* _it_ `code`", "Plain Journey"):
        for ago, (ajo, cja) in enumerate([(1200, 700), (1000, 990), (1000, 900)]):
            day = f"2026-11-{29 - ago * 4:02d}"
            rows.append({"source": "ajo", "journey": journey, "day": day, "value": ajo})
            rows.append({"source": "cja", "journey": journey, "day": day, "value": cja})
    store.save(frame(*rows), "evil.csv")
    yield Parity(store, Settings(today_override=TODAY))
    store.close()


def _mrkdwn_objects(messages) -> list[dict]:
    """Every mrkdwn text object in the messages' blocks, however deep."""
    found = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk([m.blocks for m in messages])
    return found


def test_adversarial_journey_names_show_literally_and_ping_nobody(adversarial_app):
    answer = adversarial_app.ask("why don't sent numbers match?", flavour="mrkdwn")
    messages = present.answer_messages(answer, 7, can_post=True)
    breakdown = present.breakdown_messages(answer, "journey")
    text = _all_text(messages + breakdown)
    assert "<!channel>" not in text
    assert "<@U123>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    # Formatting marks in a stored name show as look-alikes: nothing turns bold or code.
    assert "*bold*" not in text
    assert "`code`" not in text
    assert "_it_" not in text
    assert "∗bold∗ ˍitˍ ˋcodeˋ" in text
    assert _mrkdwn_objects(messages + breakdown)
    assert all(o.get("verbatim") is True for o in _mrkdwn_objects(messages + breakdown))
    assert_snapshot("answer_adversarial", [m.to_kwargs() for m in messages])
    assert_snapshot("breakdown_adversarial", [m.to_kwargs() for m in breakdown])


def test_plain_text_keeps_names_as_they_are(adversarial_app):
    answer = adversarial_app.ask("reconcile sent for plain journey")
    assert "&lt;" not in answer.text
    assert "Plain Journey" in answer.text
