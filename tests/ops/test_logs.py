"""PARITY_LOG_FORMAT=json: one JSON object per line, with the request's or job's id."""

from __future__ import annotations

import json
import logging

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.ops.activity import acting
from bot.ops.logs import JsonLines


def _line(message: str, *args, exc_info=None) -> dict:
    record = logging.LogRecord("parity.test", logging.ERROR, __file__, 1, message, args, exc_info)
    return json.loads(JsonLines().format(record))


def test_a_line_inside_a_request_carries_its_id_user_and_channel():
    with acting("request", "Slack", user="U1", channel="C1") as request:
        line = _line("answered %s", "sent")
    assert line["message"] == "answered sent"
    assert (line["request_id"], line["user"], line["channel"]) == (request.id, "U1", "C1")
    assert (line["level"], line["logger"]) == ("error", "parity.test")


def test_a_job_line_has_the_job_id_and_a_failure_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError as error:
        failure = (ValueError, error, error.__traceback__)
    with acting("job", "clock job pull:cja 2026-11-29T06:00", id="run-7"):
        line = _line("pull failed", exc_info=failure)
    assert line["job_id"] == "run-7"
    assert "ValueError: boom" in line["error"]
    assert "request_id" not in _line("outside any activity")


def test_the_log_format_is_read_and_checked():
    assert load_settings({"PARITY_LOG_FORMAT": "JSON"}).log_format == "json"
    assert load_settings({}).log_format == "text"
    with pytest.raises(ConfigError, match="PARITY_LOG_FORMAT='xml': must be text or json"):
        load_settings({"PARITY_LOG_FORMAT": "xml"})
