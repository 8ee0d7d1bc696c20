"""Alerts in Slack: /parity watch|unwatch (members only), an export shared in a channel
alerting the watching channel, the alert's buttons, and /parity refresh with its button."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from urllib.parse import quote

import pytest

from bot.app import create_app
from bot.slack.client import make_client
from tests.builders import frame
from tests.handlers.conftest import NOW, Sender
from tests.handlers.fake_slack import BOT_USER
from tests.handlers.slack_requests import action_body, command_body, event_body, mention

ALERTS = "C0ALERTS"
LATER = "2026-11-29T15:00:00Z"  # after the demo store's last capture


def _said(fake, count: int = 1) -> list[str]:
    """What the slash command's replies said (through its response_url), in full."""
    return [_text(c) for c in fake.wait_for("response_url", count)]


def _text(call) -> str:
    blocks = call.params.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return "\n".join(b["text"]["text"] for b in blocks if b.get("type") == "section")


def _command(send, fake, text: str, channel: str = "C1"):
    send(command_body(text, fake.response_url(), channel=channel), form=True)


def test_a_member_sets_a_watch_and_lists_it(send, fake, store):
    fake.members[ALERTS] = {"U7", "U1", BOT_USER}
    _command(send, fake, f"watch win-back clicks <#{ALERTS}|alerts> 5%")
    (reply,) = _said(fake)
    assert reply.startswith("✅ Watching *Win-back Offer* in <#C0ALERTS>")
    (watch,) = store.alerts.watches()
    assert (watch.channel_id, watch.journey, watch.metrics, watch.threshold_pct) == (
        ALERTS, "Win-back Offer", ("clicks",), 5.0
    )  # fmt: skip
    _command(send, fake, "watch")
    assert "• <#C0ALERTS>: Win-back Offer · Clicks · beyond 5.0 %" in _said(fake, 2)[1]


def test_only_members_change_a_channels_watches(send, fake, store):
    fake.members[ALERTS] = {"U7", BOT_USER}  # U1, who asks, is not in it
    _command(send, fake, f"watch all <#{ALERTS}|alerts>")
    (reply,) = _said(fake)
    assert reply == "⚠️ Only members of <#C0ALERTS> can change its alerts there."
    assert store.alerts.watches() == []


def test_a_channel_parity_is_not_in_is_refused_with_what_to_do(send, fake, store):
    fake.members["C0QUIET"] = {"U1"}
    _command(send, fake, "watch all <#C0QUIET|quiet>")
    fake.hidden.add("C0SECRET")
    _command(send, fake, "watch all <#C0SECRET|secret>")
    replies = sorted(_said(fake, 2))
    assert "I am not in <#C0QUIET>, so I cannot change its alerts there. Invite me" in replies[0]
    assert "I cannot see <#C0SECRET>" in replies[1]
    assert store.alerts.watches() == []


def test_unwatch_defaults_to_the_channel_it_is_typed_in(send, fake, store):
    _command(send, fake, "watch all", channel=ALERTS)
    _said(fake)
    _command(send, fake, "unwatch all", channel=ALERTS)
    replies = _said(fake, 2)
    assert replies[1].startswith("✅ <#C0ALERTS> no longer watches every journey")
    assert store.alerts.watches() == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("watch nobody-here <#C0ALERTS|alerts>", "No stored journey matches 'nobody-here'"),
        ("watch win-back <#C0ALERTS|a> <#C0OTHER|b>", "Name one channel, not 2"),
        ("watch win-back <#C0ALERTS|alerts> 250", "is not a percentage between 0 and 100"),
        ("watch win-back #alerts", "I cannot tell which channel '#alerts' is"),
    ],
)
def test_a_watch_that_cannot_be_read_changes_nothing_and_says_why(send, fake, store, text, says):
    _command(send, fake, text)
    (reply,) = _said(fake)
    assert says in reply
    assert "Nothing was changed." in reply
    assert store.alerts.watches() == []


def _spring_sale(source: str, days=range(10, 23)) -> list[str]:
    """Canonical CSV lines of a journey the demo does not have: 1,000 delivered a day."""
    return [
        f"{source},{LATER},Spring Sale,,Offer,email,2026-11-{day:02d},delivered,1000"
        for day in days
    ]


LOST = (14, 15, 16)  # the days CJA's export lacks


def _share_export(send, fake, channel: str = "C1"):
    """One export with both products' numbers for Spring Sale; CJA lacks three days."""
    fake.admins.add("U1")  # the sharer may load files
    lines = ["source,captured_at,journey,journey_id,action,channel,day,metric,value"]
    lines += _spring_sale("ajo") + _spring_sale("cja", [d for d in range(10, 23) if d not in LOST])
    name = "spring-sale.csv"
    fake.files[name] = ("\n".join(lines) + "\n").encode()
    event = {
        "type": "message", "subtype": "file_share", "channel": channel, "channel_type": "channel",
        "user": "U1", "text": "", "ts": "1699999999.000300",
        "files": [{"id": "F1", "name": name, "filetype": "csv", "size": 100,
                   "url_private_download": f"{fake.url}/files/{quote(name)}"}],
    }  # fmt: skip
    send(event_body(event))


