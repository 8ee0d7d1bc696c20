"""Shared fixtures: a real store on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.store import Store
from tests.faketime import mend_sleep

TODAY = date(2026, 11, 29)

# Hypothesis's per-example deadline measures the machine, not the code: on a loaded CI
# machine a 200 ms limit fails tests whose properties hold. Time limits live in benchmarks.
hypothesis_settings.register_profile("parity", deadline=None)
hypothesis_settings.load_profile("parity")


mend_sleep()  # before anything captures time.sleep: see tests/faketime.py


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if "+" not in url else url


@pytest.fixture
def postgres_url():
    """A URL to a fresh, empty PostgreSQL schema, dropped afterwards."""
    base = _postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"parity_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Each store test runs on SQLite, and on PostgreSQL when it is configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parity.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(database_url):
    store = Store.open(database_url)
    yield store
    store.close()


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, today_override=TODAY)
