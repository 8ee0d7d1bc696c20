"""/parity snapshots: where each snapshot came from, and Drop and Undo for those allowed.
A file shared by mistake is dropped and the earlier answers come back exactly."""

from __future__ import annotations

from urllib.parse import quote

from tests.handlers.slack_requests import action_body, command_body, event_body, mention

QUESTION = "reconcile sent for welcome series nov 27 to nov 28"
WRONG = (
    b"Day,Journey,Sends,Messages successfully sent\n"
    b'"Nov 28, 2026",Welcome Series,"9,999","9,000"\n'
    b'"Nov 27, 2026",Welcome Series,8888,8000\n'
)


def _ask(send, fake) -> str:
    """The answer's text to QUESTION, asked in a thread of its own."""
    before = len(fake.named("chat.postMessage"))
    send(event_body(mention(QUESTION)))
    return fake.wait_for("chat.postMessage", before + 1)[-1].params["text"]


def _share(send, fake, name: str, content: bytes) -> None:
    fake.files[name] = content
    before = len(fake.named("chat.postMessage"))
    event = {
        "type": "message", "subtype": "file_share", "channel": "C1", "channel_type": "channel",
        "user": "U1", "text": "cja numbers", "ts": "1699999999.000300",
        "files": [{"id": "F1", "name": name, "filetype": "csv", "size": 100,
                   "url_private_download": f"{fake.url}/files/{quote(name)}"}],
    }  # fmt: skip
    send(event_body(event))
    (reply,) = fake.wait_for("chat.postMessage", before + 1)[-1:]
    assert "stored CJA snapshot" in reply.params["text"]


def _listed(send, fake, name: str = "list") -> list[dict]:
    send(command_body("snapshots", fake.response_url(name)), form=True)
    calls = [c for c in fake.wait_for("response_url", 1) if c.path.endswith(name)]
    return calls[-1].params["blocks"]


def _press(send, fake, block: dict, name: str) -> dict:
    """Press the block's button on an ephemeral list; the reply sent to its response_url."""
    button = block["accessory"]
    url = fake.response_url(name)
    before = len(fake.named("response_url"))
    send(action_body(button["action_id"], button["value"], ephemeral=True, response_url=url),
         form=True)  # fmt: skip
    reply = fake.wait_for("response_url", before + 1)[-1]
    assert reply.path.endswith(name)
    return reply.params


def test_a_wrong_file_is_dropped_and_the_earlier_answers_come_back_exactly(send, fake, store):
    fake.admins.add("U1")
    before = _ask(send, fake)
    _share(send, fake, "wrong-cja.csv", WRONG)
    wrong = _ask(send, fake)
    assert wrong != before

    blocks = _listed(send, fake)
    assert blocks[0]["text"]["text"].startswith("*Stored snapshots*, latest first")
    latest = blocks[1]
    line = latest["text"]["text"]
    assert "CJA · captured" in line
    assert "wrong-cja.csv (wide CSV, sha256 " in line
    assert "loaded by <@U1> in <#C1> · 4 rows, 2 days" in line
    assert latest["accessory"]["text"]["text"] == "Drop"

    dropped = _press(send, fake, latest, "drop")
    assert "🗑️ Dropped snapshot #" in dropped["blocks"][0]["text"]["text"]
    assert _ask(send, fake) == before
    undo = dropped["blocks"][-1]["elements"][0]
    assert undo["text"]["text"] == "Undo drop"

    _press(send, fake, {"accessory": undo}, "undo")
    assert _ask(send, fake) == wrong
    history = store.drop_history(int(undo["value"]))
    assert [(e.action, e.by) for e in history] == [("drop", "U1"), ("undo", "U1")]


def test_someone_who_may_not_load_files_sees_no_buttons_and_cannot_drop(send, fake, store):
    blocks = _listed(send, fake)  # U1 is not an admin here
    assert all("accessory" not in block for block in blocks)
    assert "Only workspace admins and owners can drop snapshots" in blocks[-1]["text"]["text"]
    newest = store.snapshot_list(1)[0]
    forged = {"accessory": {"action_id": "parity_snapshot_drop", "value": str(newest.id)}}
    refused = _press(send, fake, forged, "forged")
    assert "Only workspace admins and owners can drop snapshots" in refused["text"]
    assert store.snapshot(newest.id).dropped is False
