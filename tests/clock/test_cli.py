"""python -m bot digest and clock, end to end, as a person (or cron) runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.handlers.conftest import fake  # noqa: F401 - the fake Slack Web API
from tests.handlers.fake_slack import BOT_TOKEN
from tests.test_cli import demo_dir, parity  # noqa: F401 - the demo store, built once

DEMO_DB = {"DATABASE_URL": "sqlite:///parity-demo.db"}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_dry_run_prints_the_digest_of_the_past_full_week(demo_dir):  # noqa: F811
    result = parity(
        "digest", "--channel", "C0ABC", "--dry-run", "--today", "2026-11-30",
        cwd=demo_dir, env=DEMO_DB,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[1]
        == "Week of Nov 23 – Nov 29, 2026 · all journeys, compared with Nov 16 – Nov 22, 2026."
    )
    assert "Largest unexplained gaps" in lines
    assert "Freshness" in lines
    as_json = parity(
        "digest", "--dry-run", "--json", "--today", "2026-11-30", cwd=demo_dir, env=DEMO_DB
    )
    answer = json.loads(as_json.stdout)
    assert answer["intent"] == "digest"
    assert answer["query"]["start"] == "2026-11-23"
    assert answer["digest"]["previous_week"] == {"start": "2026-11-16", "end": "2026-11-22"}
    assert [s["source"] for s in answer["digest"]["sources"]] == ["ajo", "cja"]


def test_schedules_are_set_listed_refused_and_turned_off(tmp_path: Path):
    made = parity("digest", "set", "C0ABC", "mon", "09:00", "Europe/Berlin", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("✅ Weekly digest set for #C0ABC: Mondays 09:00 Europe/Berlin.")
    refused = parity("digest", "set", "C0DEF", "mon", "09:00", "+02:00", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stdout.startswith("⚠️ '+02:00' is an offset, not a time zone")
    listed = parity("digest", "list", cwd=tmp_path)
    assert "• #C0ABC: Mondays 09:00 Europe/Berlin; next Mon " in listed.stdout
    assert "C0DEF" not in listed.stdout
    off = parity("digest", "off", "C0ABC", cwd=tmp_path)
    assert off.stdout == "✅ No more weekly digests in #C0ABC.\n"


def test_a_clock_that_cannot_post_records_the_failure_and_status_shows_it(tmp_path: Path):
    # Times relative to the real clock: status reads recent problems as of now.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    due = now - timedelta(minutes=1)
    parity(
        "digest", "set", "C0ABC", DAYS[due.weekday()], f"{due:%H:%M}", "UTC",
        "--now", (now - timedelta(days=1)).isoformat(), cwd=tmp_path,
    )  # fmt: skip
    swept = parity("clock", "--once", "--now", now.isoformat(), cwd=tmp_path)
    assert swept.returncode == 1, swept.stderr  # cron sees the failed run
    week = f"{due.isocalendar().year}-W{due.isocalendar().week:02d}"
    assert swept.stdout == (
        f"digest:C0ABC {week} failed: SLACK_BOT_TOKEN is not set, so the clock cannot post "
        "digests.\n"
    )
    status = parity("status", cwd=tmp_path)
    assert (
        f"• ❌ digest for #C0ABC ({week}, due {due:%a %b} {due.day}, {due:%H:%M} UTC) failed "
        "after 1 attempt: SLACK_BOT_TOKEN is not set"
    ) in status.stdout
    # The --once clock has exited: its beat is a last sweep, not a running clock.
    assert f"⚠️ Clock: not running; last sweep at {now:%a %b} {now.day}, {now:%H:%M} UTC" in (
        status.stdout
    )
    assert "Clock: running" not in status.stdout
    again = parity(
        "clock", "--once", "--now", (now + timedelta(minutes=5)).isoformat(), cwd=tmp_path
    )
    assert again.stdout == f"digest:C0ABC {week} busy\n"
    assert again.returncode == 0  # nothing failed in this sweep


def test_cli_refusals_name_channels_by_id_never_slacks_picker(tmp_path: Path):
    for words in (("set", "#marketing", "mon", "09:00", "UTC"), ("off", "marketing"), ("bogus",)):
        refused = parity("digest", *words, cwd=tmp_path)
        assert refused.returncode == 2
        assert "Slack's list" not in refused.stdout
        assert "/parity" not in refused.stdout
        assert "python -m bot digest set CHANNEL_ID" in refused.stdout
    assert "C0123ABCD" in parity("digest", "off", "#marketing", cwd=tmp_path).stdout


def test_posting_now_from_the_cli_counts_as_the_weeks_digest(demo_dir, fake):  # noqa: F811
    env = {**DEMO_DB, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.api_url}
    post = ("digest", "--channel", "C0CLI", "--now", "2026-11-30T10:00:00+01:00")
    first = parity(*post, cwd=demo_dir, env=env)
    assert first.stdout == "Posted the digest in C0CLI (2026-W49).\n", first.stderr
    second = parity(*post, cwd=demo_dir, env=env)
    assert second.stdout == "C0CLI already has (or is getting) its digest for 2026-W49.\n"
    (posted,) = [c for c in fake.named("chat.postMessage") if not c.params.get("thread_ts")]
    assert posted.params["channel"] == "C0CLI"
    assert posted.params["blocks"][0]["text"]["text"] == (
        "Parity weekly digest · Nov 23 – Nov 29, 2026"
    )
