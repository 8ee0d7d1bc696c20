"""The command line end to end, as a person runs it, in a temporary folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-29"


def parity(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PARITY_", "DATABASE_URL"))
    }
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    result = parity("demo", "--today", TODAY, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def test_demo_answers_the_sent_question(demo_dir):
    result = parity("demo", "--today", TODAY, "--json", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    sent = answer["metrics"][0]
    assert answer["intent"] == "reconcile"
    assert answer["query"] == {
        "metrics": ["sent"],
        "journeys": [],
        "start": "2026-10-31",
        "end": "2026-11-29",
        "read_as": "Sent · all journeys · Oct 31 – Nov 29, 2026 (no dates asked: the last 30 days)",
        "ignored": [],
        "compare": None,
        "breakdown": None,
        "chart": False,
        "unclear": [],
    }
    assert sent["causes"]["processing_lag"] > 0
    assert sent["causes"]["retries"] > 0
    assert sent["causes"]["datasource"] > 0
    assert sum(sent["causes"].values()) == sent["delta"] == sent["ajo"] - sent["cja"]
    assert sent["safe_range"]["end"] == "2026-11-26"  # under 0.5 % still queued after 3 days
    # The second run found the same content and stored nothing new.
    assert "(0 new snapshots)" in result.stdout


def test_demo_text_leads_with_the_verdict_and_ends_with_the_safe_range(demo_dir):
    result = parity("demo", "--today", TODAY, cwd=demo_dir)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    answer = lines[lines.index("> why don't Sent numbers match?") + 1 :]
    assert answer[0].startswith("✅ Sent: the gap of ")
    assert any("processing lag" in line for line in answer)
    safe = next(line for line in answer if "Safe range for Sent" in line)
    assert "Oct 31 – Nov 26, 2026" in safe
    # The follow-up lines name the interpreter that ran the demo, so they work pasted.
    follow_up = next(line for line in lines if "-m bot ask" in line)
    assert f"{sys.executable} -m bot ask" in follow_up


def test_ask_reads_questions_from_stdin_one_json_per_line(demo_dir):
    questions = "why don't sent numbers match?\nwhat is the weather\n\nstatus\n"
    result = parity(
        "ask", "-", "--json", "--today", TODAY, cwd=demo_dir,
        stdin=questions, env={"DATABASE_URL": "sqlite:///parity-demo.db"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    # One line out per line in, the empty one included: outputs stay aligned.
    assert [a.get("intent") for a in answers] == ["reconcile", "unknown", None, "status"]
    assert answers[2] == {}
    assert answers[1]["metrics"] == []
    assert "I did not understand" in answers[1]["text"]
    assert [s["source"] for s in answers[3]["sources"]] == ["ajo", "cja"]


def test_ask_writes_the_chart_it_was_asked_for(demo_dir, tmp_path):
    chart = tmp_path / "sent.png"
    result = parity(
        "ask", "chart of sent last week", "--chart", str(chart), "--today", TODAY, cwd=demo_dir,
        env={"DATABASE_URL": "sqlite:///parity-demo.db"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "Read as: Sent · all journeys · Nov 16 – Nov 22, 2026 · chart" in result.stdout


def test_ingest_then_ask_then_status(tmp_path):
    csv = tmp_path / "both.csv"
    csv.write_text(
        "source,captured_at,journey,journey_id,action,channel,day,metric,value\n"
        'ajo,2026-11-29T08:00:00Z,Welcome Series,jo-1,Welcome,email,2026-11-10,sent,"1,000"\n'
        "cja,2026-11-29T08:00:00Z,Welcome Series,,Welcome,email,2026-11-10,sent,990\n",
        encoding="utf-8",
    )
    stored = parity("ingest", str(csv), cwd=tmp_path)
    assert stored.returncode == 0, stored.stderr
    assert "stored AJO snapshot #1 (1 rows)" in stored.stdout
    assert "numbers" not in stored.stderr  # no progress bar where stderr is not a terminal
    again = parity("ingest", str(csv), cwd=tmp_path)
    assert "already holds the same numbers; nothing to do" in again.stdout

    asked = parity("ask", "reconcile sent in november", "--json", "--today", TODAY, cwd=tmp_path)
    metric = json.loads(asked.stdout)["metrics"][0]
    assert (metric["ajo"], metric["cja"], metric["causes"]["datasource"]) == (1000, 990, 10)

    status = parity("status", "--today", TODAY, cwd=tmp_path)
    assert "AJO: 1 snapshot, 1 rows" in status.stdout
    assert (tmp_path / "parity.db").exists()


def test_bad_file_stores_nothing_and_exits_non_zero(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("journey,day,metric,value\nWelcome,2026-11-10,sent,5\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "journey,day,metric,value\nWelcome,2026-11-10,sent,5\nWelcome,2026-11-11,sent,lots\n",
        encoding="utf-8",
    )
    result = parity("ingest", str(bad), str(good), "--source", "ajo", cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.csv, line 3, column 'value'" in result.stdout
    assert "good.csv: stored AJO snapshot #1" in result.stdout
    status = parity("status", cwd=tmp_path)
    assert "AJO: 1 snapshot, 1 rows" in status.stdout


def test_dates_that_fit_both_orders_ask_for_date_order(tmp_path):
    csv = tmp_path / "day-first.csv"
    csv.write_text("Day;Journey;Sends\n05.11.2026;W;1.000\n", encoding="utf-8")
    slashed = tmp_path / "slashed.csv"
    slashed.write_text("Day,Journey,Sends\n05/11/2026,W,7\n06/11/2026,W,8\n", encoding="utf-8")

    asked = parity("ingest", str(slashed), "--source", "cja", cwd=tmp_path)
    told = parity("ingest", str(slashed), "--source", "cja", "--date-order", "dmy", cwd=tmp_path)
    dotted = parity("ingest", str(csv), "--source", "ajo", cwd=tmp_path)

    assert asked.returncode == 1
    assert "give --date-order dmy (day first) or --date-order mdy" in asked.stdout
    assert told.returncode == 0, told.stdout
    assert "1 journey, 2 days (Nov 5 – Nov 6, 2026)" in told.stdout
    assert dotted.returncode == 0, dotted.stdout
    assert "stored AJO snapshot #2 (1 rows)" in dotted.stdout


def test_asking_an_empty_store_explains_what_to_do(tmp_path):
    result = parity("ask", "why don't sent numbers match", cwd=tmp_path)
    assert result.returncode == 0
    assert "Nothing is stored yet" in result.stdout


def test_invalid_configuration_names_every_variable(tmp_path):
    result = parity(
        "status", cwd=tmp_path, env={"PARITY_TIMEZONE": "Mars/Olympus", "PARITY_LAG_DAYS": "0"}
    )
    assert result.returncode == 2
    assert "PARITY_TIMEZONE" in result.stderr
    assert "PARITY_LAG_DAYS" in result.stderr


def test_chat_answers_until_quit(demo_dir):
    result = parity(
        "chat", "--today", TODAY, cwd=demo_dir,
        stdin="status\nwhich dates are safe for sent?\nand for opens?\nquit\n",
        env={"DATABASE_URL": "sqlite:///parity-demo.db"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("parity> ") == 4
    assert "Parity status" in result.stdout
    assert "Safe range for Sent: Oct 31 – Nov 26, 2026" in result.stdout
    # The follow-up kept the intent of the question before it.
    assert "Read as: safe range · Opens · all journeys" in result.stdout


def test_serve_without_slack_configuration_names_what_is_missing(tmp_path):
    result = parity("serve", "--http", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in result.stderr


def test_an_answer_says_which_snapshots_and_files_its_numbers_come_from(tmp_path):
    csv = tmp_path / "ajo-week.csv"
    csv.write_text(
        "source,captured_at,journey,journey_id,action,channel,day,metric,value\n"
        "ajo,2026-11-29T08:00:00Z,Welcome Series,,Welcome,email,2026-11-10,sent,1000\n"
        "ajo,2026-11-29T08:00:00Z,Welcome Series,,Welcome,email,2026-11-11,sent,1100\n"
        "cja,2026-11-29T08:00:00Z,Welcome Series,,Welcome,email,2026-11-10,sent,990\n",
        encoding="utf-8",
    )
    dana = {"LOGNAME": "dana"}  # the account that ran the command, as getpass reads it
    loaded = parity("ingest", str(csv), "--journey", "Welcome Series", cwd=tmp_path, env=dana)
    assert loaded.returncode == 0
    asked = parity("ask", "reconcile sent in november", "--json", "--today", TODAY, cwd=tmp_path)
    sources = json.loads(asked.stdout)["sources"]
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert [(s["source"], s["numbers"], s["rows"], s["days"]) for s in sources] == [
        ("ajo", 2, 2, 2),
        ("cja", 1, 1, 1),
    ]
    for source in sources:
        assert source["file"] == "ajo-week.csv"
        assert source["file_sha256"] == digest
        assert source["format"] == "long CSV"
        assert source["loaded_by"] == "python -m bot ingest --journey Welcome Series (dana)"
        assert source["captured_at"] == "2026-11-29T08:00:00+00:00"
    unknown = parity("ask", "reconcile opens in november", "--json", "--today", TODAY, cwd=tmp_path)
    assert "sources" not in json.loads(unknown.stdout)  # no stored numbers, no sources
