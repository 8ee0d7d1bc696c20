"""Channel membership (the one check for watches, digest schedules and posting), read page by
page from conversations.info and conversations.members of the fake Slack."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.slack.client import make_client
from bot.slack.members import refusal
from tests.handlers.conftest import fake  # noqa: F401 - the fake Slack
from tests.handlers.fake_slack import BOT_TOKEN, BOT_USER, Failure


@pytest.fixture
def client(fake):  # noqa: F811
    return make_client(Settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake.api_url))


def test_a_member_on_a_later_page_is_allowed(client, fake):  # noqa: F811
    fake.members["C1"] = {f"U{i:05d}" for i in range(2_500)} | {BOT_USER}
    assert refusal(client, "C1", "U02400", "change its alerts") is None
    assert len(fake.named("conversations.members")) == 3  # every page was read


def test_someone_outside_the_channel_is_refused(client, fake):  # noqa: F811
    fake.members["C1"] = {"U2", BOT_USER}
    said = refusal(client, "C1", "U1", "change its alerts")
    assert said == "⚠️ Only members of <#C1> can change its alerts there."


def test_a_channel_parity_is_not_in_or_cannot_see_is_refused_not_allowed(client, fake):  # noqa: F811
    fake.members["C1"] = {"U1"}
    assert "I am not in <#C1>" in refusal(client, "C1", "U1", "change its alerts")
    fake.hidden.add("C2")
    assert "I cannot see <#C2> (channel_not_found)" in refusal(client, "C2", "U1", "post")
    fake.fail("conversations.info", Failure(200, {"ok": False, "error": "missing_scope"}))
    assert "(missing_scope)" in refusal(client, "C3", "U1", "post")
