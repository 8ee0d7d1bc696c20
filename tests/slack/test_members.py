"""Channel membership, read page by page from conversations.members (the fake Slack)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.slack.client import make_client
from bot.slack.members import PAGE, NotAMember, is_member, require_member
from tests.handlers.conftest import fake  # noqa: F401 - the fake Slack
from tests.handlers.fake_slack import BOT_TOKEN, Failure


@pytest.fixture
def client(fake):  # noqa: F811
    return make_client(Settings(slack_bot_token=BOT_TOKEN, slack_api_url=fake.api_url))


def test_a_member_on_a_later_page_is_found(client, fake):  # noqa: F811
    fake.members["C1"] = [f"U{i:04d}" for i in range(PAGE * 2 + 5)]
    assert is_member(client, "C1", f"U{PAGE * 2 + 3:04d}")
    assert len(fake.named("conversations.members")) == 3  # every page was read
    assert not is_member(client, "C1", "UOTHER")


def test_a_channel_parity_cannot_see_or_may_not_read_is_refused_not_allowed(client, fake):  # noqa: F811
    with pytest.raises(NotAMember, match="invite me there first") as seen:
        is_member(client, "CSECRET", "U1")
    assert seen.value.channel == "CSECRET"
    fake.members["C1"] = ["U1"]
    fake.fail("conversations.members", Failure(200, {"ok": False, "error": "missing_scope"}))
    with pytest.raises(NotAMember, match="channels:read and groups:read"):
        is_member(client, "C1", "U1")


def test_require_member_names_the_change(client, fake):  # noqa: F811
    fake.members["C1"] = ["U2"]
    with pytest.raises(NotAMember, match="only its members can change its alerts"):
        require_member(client, "C1", "U1", "its alerts")
    require_member(client, "C1", "U2", "its alerts")  # a member: no refusal
