"""python -m bot pull / ingest as a person runs them, against local stand-ins for Adobe."""

from __future__ import annotations

import json

import pytest

from tests.connectors.fake_adobe import CLIENT_ID, JOURNEY, ORG, SECRET, Adobe, Server
from tests.connectors.test_cja_api import numbers
from tests.connectors.test_query_service import datasets  # noqa: F401 - a fixture
from tests.ingest.helpers import FIXTURES
from tests.test_cli import parity


@pytest.fixture
def adobe_env():
    with Server(Adobe(numbers())) as server:
        yield {
            "ADOBE_CLIENT_ID": CLIENT_ID,
            "ADOBE_CLIENT_SECRET": SECRET,
            "ADOBE_ORG_ID": ORG,
            "ADOBE_SCOPES": "openid,AdobeID",
            "ADOBE_IMS_URL": f"{server.url}/ims/token/v3",
            "CJA_API_URL": server.url,
            "CJA_METRICS": "sent=metrics/sends,bounces=metrics/bounces",
            "CJA_JOURNEY_DIMENSION": JOURNEY,
        }


def test_pull_cja_stores_one_snapshot(tmp_path, adobe_env):
    result = parity(
        "pull", "cja", "--data-view", "dv_650a1b2c3d4e5f", "--since", "2026-11-20",
        "--until", "2026-11-29", "--json", cwd=tmp_path,
        env=adobe_env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert [(r["source"], r["rows"], r["first_day"], r["last_day"]) for r in answer["reports"]] == [
        ("cja", 40, "2026-11-20", "2026-11-29")
    ]
    assert answer["notes"] == []


def test_pull_cja_without_configuration_names_what_is_missing(tmp_path):
    result = parity("pull", "cja", "--since", "2026-11-20", cwd=tmp_path,
                    env={"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})  # fmt: skip

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Nothing stored: Missing configuration for the CJA pull: ADOBE_CLIENT_ID, "
        "ADOBE_CLIENT_SECRET, ADOBE_ORG_ID, ADOBE_SCOPES, CJA_DATA_VIEW, CJA_METRICS"
    )


def test_pull_ajo_needs_the_query_service_flag(tmp_path):
    result = parity("pull", "ajo", cwd=tmp_path, env={"DATABASE_URL": "sqlite://"})

    assert result.returncode == 2
    assert "add --query-service" in result.stderr


def test_pull_ajo_from_query_service(tmp_path, datasets):  # noqa: F811 - the fixture
    result = parity(
        "pull", "ajo", "--query-service", "--since", "2026-11-27", "--until", "2026-11-29",
        cwd=tmp_path,
        env={"AEP_QS_URL": datasets, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "stored AJO snapshot #1 (36 rows): 2 journeys, 3 days" in result.stdout
    assert "⚠️ left out events of 1 journey version(s) with no name" in result.stdout


def test_ingest_names_the_format_problems_and_notes(tmp_path):
    result = parity(
        "ingest", str(FIXTURES / "workspace_extra_totals.csv"), str(FIXTURES / "api_page.json"),
        "--journey", "Welcome Series", cwd=tmp_path,
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
             "CJA_METRICS": "bounces=metrics/custom_bounce_count"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("✅ ")
    assert "stored CJA snapshot #1 (8 rows)" in lines[0]
    # A file's notes follow its own line.
    assert lines[1] == (
        f"⚠️ {FIXTURES / 'workspace_extra_totals.csv'}: table 'Welcome Series' (line 10): a "
        "totals row in the table says Sends (AJO) 4,300 but the rows add up to 4,310"
    )
    assert "stored CJA snapshot #2 (9 rows)" in lines[2]


def test_ingest_refuses_a_conflicting_source(tmp_path):
    result = parity("ingest", str(FIXTURES / "ajo_report.csv"), "--source", "cja", cwd=tmp_path,
                    env={"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})  # fmt: skip

    assert result.returncode == 1
    assert "--source cja contradicts it" in result.stdout


def test_the_clock_finds_the_pulls_by_name():
    from bot.clock.pulls import discover
    from bot.connectors.cja_api import pull_cja
    from bot.connectors.query_service import pull_query_service

    found = discover()

    assert (found["cja"], found["ajo"], found["query_service"]) == (
        pull_cja,
        pull_query_service,
        pull_query_service,
    )
