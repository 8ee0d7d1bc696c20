"""The handler tests' demo store, built once per session, for the served-process tests."""

from tests.handlers.conftest import demo_db  # noqa: F401
