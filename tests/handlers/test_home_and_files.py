"""App Home, and CSV exports shared in Slack."""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.slack.client import make_client
from bot.store.schema import snapshots
from tests.handlers.conftest import Sender
from tests.handlers.fake_slack import Failure
from tests.handlers.slack_requests import action_body, event_body, mention


def _snapshot_count(store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(snapshots))


def test_app_home_shows_snapshots_last_answers_and_quick_questions(send, fake):
    send(event_body(mention("why don't sent numbers match?")))
    fake.wait_for("chat.postMessage")
    send(event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}))
    (publish,) = fake.wait_for("views.publish")
    assert publish.params["user_id"] == "U1"
    view = publish.params["view"]
    assert view["type"] == "home"
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert "• AJO: 5 snapshots" in texts[0]
    assert "• CJA: 5 snapshots" in texts[0]
    assert "why don't sent numbers match? — ✅ *Sent*: the gap of" in texts[1]
    questions = [e["text"]["text"] for e in view["blocks"][-1]["elements"]]
    assert "Why don't Sent numbers match?" in questions


def test_quick_question_from_home_is_answered_in_a_dm(send, fake):
    send(action_body("parity_home_ask", "sent_safe"), form=True)
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "D1"
    assert "Safe range for Sent" in post.params["text"]


@pytest.fixture(autouse=True)
def sharer_is_an_admin(fake):
    """U1, who shares the files here, is a workspace admin unless a test says otherwise."""
    fake.admins.add("U1")


def _shared(name: str, text: str = "", channel: str = "C1", user: str = "U1") -> dict:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": "1699999999.000300",
        "files": [
            {
                "id": "F1",
                "name": name,
                "filetype": "csv",
                "size": 100,
                "url_private_download": f"{{url}}/files/{name}",
            }
        ],
    }


def _share(send, fake, name, content: bytes, text="", channel="C1", user="U1"):
    fake.files[name] = content
    event = _shared(name, text, channel, user)
    event["files"][0]["url_private_download"] = f"{fake.url}/files/{quote(name)}"
    send(event_body(event))


GOOD = (
    b"Day,Journey,Sends,Messages successfully sent\n"
    b'"Nov 28, 2026",Welcome Series,"4,210","4,102"\n'
    b'"Nov 27, 2026",Welcome Series,4000,3950\n'
)


def test_shared_csv_is_ingested_and_the_reply_says_what_was_stored(send, fake, store):
    before = _snapshot_count(store)
    _share(send, fake, "cja-export.csv", GOOD, text="fresh CJA numbers")
    (reply,) = fake.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == "1699999999.000300"
    assert "✅ cja-export.csv: stored CJA snapshot" in reply.params["text"]
    assert (
        "(4 rows): 1 journey, 2 days (Nov 27 – Nov 28, 2026), metrics Delivered, Sent"
        in (reply.params["text"])
    )
    (download,) = fake.named("file.download")
    assert download.headers["Authorization"] == "Bearer xoxb-test-token"
    assert _snapshot_count(store) == before + 1


def test_bad_csv_is_refused_with_the_problem_and_nothing_stored(send, fake, store):
    before = _snapshot_count(store)
    bad = GOOD + b'"Nov 26, 2026",Welcome Series,lots,3950\n'
    _share(send, fake, "ajo.csv", bad, text="ajo")
    (reply,) = fake.wait_for("chat.postMessage")
    assert "❌ ajo.csv: nothing stored." in reply.params["text"]
    assert "line 4, column 'Sends'" in reply.params["text"]
    assert _snapshot_count(store) == before


def test_csv_without_a_source_asks_for_one(send, fake, store):
    _share(send, fake, "export.csv", GOOD)
    (reply,) = fake.wait_for("chat.postMessage")
    assert "'ajo' or 'cja'" in reply.params["text"]


def test_a_member_who_is_not_an_admin_is_refused_with_who_can(send, fake, store):
    before = _snapshot_count(store)
    _share(send, fake, "cja.csv", GOOD, user="U2")
    (reply,) = fake.wait_for("chat.postMessage")
    assert "Only workspace admins and owners can load files into Parity" in reply.params["text"]
    assert "PARITY_INGEST_USERS" in reply.params["text"]
    (asked,) = fake.named("users.info")
    assert asked.params["user"] == "U2"
    assert fake.named("file.download") == []
    assert _snapshot_count(store) == before


def test_an_owner_may_load_files(send, fake, store):
    fake.owners.add("U2")
    before = _snapshot_count(store)
    _share(send, fake, "cja.csv", GOOD, user="U2")
    (reply,) = fake.wait_for("chat.postMessage")
    assert "stored CJA snapshot" in reply.params["text"]
    assert _snapshot_count(store) == before + 1


def test_when_users_info_fails_the_file_is_refused(send, fake, store):
    fake.fail("users.info", Failure(body={"ok": False, "error": "user_not_found"}))
    before = _snapshot_count(store)
    _share(send, fake, "cja.csv", GOOD)
    (reply,) = fake.wait_for("chat.postMessage")
    assert "I could not check your role: user_not_found" in reply.params["text"]
    assert _snapshot_count(store) == before


