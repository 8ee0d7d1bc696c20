"""Settings from the environment: defaults, parsing, and every problem named at once."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import Settings, check_slack, load_settings
from bot.errors import ConfigError


def test_defaults_without_environment():
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database_url == "sqlite:///parity.db"
    assert settings.tolerance_for("sent") == 2.0


def test_values_are_parsed():
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
            "PARITY_TIMEZONE": "Europe/Berlin",
            "PARITY_TODAY": "2026-11-29",
            "PARITY_LAG_DAYS": "2",
            "PARITY_TOLERANCE_PCT": "1.5",
            "PARITY_TOLERANCES": "opens=5, clicks=4",
            "PARITY_INGEST_CHANNELS": "C1, C2",
        }
    )
    assert settings.timezone == "Europe/Berlin"
    assert settings.clock().today() == date(2026, 11, 29)
    assert settings.lag_days == 2
    assert settings.tolerance_for("opens") == 5.0
    assert settings.tolerance_for("sent") == 1.5
    assert settings.ingest_channels == frozenset({"C1", "C2"})


def test_every_invalid_variable_is_named_in_one_error():
    with pytest.raises(ConfigError) as error:
        load_settings(
            {
                "PARITY_TIMEZONE": "EST5EDT-ish",
                "PARITY_LAG_DAYS": "0",
                "PARITY_TOLERANCE_PCT": "abc",
                "PARITY_TOLERANCES": "sendz=3",
                "PARITY_TODAY": "29/11/2026",
            }
        )
    message = str(error.value)
    for variable in (
        "PARITY_TIMEZONE",
        "PARITY_LAG_DAYS",
        "PARITY_TOLERANCE_PCT",
        "PARITY_TOLERANCES",
        "PARITY_TODAY",
    ):
        assert variable in message


def test_secrets_stay_out_of_repr():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh"})
    assert settings.slack_bot_token == "xoxb-secret"
    assert "xoxb-secret" not in repr(settings)
    assert "shh" not in repr(settings)


@pytest.mark.parametrize(
    ("socket_mode", "env", "missing"),
    [
        (False, {}, "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"),
        (True, {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
    ],
)
def test_slack_mode_names_what_it_lacks(socket_mode, env, missing):
    with pytest.raises(ConfigError, match=missing):
        check_slack(load_settings(env), socket_mode=socket_mode)
