"""The command line: watch, unwatch and alerts, and the checks after `ingest`, in one process
and in two at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import Store
from tests.builders import frame
from tests.handlers.conftest import fake  # noqa: F401 - the fake Slack
from tests.handlers.fake_slack import BOT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "C0ALERTS"
HEADER = "source,captured_at,journey,journey_id,action,channel,day,metric,value\n"


def _csv(path: Path, source: str, days, value: int, captured: str = "2026-11-21T14:00:00Z"):
    lines = [
        f"{source},{captured},Win-back Offer,,Offer,email,2026-11-{d:02d},clicks,{value}\n"
        for d in days
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return str(path)


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store.open(url)
    store.save(
        frame(*(
            {"source": "ajo", "captured_at": "2026-11-21T14:00:00Z", "journey": "Win-back Offer",
             "action": "Offer", "metric": "clicks", "day": f"2026-11-{d:02d}", "value": 400}
            for d in range(1, 21)
        )),
        "ajo.csv",
    )  # fmt: skip
    store.close()
    return url


def test_watch_list_and_unwatch_by_channel_id(url, capsys):
    assert main(["watch", "win back", "clicks", CHANNEL, "4", "--database-url", url]) == 0
    assert capsys.readouterr().out.startswith("✅ Watching Win-back Offer in #C0ALERTS: Clicks.")
    assert main(["watch", "--database-url", url]) == 0
    listed = capsys.readouterr().out
    assert "• #C0ALERTS: Win-back Offer · Clicks · beyond 4.0 %" in listed
    assert "Open alerts: none" in listed
    assert main(["unwatch", "win back", CHANNEL, "--database-url", url]) == 0
    assert capsys.readouterr().out.startswith("✅ #C0ALERTS no longer watches Win-back Offer")


def test_the_cli_names_channels_by_id_and_says_how_to_find_one(url, capsys):
    assert main(["watch", "win back", "#alerts", "--database-url", url]) == 2
    printed = capsys.readouterr().out
    assert "give the channel's id, such as C0123ABCD" in printed
    assert "Nothing was changed." in printed
    assert main(["watch", "win back", "--database-url", url]) == 2  # no channel on the CLI
    assert "Which channel?" in capsys.readouterr().out


def test_ingest_runs_the_checks_and_posts_the_alert(url, tmp_path, capsys, monkeypatch, fake):  # noqa: F811
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    main(["watch", "all", CHANNEL, "--database-url", url])
    capsys.readouterr()
    cja = _csv(tmp_path / "cja.csv", "cja", range(1, 21), 300)
    assert main(["ingest", cja, "--database-url", url, "--today", "2026-11-21"]) == 0
    printed = capsys.readouterr().out
    assert "stored CJA snapshot #2" in printed
    assert "🔔 Alert check of snapshot:2: 1 episode change(s)." in printed
    (alert,) = fake.wait_for("chat.postMessage")
    assert alert.params["channel"] == CHANNEL
    assert main(["alerts", "--database-url", url]) == 0
    assert "• Win-back Offer · unexplained gap in Clicks (#C0ALERTS), since Nov 1" in (
        capsys.readouterr().out
    )


def test_without_a_slack_token_the_alert_is_recorded_for_the_clock(url, tmp_path, capsys):
    main(["watch", "all", CHANNEL, "--database-url", url])
    cja = _csv(tmp_path / "cja.csv", "cja", range(1, 21), 300)
    assert main(["ingest", cja, "--database-url", url, "--today", "2026-11-21"]) == 0
    assert "recorded; SLACK_BOT_TOKEN is not set here, so the clock posts them" in (
        capsys.readouterr().out
    )
    store = Store.open(url)
    try:
        (episode,) = store.alerts.open_episodes()
        assert episode.message_ts is None
        assert [e.kind for e in store.alerts.undelivered(episode.opened_at)] == ["opened"]
    finally:
        store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_url")


def test_two_ingest_processes_opening_one_episode_post_one_alert(shared_url, tmp_path, fake):  # noqa: F811
    store = Store.open(shared_url)
    store.save(
        frame(*(
            {"source": "ajo", "captured_at": "2026-11-21T14:00:00Z", "journey": "Win-back Offer",
             "action": "Offer", "metric": "clicks", "day": f"2026-11-{d:02d}", "value": 400}
            for d in range(1, 21)
        )),
        "ajo.csv",
    )  # fmt: skip
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARITY_", "SLACK_"))}
    env.update(
        PYTHONPATH=str(ROOT), DATABASE_URL=shared_url, SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake.api_url, PARITY_TODAY="2026-11-21",
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "bot", "watch", "all", CHANNEL], env=env, cwd=ROOT, check=True,
        capture_output=True,
    )  # fmt: skip
    # Two CJA exports of different days, ingested at the same moment by two processes.
    files = [
        _csv(tmp_path / "first.csv", "cja", range(1, 11), 300),
        _csv(tmp_path / "second.csv", "cja", range(11, 21), 300, "2026-11-21T14:01:00Z"),
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ingest", name],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in files
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    top_level = [
        c for c in fake.named("chat.postMessage")
        if c.params["channel"] == CHANNEL and not c.params.get("thread_ts")
    ]  # fmt: skip
    assert len(top_level) == 1
    store = Store.open(shared_url)
    try:
        (episode,) = store.alerts.open_episodes()
        assert episode.figures[0].days == 20
    finally:
        store.close()


def test_a_journey_taken_by_name_leaves_the_all_channel_and_its_alert_is_resolved(
    url, tmp_path, capsys
):
    main(["watch", "all", CHANNEL, "--database-url", url])
    main(["ingest", _csv(tmp_path / "c.csv", "cja", range(1, 21), 300), "--database-url", url,
          "--today", "2026-11-21"])  # fmt: skip
    capsys.readouterr()
    assert main(["watch", "win back", "C0OWNER", "--database-url", url]) == 0
    printed = capsys.readouterr().out
    assert "Resolved 1 open alert whose channel no longer hears about the journey" in printed
    store = Store.open(url)
    try:
        assert store.alerts.open_episodes() == []
    finally:
        store.close()
