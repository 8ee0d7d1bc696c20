"""Log lines for people (the default) or for a log pipeline (PARITY_LOG_FORMAT=json).

A JSON line carries, besides the message, the activity it belongs to: the Slack request or
the clock job (its id, and the Slack user and channel), so one request's lines can be
found together. Secrets never reach a log line: Settings keeps them out of its repr, and no
line logs a request body.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.ops import activity

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record, with the current activity's id."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            # The record's own creation time: a log line is about when it happened.
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = activity.current()
        if current is not None:
            line[f"{current.kind}_id"] = current.id
            for key in ("user", "channel"):
                if value := getattr(current, key):
                    line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: str, level: int) -> None:
    """Set up the root logger once, at start-up, as PARITY_LOG_FORMAT says."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