def test_channel_allow_list_replaces_the_admin_rule_and_names_where(fake, slack_settings, store):
    locked = replace(slack_settings, ingest_channels=frozenset({"C9"}))
    send = Sender(create_app(locked, client=make_client(locked), store=store))
    before = _snapshot_count(store)
    _share(send, fake, "cja.csv", GOOD)  # U1 is an admin, but C1 is not C9
    (reply,) = fake.wait_for("chat.postMessage")
    assert "You can load files into Parity only in <#C9>." in reply.params["text"]
    assert fake.named("file.download") == []
    assert _snapshot_count(store) == before
    _share(send, fake, "cja.csv", GOOD, channel="C9", user="U2")  # not an admin, but in C9
    replies = fake.wait_for("chat.postMessage", 2)
    assert "stored CJA snapshot" in replies[1].params["text"]
    assert fake.named("users.info") == []


def test_user_allow_list_names_who_can(fake, slack_settings, store):
    locked = replace(slack_settings, ingest_users=frozenset({"U7", "U8"}))
    send = Sender(create_app(locked, client=make_client(locked), store=store))
    _share(send, fake, "cja.csv", GOOD)
    (reply,) = fake.wait_for("chat.postMessage")
    assert "Only <@U7>, <@U8> can load files into Parity." in reply.params["text"]


def test_a_mention_with_a_file_ingests_instead_of_answering(send, fake):
    fake.files["cja.csv"] = GOOD
    event = mention("here is the cja export", files=_shared("cja.csv")["files"])
    event["files"][0]["url_private_download"] = f"{fake.url}/files/cja.csv"
    send(event_body(event))
    (reply,) = fake.wait_for("chat.postMessage")
    assert "stored CJA snapshot" in reply.params["text"]
    time.sleep(0.2)
    assert len(fake.named("chat.postMessage")) == 1


WORKSPACE = (
    b"#=================================================================\n"
    b"# Weekly AJO check\n"
    b"# Data view: AJO Enabled Data View (prod)\n"
    b"# Date: Nov 27, 2026 - Nov 28, 2026\n"
    b"#=================================================================\n"
    b"\n"
    b"##############################################\n"
    b"# Welcome Series\n"
    b"##############################################\n"
    b",Sends (AJO)\n"
    b"Day,8210\n"
    b'"Nov 27, 2026",4000\n'
    b'"Nov 28, 2026",4210\n'
)


def test_a_product_export_needs_no_hint_even_when_its_name_says_otherwise(send, fake):
    _share(send, fake, "ajo numbers.csv", WORKSPACE, text="for Welcome Series")
    (reply,) = fake.wait_for("chat.postMessage")
    assert "✅ ajo numbers.csv: stored CJA snapshot" in reply.params["text"]
    assert "1 journey, 2 days (Nov 27 – Nov 28, 2026), metrics Sent" in reply.params["text"]


def test_where_these_numbers_come_from_names_the_file_and_who_shared_it(send, fake, store):
    _share(send, fake, "cja-export.csv", GOOD, text="fresh CJA numbers")
    fake.wait_for("chat.postMessage")
    send(event_body(mention("reconcile sent for welcome series nov 27 to nov 28")))
    _, answer = fake.wait_for("chat.postMessage", 2)
    answer_id = answer.params["blocks"][-1]["elements"][0]["value"]
    send(action_body("parity_sources", answer_id, message_ts="1700000000.000002"), form=True)
    *_, listed = fake.wait_for("chat.postMessage", 3)
    text = listed.params["blocks"][0]["text"]["text"]
    assert text.startswith("*Where these numbers come from* · Nov 27 – Nov 28, 2026")
    (line,) = [line for line in text.splitlines() if "cja-export.csv" in line]
    assert "CJA · captured " in line
    assert "cja-export.csv (wide CSV, sha256 " in line
    assert "loaded by <@U1> in <#C1> · 4 rows, 2 days (Nov 27 – Nov 28, 2026)" in line
    assert line.endswith("· 4 of the numbers here")  # Sent and its witness, Delivered
    assert "• #" in text
    assert "AJO" in text


def test_a_long_load_shows_one_message_edited_in_place_then_the_report(fake, slack_settings, store):
    """Past the working notice (0 s here), each step edits one message, escaped, and the
    report replaces it at the end: one post, no message per step, nothing secret."""
    eager = replace(slack_settings, working_notice_seconds=0.0)
    send = Sender(create_app(eager, client=make_client(eager), store=store))
    name = "<!channel> & co.csv"
    _share(send, fake, name, GOOD, text="fresh CJA numbers")
    updates = fake.wait_for("chat.update", 3)
    (posted,) = fake.named("chat.postMessage")
    assert posted.params["thread_ts"] == "1699999999.000300"
    assert posted.params["text"].startswith("⏳ &lt;!channel&gt; &amp; co.csv: downloading")
    ts = {u.params["ts"] for u in updates}
    assert len(ts) == 1  # every step edits the one message
    steps = [u.params["text"] for u in updates]
    assert f"reading {len(GOOD)} bytes" in steps[0]
    assert "storing 4 numbers" in steps[1]
    assert "stored CJA snapshot" in steps[2]
    for call in fake.named("chat.postMessage") + fake.named("chat.update"):
        shown = str(call.params)
        assert "<!channel>" not in shown
        assert "xoxb-test-token" not in shown
    assert fake.named("chat.postMessage") == [posted]