def _posted_episode(store):
    """The open episode, once its delivery has recorded where its message is."""
    for _ in range(100):
        (episode,) = store.alerts.open_episodes()
        if episode.message_ts is not None:
            return episode
        time.sleep(0.1)
    raise AssertionError("the alert's message was never recorded")


def _alerted(send, fake, store):
    """Watch all journeys in #alerts, share the export elsewhere: the alert in #alerts."""
    store.alerts.save_watch(
        channel_id=ALERTS, journey="", metrics=(), threshold_pct=None, user="U1", now=NOW
    )
    _share_export(send, fake)
    posts = fake.wait_for("chat.postMessage", 2)
    return next(p for p in posts if p.params["channel"] == ALERTS)


def test_an_export_shared_in_slack_alerts_the_watching_channel(send, fake, store):
    alert = _alerted(send, fake, store)
    text = _text(alert)
    assert "*Spring Sale*: missing data in Delivered, since Nov 14" in text
    assert "3,000 missing in CJA" in text
    assert "CJA has no rows for Spring Sale on Nov 14 – Nov 16 where AJO has 3,000" in text
    buttons = [e["text"]["text"] for e in alert.params["blocks"][-1]["elements"]]
    assert buttons == ["By day", "Chart", "Mute for a week", "Acknowledge", "Resolve"]
    ingest_reply = next(p for p in fake.named("chat.postMessage") if p.params["channel"] == "C1")
    assert "stored AJO snapshot" in ingest_reply.params["text"]
    episode = _posted_episode(store)
    assert episode.answer_id is not None


def test_by_day_on_an_alert_shows_the_episodes_days(send, fake, store):
    alert = _alerted(send, fake, store)
    by_day = next(
        e for e in alert.params["blocks"][-1]["elements"] if e["text"]["text"] == "By day"
    )
    send(action_body("parity_by_day", by_day["value"], message_ts="1700000000.000002"), form=True)
    reply = fake.wait_for("chat.postMessage", 3)[-1]
    assert reply.params["thread_ts"] == "1700000000.000002"
    assert _text(reply).startswith("*Delivered by day* · Nov 14 – Nov 16, 2026")
    assert "• Nov 15: AJO 1,000 · CJA 0 · gap 1,000 — missing data 1,000" in _text(reply)


@pytest.mark.parametrize(
    ("button", "edited", "line"),
    [
        ("parity_alert_acknowledge", "👀 Acknowledged by <@U1>", "👀 Acknowledged by <@U1>"),
        ("parity_alert_mute", "🔕 Muted by <@U1> until Dec 6", "🔕 Muted by <@U1> until Dec 6"),
        ("parity_alert_resolve", "✅ Resolved by <@U1> on Nov 29", "✅ Resolved by <@U1>."),
    ],
)
def test_the_alert_buttons_edit_the_message_and_tell_the_thread(
    send, fake, store, button, edited, line
):
    alert = _alerted(send, fake, store)
    episode = _posted_episode(store)
    value = next(
        e["value"] for e in alert.params["blocks"][-1]["elements"] if e["action_id"] == button
    )
    assert value == str(episode.id)
    send(action_body(button, value, message_ts=episode.message_ts, channel=ALERTS), form=True)
    (update,) = fake.wait_for("chat.update")
    assert update.params["ts"] == episode.message_ts
    assert edited in _text(update)
    told = fake.wait_for("chat.postMessage", 3)[-1]
    assert told.params["thread_ts"] == episode.message_ts
    assert _text(told).startswith(line)


def _refreshing_app(slack_settings, store, clock, pulled: list):
    """An app whose CJA pull (a stub) fetches Spring Sale without three days; AJO has them."""
    store.save(frame(*(
        {"source": "ajo", "captured_at": LATER, "journey": "Spring Sale", "action": "Offer",
         "metric": "delivered", "day": f"2026-11-{d:02d}", "value": 1000}
        for d in range(10, 23)
    )), "ajo.csv")  # fmt: skip

    def pull_cja(settings, store, since, until, now):
        pulled.append((since, until))
        rows = frame(*(
            {"source": "cja", "captured_at": LATER, "journey": "Spring Sale", "action": "Offer",
             "metric": "delivered", "day": f"2026-11-{d:02d}", "value": 1000}
            for d in range(10, 23) if d not in LOST
        ))  # fmt: skip
        return store.save(rows, "stub CJA pull")

    settings = replace(slack_settings, pulls={"cja": "0 6 * * *"})
    app = create_app(
        settings, client=make_client(settings), store=store, clock=clock, pulls={"cja": pull_cja}
    )
    return Sender(app)


