"""Shared files are downloaded only from Slack, over HTTPS: the bot token never goes to
another host, not through a redirect, and nothing is read from the local disk."""

from __future__ import annotations

import pytest

from bot.slack.fetch import is_slack_file_url
from tests.handlers.fake_slack import FakeSlack
from tests.handlers.slack_requests import event_body
from tests.handlers.test_home_and_files import GOOD, _shared, _snapshot_count

API = "https://slack.com/api/"


@pytest.fixture(autouse=True)
def sharer_is_an_admin(fake):
    """U1 may load files (uploads are for admins and owners unless configured)."""
    fake.admins.add("U1")


@pytest.fixture
def elsewhere():
    """Another web server, which must never see a request (nor the token)."""
    other = FakeSlack().start()
    yield other
    other.stop()


def _share_from(send, url: str) -> None:
    event = _shared("export.csv", text="fresh CJA numbers")
    event["files"][0]["url_private_download"] = url
    send(event_body(event))


def _reply(fake) -> str:
    (reply,) = fake.wait_for("chat.postMessage")
    return reply.params["text"]


def test_a_file_on_slacks_stand_in_is_ingested(send, fake, store):
    before = _snapshot_count(store)
    fake.files["export.csv"] = GOOD
    _share_from(send, f"{fake.url}/files/export.csv")
    assert "✅ export.csv: stored CJA snapshot" in _reply(fake)
    assert _snapshot_count(store) == before + 1


def test_a_file_on_another_host_is_refused_and_the_token_stays_home(send, fake, store, elsewhere):
    before = _snapshot_count(store)
    elsewhere.files["export.csv"] = GOOD
    _share_from(send, f"{elsewhere.url}/files/export.csv")
    assert "I only download from Slack" in _reply(fake)
    assert elsewhere.calls == []
    assert _snapshot_count(store) == before


def test_a_redirect_to_another_host_is_not_followed(send, fake, store, elsewhere):
    before = _snapshot_count(store)
    elsewhere.files["export.csv"] = GOOD
    fake.redirects["moved.csv"] = f"{elsewhere.url}/files/export.csv"
    _share_from(send, f"{fake.url}/files/moved.csv")
    assert "I only download files from Slack itself" in _reply(fake)
    assert elsewhere.calls == []
    assert _snapshot_count(store) == before


def test_a_redirect_within_the_same_host_is_followed(send, fake, store):
    before = _snapshot_count(store)
    fake.files["export.csv"] = GOOD
    fake.redirects["moved.csv"] = f"{fake.url}/files/export.csv"
    _share_from(send, f"{fake.url}/files/moved.csv")
    assert "✅ export.csv: stored CJA snapshot" in _reply(fake)
    assert [c.params["name"] for c in fake.named("file.download")] == ["moved.csv", "export.csv"]
    assert _snapshot_count(store) == before + 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "file://localhost/etc/hosts", "ftp://files.slack.com/x.csv"]
)
def test_a_local_or_ftp_address_is_never_opened(send, fake, url):
    _share_from(send, url)
    assert "I only download from Slack" in _reply(fake)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://files.slack.com/files-pri/T1-F1/download/export.csv", True),
        ("https://FILES.SLACK.COM/files-pri/T1-F1/export.csv", True),
        ("https://files-edu.slack.com/files-pri/T1-F1/export.csv", True),
        ("https://slack-files.com/T1-F1-abc", True),
        ("http://files.slack.com/files-pri/T1-F1/export.csv", False),  # not HTTPS
        ("https://files.slack.com.example.net/export.csv", False),
        ("https://evilslack.com/export.csv", False),
        ("https://example.net/?files.slack.com", False),
        ("https://files.slack.com:notaport/export.csv", False),
        ("https://slack.com@example.net/export.csv", False),
        ("file:///etc/passwd", False),
        ("data:text/csv,a,b", False),
        ("", False),
    ],
)
def test_which_addresses_are_slacks(url, allowed):
    assert is_slack_file_url(url, API) is allowed


def test_a_configured_stand_in_is_trusted_with_its_own_scheme_only():
    stand_in = "http://127.0.0.1:8099/api/"
    assert is_slack_file_url("http://127.0.0.1:8099/files/x.csv", stand_in)
    assert not is_slack_file_url("http://127.0.0.1:8100/files/x.csv", stand_in)
    assert not is_slack_file_url("http://127.0.0.2:8099/files/x.csv", stand_in)
