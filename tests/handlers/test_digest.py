"""/parity digest through the real App: set, off, list, preview, and refusals that say why."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import jobs
from bot.clock import process as schedule
from bot.query import Query
from bot.slack.client import make_client
from bot.store.runs import digest_key
from bot.timing import Clock
from tests.handlers.slack_requests import action_body, command_body, event_body

MONDAY_NINE_BERLIN = datetime(2026, 11, 30, 8, 0, 20, tzinfo=UTC)


def _command(send, fake, text: str) -> dict:
    send(command_body(text, fake.response_url()), form=True)
    (reply,) = fake.wait_for("response_url")
    return reply.params


def test_a_schedule_set_in_slack_is_saved_and_confirmed(send, fake, store):
    reply = _command(send, fake, "digest set <#C0WEEKLY|marketing-ops> mon 09:00 Europe/Berlin")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == ("✅ Weekly digest set for <#C0WEEKLY>: Mondays 09:00 Europe/Berlin.")
    (stored,) = store.scheduling.schedules()
    assert (stored.channel_id, stored.weekday, stored.hour, stored.timezone, stored.created_by) == (
        "C0WEEKLY",
        0,
        9,
        "Europe/Berlin",
        "U1",
    )


def test_a_schedule_added_from_slack_is_picked_up_by_the_running_clock(
    send, fake, store, slack_settings
):
    runtime = jobs.Runtime(
        slack_settings, store, make_client(slack_settings), {}, Clock.fixed(MONDAY_NINE_BERLIN)
    )
    clock = schedule.ClockProcess(runtime, BackgroundScheduler(timezone=UTC))
    clock.start(paused=True)
    try:
        clock.sweep(datetime(2026, 11, 27, tzinfo=UTC))
        assert clock.scheduler.get_job(digest_key("C0WEEKLY")) is None
        _command(send, fake, "digest set <#C0WEEKLY|marketing-ops> mon 09:00 Europe/Berlin")
        clock.sweep(datetime(2026, 11, 27, 0, 1, tzinfo=UTC))  # the next sweep, no restart
        job = clock.scheduler.get_job(digest_key("C0WEEKLY"))
        assert str(job.trigger) == "cron[day_of_week='mon', hour='9', minute='0']"
        schedule.digest_job("C0WEEKLY")  # what APScheduler calls on Monday at 09:00 Berlin
    finally:
        clock.stop()
    posts = [c for c in fake.named("chat.postMessage") if c.params["channel"] == "C0WEEKLY"]
    assert posts[0].params["blocks"][0]["text"]["text"] == (
        "Parity weekly digest · Nov 23 – Nov 29, 2026"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("digest set <#C0WEEKLY|ops> mon 09:00 EST", "'EST' is an abbreviation"),
        ("digest set <#C0WEEKLY|ops> mon 09:00 +02:00", "'+02:00' is an offset, not a time zone"),
        ("digest set <#C0WEEKLY|ops> mon 09:00 Mars/Olympus", "'Mars/Olympus' is not an IANA"),
        ("digest set #ops mon 09:00 Europe/Berlin", "I cannot tell which channel '#ops' is"),
        ("digest set <@U123|ana> mon 09:00 UTC", "'&lt;@U123|ana&gt;' is not a channel"),
        ("digest set <#C0WEEKLY|ops> someday 09:00 UTC", "'someday' is not a day of the week"),
        ("digest set <#C0WEEKLY|ops> mon 9 UTC", "'9' is not a time of day"),
        ("digest set <#C0WEEKLY|ops> mon 09:00", "a schedule is a day, a time and a time zone"),
        ("digest sometimes", "'sometimes' is not something I can do with digests"),
    ],
)
def test_invalid_schedules_are_refused_with_a_clear_reply_and_nothing_saved(
    send, fake, store, text, why
):
    reply = _command(send, fake, text)
    assert reply["text"].startswith("⚠️ ")
    assert why in reply["text"]
    assert "Nothing was changed." in json.dumps(reply["blocks"], ensure_ascii=False)
    assert store.scheduling.schedules() == []


def test_digest_lists_the_schedules_with_their_next_run_and_off_stops_one(send, fake, store):
    _command(send, fake, "digest set <#C0WEEKLY|ops> fri 17:30 America/New_York skip-unchanged")
    fake.calls.clear()
    listed = json.dumps(_command(send, fake, "digest")["blocks"], ensure_ascii=False)
    assert "• <#C0WEEKLY>: Fridays 17:30 America/New_York; next Fri " in listed
    assert "skipped when nothing changed" in listed
    assert "no clock has ever run" in listed
    fake.calls.clear()
    assert _command(send, fake, "digest off")["text"] == (
        "There was no weekly digest in <#C1>; nothing changed."
    )
    fake.calls.clear()
    assert _command(send, fake, "digest off <#C0WEEKLY|ops>")["text"] == (
        "✅ No more weekly digests in <#C0WEEKLY>."
    )
    assert store.scheduling.schedules() == []


def test_preview_shows_this_weeks_digest_to_the_person_only(send, fake):
    send(command_body("digest preview", fake.response_url()), form=True)
    (first,) = fake.wait_for("response_url")
    assert first.params["response_type"] == "ephemeral"
    blocks = first.params["blocks"]
    # TODAY is Sunday Nov 29: the last full week is Nov 16 - Nov 22.
    assert blocks[0]["text"]["text"] == "Parity weekly digest · Nov 16 – Nov 22, 2026"
    assert [e["text"]["text"] for e in blocks[-1]["elements"]] == [
        "By journey",
        "By day",
        "Chart",
        "Post to channel",
        "Re-run",
    ]
    assert "Largest unexplained gaps" in json.dumps(blocks, ensure_ascii=False)
    assert fake.named("chat.postMessage") == []


def test_app_home_shows_the_schedules_their_next_run_and_the_clock(send, fake):
    _command(send, fake, "digest set <#C0WEEKLY|ops> mon 09:00 Europe/Berlin")
    send(event_body({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}))
    (publish,) = fake.wait_for("views.publish")
    texts = [b["text"]["text"] for b in publish.params["view"]["blocks"] if b["type"] == "section"]
    assert "⚠️ *Clock*: no clock has ever run, so digests and pulls wait" in texts[0]
    (digests,) = [t for t in texts if t.startswith("*Weekly digests and pulls*")]
    assert "• <#C0WEEKLY>: Mondays 09:00 Europe/Berlin; next Mon " in digests


def test_the_digests_buttons_drill_into_its_week_and_post_it_whole(send, fake, store):
    week = Query("digest", date(2026, 11, 16), date(2026, 11, 22))
    answer_id = store.save_answer(
        user_id="", channel_id="C1", question="weekly digest", query=week, headline="digest"
    )
    send(action_body("parity_by_journey", str(answer_id)), form=True)
    (breakdown,) = fake.wait_for("chat.postMessage")
    assert breakdown.params["text"].startswith("*Sent by journey* · Nov 16 – Nov 22, 2026")
    fake.calls.clear()
    send(action_body("parity_post", str(answer_id)), form=True)
    (posted,) = fake.wait_for("chat.postMessage")
    assert posted.params["channel"] == "C1"
    assert posted.params["blocks"][0]["text"]["text"] == (
        "Parity weekly digest · Nov 16 – Nov 22, 2026"
    )