def _until(fake, words: str) -> list:
    """The response_url messages up to the first that says `words`."""
    for _ in range(100):
        said = fake.named("response_url")
        for index, call in enumerate(said):
            if words in _text(call):
                return said[: index + 1]
        time.sleep(0.1)
    raise AssertionError(
        f"no reply said {words!r}: {[_text(c) for c in fake.named('response_url')]}"
    )


def test_refresh_without_a_configured_pull_says_so(send, fake):
    _command(send, fake, "refresh cja")
    (reply,) = _said(fake)
    assert reply.startswith("⚠️ No pull is configured for CJA (PARITY_PULLS)")


def test_refresh_pulls_once_shows_progress_in_place_and_checks_alerts(
    slack_settings, store, clock, fake
):
    pulled: list = []
    send = _refreshing_app(slack_settings, store, clock, pulled)
    store.alerts.save_watch(
        channel_id=ALERTS, journey="", metrics=(), threshold_pct=None, user="U1", now=NOW
    )
    _command(send, fake, "refresh")
    alert = next(c for c in fake.wait_for("chat.postMessage") if c.params["channel"] == ALERTS)
    assert "Spring Sale" in _text(alert)
    progress = _until(fake, "Checked the new numbers for alerts")
    assert "pulling the latest numbers" in _text(progress[0])
    assert progress[0].params["replace_original"] is False
    assert all(p.params["replace_original"] for p in progress[1:])  # one message, edited
    assert "snapshot #12" in _text(progress[-1])
    assert len(pulled) == 1

    # Again a minute later: a polite refusal, and no second pull.
    _command(send, fake, "refresh cja")
    last = _until(fake, "as fresh as it gets")[-1]
    assert "pulling" not in _text(last)
    assert len(pulled) == 1


def test_the_refresh_button_answers_the_question_again_on_the_new_snapshot(
    slack_settings, store, clock, fake
):
    pulled: list = []
    send = _refreshing_app(slack_settings, store, clock, pulled)
    send(event_body(mention("why don't delivered numbers match for spring sale?")))
    (answer,) = fake.wait_for("chat.postMessage")
    buttons = answer.params["blocks"][-1]["elements"]
    refresh = next(b for b in buttons if b["action_id"] == "parity_refresh")
    send(action_body("parity_refresh", refresh["value"], message_ts="1700000000.000001"), form=True)
    _, progress, again = fake.wait_for("chat.postMessage", 3)
    assert progress.params["thread_ts"] == "1700000000.000001"
    assert "pulling" in _text(progress)
    edits = fake.named("chat.update")
    assert edits
    assert all(e.params["ts"] == progress.params.get("ts", edits[0].params["ts"]) for e in edits)
    assert again.params["thread_ts"] == "1700000000.000001"
    assert "missing data" in _text(again)  # answered on what the pull brought
    assert len(pulled) == 1


def test_app_home_lists_the_open_alerts(send, fake, store):
    _alerted(send, fake, store)
    _posted_episode(store)
    send(event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}))
    (publish,) = fake.wait_for("views.publish")
    texts = "\n".join(
        b["text"]["text"] for b in publish.params["view"]["blocks"] if b["type"] == "section"
    )
    assert "*Open alerts*" in texts
    assert "• Spring Sale · missing data in Delivered (<#C0ALERTS>), since Nov 14" in texts


def test_unwatching_resolves_the_channels_open_alerts_and_edits_them(send, fake, store):
    _alerted(send, fake, store)
    episode = _posted_episode(store)
    fake.members[ALERTS] = {"U1", BOT_USER}
    _command(send, fake, "unwatch all", channel=ALERTS)
    (reply,) = _said(fake)
    assert "Resolved 1 open alert whose channel no longer hears about the journey" in reply
    assert "Spring Sale (<#C0ALERTS>)" in reply
    (update,) = fake.wait_for("chat.update")
    assert update.params["ts"] == episode.message_ts
    assert "✅ Resolved by <@U1>" in _text(update)
    assert store.alerts.open_episodes() == []


def test_dropping_the_snapshots_that_opened_an_alert_checks_their_days_again(send, fake, store):
    _alerted(send, fake, store)
    snapshots = [s for s in store.snapshot_list(5) if s.file_name == "spring-sale.csv"]
    url = fake.response_url("drop")
    before = len(fake.named("response_url"))
    for snapshot in snapshots:  # the export held both products: one snapshot each
        send(action_body("parity_snapshot_drop", str(snapshot.id), ephemeral=True,
                         response_url=url), form=True)  # fmt: skip
    fake.wait_for("response_url", before + len(snapshots))
    for snapshot in snapshots:
        for _ in range(100):  # the check runs after the reply
            run = store.scheduling.run("alerts:check", f"drop1:{snapshot.id}")
            if run is not None and run.status == "posted":
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"no alert check after dropping #{snapshot.id}")
