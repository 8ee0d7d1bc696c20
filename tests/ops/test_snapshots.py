"""python -m bot snapshots list|show|drop|undo, as a person runs it."""

from __future__ import annotations

import json

from tests.test_cli import TODAY, parity

HEADER = "source,captured_at,journey,journey_id,action,channel,day,metric,value\n"


def _write(folder, name: str, rows: list[str]):
    path = folder / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_drop_and_undo_from_the_command_line(tmp_path):
    first = _write(tmp_path, "monday.csv", [
        "ajo,2026-11-23T08:00:00Z,Welcome Series,,Welcome,email,2026-11-20,sent,1000",
        "cja,2026-11-23T08:00:00Z,Welcome Series,,Welcome,email,2026-11-20,sent,990",
    ])  # fmt: skip
    wrong = _write(tmp_path, "wrong.csv", [
        "ajo,2026-11-24T08:00:00Z,Welcome Series,,Welcome,email,2026-11-20,sent,5000",
    ])  # fmt: skip
    env = {"LOGNAME": "dana"}
    assert parity("ingest", str(first), cwd=tmp_path, env=env).returncode == 0
    question = ("ask", "reconcile sent nov 20", "--json", "--today", TODAY)
    before = json.loads(parity(*question, cwd=tmp_path).stdout)["metrics"]
    assert parity("ingest", str(wrong), cwd=tmp_path, env=env).returncode == 0
    assert json.loads(parity(*question, cwd=tmp_path).stdout)["metrics"][0]["ajo"] == 5000

    listed = parity("snapshots", "list", cwd=tmp_path).stdout.splitlines()
    assert listed[0].startswith("• #3 AJO · captured Tue Nov 24, 08:00 UTC · wrong.csv (long CSV")
    assert "loaded by python -m bot ingest (dana) · 1 rows, 1 day (Nov 20, 2026)" in listed[0]
    assert len(listed) == 3

    dropped = parity("snapshots", "drop", "3", cwd=tmp_path, env=env)
    assert dropped.returncode == 0
    assert "Undo with: python -m bot snapshots undo 3" in dropped.stdout
    assert json.loads(parity(*question, cwd=tmp_path).stdout)["metrics"] == before

    shown = json.loads(parity("snapshots", "show", "3", "--json", cwd=tmp_path).stdout)
    assert shown["dropped_by"] == "python -m bot snapshots drop 3 (dana)"
    assert shown["current_numbers"] == 0
    assert [d["action"] for d in shown["drops"]] == ["drop"]

    assert parity("snapshots", "undo", "3", cwd=tmp_path).returncode == 0
    assert json.loads(parity(*question, cwd=tmp_path).stdout)["metrics"][0]["ajo"] == 5000
    again = parity("snapshots", "undo", "3", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (2, "Nothing changed: snapshot #3 is not dropped.\n")
    missing = parity("snapshots", "drop", cwd=tmp_path)
    assert missing.returncode == 2
