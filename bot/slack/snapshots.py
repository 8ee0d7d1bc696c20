"""/parity snapshots in Slack: the latest snapshots with where each came from, and Drop and
Undo buttons for those who may change what answers are computed from (the rule that
decides who may load files, bot.slack.permissions)."""

from __future__ import annotations

from bot.answers.render import render
from bot.ops.snapshots import LISTED, SnapshotDetail
from bot.slack.blocks import Button, Message, build_messages, section
from bot.slack.buttons import SNAPSHOT_DROP, SNAPSHOT_UNDO
from bot.store import SnapshotSource

DROPPING = "drop snapshots"
LISTED_IN_SLACK = min(LISTED, 15)  # one section each, well within 50 blocks


def list_message(listed: list[SnapshotSource], refused: str | None) -> Message:
    """One section per snapshot, a Drop (or Undo drop) button beside it when allowed."""
    blocks = [section(f"*Stored snapshots*, latest first ({len(listed)} shown)")]
    for snapshot in listed[:LISTED_IN_SLACK]:
        block = section(render("snapshots.j2", "mrkdwn", part="item", s=snapshot).strip())
        if refused is None:
            block["accessory"] = change_button(snapshot).to_block_element()
        blocks.append(block)
    if not listed:
        blocks.append(section("No snapshots stored yet."))
    if refused is not None and listed:
        blocks.append(section(refused))
    return Message("Stored snapshots", blocks)


def change_button(snapshot: SnapshotSource) -> Button:
    if snapshot.dropped:
        return Button("Undo drop", SNAPSHOT_UNDO, str(snapshot.id))
    return Button("Drop", SNAPSHOT_DROP, str(snapshot.id), style="danger")


def changed_messages(shown: SnapshotDetail, action: str) -> list[Message]:
    """What a drop or an undo did, with the button that reverses it."""
    text = render("snapshots.j2", "mrkdwn", part=action, shown=shown, surface="slack")
    return build_messages(text, buttons=[change_button(shown.snapshot)])
