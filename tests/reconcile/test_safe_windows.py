"""Safe ranges that follow the channel and the metric: only email waits for retries, a
channel's own snapshot history decides its window, and each journey row has its own."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from bot.formatting import format_day
from bot.query import Query
from bot.reconcile import reconcile, rules_for
from bot.reconcile.channels import channel_name, journey_channels
from bot.reconcile.rules import Rules
from bot.reconcile.safe_range import BACKFILL_DAYS, safe_range, settle_days
from bot.reconcile.settling import MIN_SERIES_PER_AGE
from tests.reconcile.series import NAMES, SETTINGS, TODAY, series, volumes

START = TODAY - timedelta(days=29)


def rules(channels, history=None, metric="sent") -> Rules:
    """The rules an answer builds (bot.reconcile.rules_for)."""
    return rules_for(metric, SETTINGS, TODAY, history, None, channels)


def history(
    settle: dict[str, int], metric: str = "sent", ages: int = 21, cja_named: bool = True
) -> pd.DataFrame:
    """Per channel, CJA's values move by 20 % at age 0 and half as much each day (but at
    least 2 %) until the channel's settle age; AJO's never move. CJA's series name their
    channel unless `cja_named` is False."""
    rows = []
    for channel, days in settle.items():
        for age in range(ages):
            change = max(int(40_000 * 0.2 / 2**age), 800) if age < days else 0
            cja_channel = channel if cja_named else ""
            rows.append(("cja", metric, age, 40, 40_000, change, change, cja_channel))
            rows.append(("ajo", metric, age, 40, 40_000, 0, 0, channel))
    columns = ["source", "metric", "age_days", "series", "volume", "change", "abs_change"]
    return pd.DataFrame(rows, columns=[*columns, "channel"])


def end_of(metric: str, channels, history=None, journeys=None) -> tuple[date | None, str]:
    chosen = rules(channels, history, metric)
    result = safe_range(metric, START, TODAY, chosen, journeys)
    return result.end, result.reason


@pytest.mark.parametrize(
    ("metric", "channel", "days_back"),
    [
        ("sent", "email", 7),  # AJO counts queued emails, CJA once they leave the queue
        ("delivered", "email", 7),  # retries end in Delivered or Bounces
        ("bounces", "email", 7),
        ("opens", "email", 1),  # nothing of a retry is an open
        ("clicks", "email", 1),
        ("sent", "sms", 1),  # SMS and push are not retried
        ("delivered", "sms", 1),
        ("sent", "push", 1),
        ("bounces", "push", 1),
        ("sent", "", 7),  # unknown: counted as email
        ("delivered", "", 7),
        ("opens", "", 1),
    ],
)
def test_documented_windows_per_channel_and_metric(metric, channel, days_back):
    assert settle_days(metric, rules({1: (channel,)}, None, metric)) == days_back
    end, _ = end_of(metric, {1: (channel,)})
    # Without history yesterday may still get backfilled records: a range ends 2 days back.
    assert end == TODAY - timedelta(days=max(days_back, BACKFILL_DAYS))


@pytest.mark.parametrize("witnessed_back", [3, 5, 9])
def test_the_day_before_the_first_witnessed_day_is_not_settled_either(witnessed_back):
    """Without a learned window, the days the answer calls still being processed (CJA still
    short on them across journeys) end the range two days before the oldest of them: the
    day before it may still get records too. A learned window is not cut by them."""
    first = TODAY - timedelta(days=witnessed_back)
    processing = [first, first + timedelta(days=1)]
    found = safe_range("opens", START, TODAY, rules({1: ("email",)}), [1], processing)
    assert found.end == first - timedelta(days=2)
    assert found.reason == (
        f"ends {format_day(first - timedelta(days=2))}: {format_day(first)} is still being "
        "processed (CJA still short on it across journeys), and the day before it may still "
        "get records too"
    )
    # Only the days up to the window's end count: a witnessed day after it changes nothing.
    later = safe_range("opens", START, TODAY, rules({1: ("email",)}), [1], [TODAY])
    assert later.end == TODAY - timedelta(days=BACKFILL_DAYS)
    learned = rules({1: ("email",)}, history({"email": 4}, metric="opens"), "opens")
    assert safe_range("opens", START, TODAY, learned, [1], processing).end == (
        TODAY - timedelta(days=4)
    )


def test_a_channel_that_is_not_retried_says_so():
    assert end_of("sent", {1: ("sms",)})[1] == (
        f"ends {format_day(TODAY - timedelta(days=2))}: the latest days are still being "
        "processed (sms is not retried, so it does not wait for retries), and yesterday may "
        "still get records too (CJA ingests events that reach it after the end of their day "
        "as backfill, at lower priority)"
    )


def test_an_unknown_channel_is_counted_as_email_and_the_reason_says_so():
    assert end_of("sent", {1: ("",)}, journeys=[1])[1] == (
        "ends 7 days back, after retries converge (no export names its channel, so it is "
        "counted as email, which AJO retries)"
    )
    assert "a journey's channel" in end_of("sent", {1: ("",), 2: ("sms",)})[1]


def test_a_journey_missing_from_the_channels_is_unknown():
    assert end_of("sent", {2: ("sms",)}, journeys=[1])[0] == TODAY - timedelta(days=7)


def test_the_metric_waits_for_its_slowest_channel():
    channels = {1: ("sms",), 2: ("email",)}
    assert end_of("sent", channels)[0] == TODAY - timedelta(days=7)
    assert end_of("sent", channels, journeys=[1])[0] == TODAY - timedelta(days=2)
    assert settle_days("sent", rules(channels)) == 7


def test_a_channels_own_history_decides_its_window():
    learned = history({"email": 4, "sms": 2})
    end, reason = end_of("sent", {1: ("email",)}, learned)
    assert end == TODAY - timedelta(days=4)
    assert reason == (
        "ends 4 days back: in past snapshots CJA's values for email journeys kept moving "
        "until 3 days old"
    )
    assert end_of("sent", {1: ("sms",)}, learned)[0] == TODAY - timedelta(days=2)
    # Delivered on email, seen settled the next day: no retry window.
    quick = history({"email": 1}, metric="delivered")
    end, reason = end_of("delivered", {1: ("email",)}, quick)
    assert end == TODAY - timedelta(days=1)
    assert "settled sooner than retries could" in reason


def test_cja_series_naming_no_channel_count_only_when_every_journey_has_one():
    """CJA's exports seldom name the channel. With AJO's values alone (which never move) a
    channel would look settled at once: its own history needs both products."""
    unnamed = history({"email": 4}, cja_named=False)
    # Every journey is email: CJA's unnamed series are email's.
    end, reason = end_of("sent", {1: ("email",)}, unnamed)
    assert end == TODAY - timedelta(days=4)
    assert "CJA's values for email journeys kept moving until 3 days old" in reason
    # Mixed channels: CJA's unnamed values cannot be told apart; every channel's history
    # together decides (the metric's total settles when the slowest channel has).
    end, reason = end_of("sent", {1: ("email",), 2: ("sms",)}, unnamed, journeys=[1])
    assert end == TODAY - timedelta(days=4)
    assert reason == (
        "ends 4 days back: in past snapshots CJA's values of every channel together kept "
        "moving until 3 days old"
    )


def test_history_can_lengthen_a_window_past_the_retry_window():
    assert end_of("sent", {1: ("email",)}, history({"email": 10}))[0] == TODAY - timedelta(days=10)


def test_never_shorter_than_the_lag_window():
    assert end_of("sent", {1: ("email",)}, history({"email": 0}))[0] == TODAY - timedelta(days=1)


def test_history_that_misses_an_age_teaches_nothing_about_the_channel():
    """A channel seen at too few values at age 5 could be moving there unseen: the documented
    rules apply, and say the channel's history was too little."""
    learned = history({"email": 3})
    learned.loc[learned["age_days"] == 5, "series"] = MIN_SERIES_PER_AGE - 1
    end, reason = end_of("sent", {1: ("email",)}, learned)
    assert end == TODAY - timedelta(days=7)
    assert reason == (
        "ends 7 days back, after retries converge; documented rules: too little snapshot "
        "history of email journeys yet to learn when values settle"
    )


def test_without_channels_the_metric_keeps_its_documented_windows():
    """Callers that did not look up channels (None) get Sent's retry window on every
    journey, and Delivered none, as before channels were known."""
    assert end_of("sent", None)[0] == TODAY - timedelta(days=7)
    assert end_of("delivered", None)[0] == TODAY - timedelta(days=2)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Email", "email"),
        (" E-mail ", "email"),
        ("https://ns.adobe.com/xdm/channels/email", "email"),
        ("SMS", "sms"),
        ("Push notification", "push"),
        ("", ""),
        (None, ""),
    ],
)
def test_channel_names(raw, name):
    assert channel_name(raw) == name


def test_a_journeys_channels_ignore_the_unnamed_series_beside_a_named_one():
    rows = [(1, "email"), (1, ""), (2, ""), (3, "SMS"), (3, "push"), (4, "Email")]
    assert journey_channels(rows) == {
        1: ("email",),
        2: ("",),
        3: ("push", "sms"),
        4: ("email",),
    }


def _two_journeys() -> pd.DataFrame:
    """An email journey (1) and an SMS journey (2), each with today still arriving."""
    parts = []
    for key, seed in ((1, 3), (2, 4)):
        ajo = volumes(seed=seed, days=32, level=3000)
        cja = ajo.copy()
        cja[-1] = ajo[-1] // 2
        parts.append(series(ajo, cja, journey=key, last_ago=0))
    return pd.concat(parts, ignore_index=True)


def _answer(journeys=None) -> dict:
    query = Query("reconcile", START, TODAY, ("sent",))
    channels = {1: ("email",), 2: ("sms",)}
    results = reconcile(
        _two_journeys(), query, NAMES, TODAY, SETTINGS, None, None, journeys, channels
    )
    return results[0].to_dict()


def test_each_journey_row_has_its_own_channels_safe_range():
    answer = _answer()
    rows = {row["journey"]: row["safe_range"] for row in answer["by_journey"]}
    assert rows["Welcome Series"]["end"] == (TODAY - timedelta(days=7)).isoformat()
    assert rows["Cart Abandon Reminder"]["end"] == (TODAY - timedelta(days=2)).isoformat()
    assert "sms is not retried" in rows["Cart Abandon Reminder"]["reason"]
    # The metric's range holds for every journey: the slowest channel's.
    assert answer["safe_range"] == rows["Welcome Series"]
    assert [list(row)[-1] for row in answer["by_journey"]] == ["safe_range"] * 2
    assert all("safe_range" not in row for row in answer["by_day"])


def test_a_journey_asked_about_alone_gets_its_rows_safe_range():
    alone = _answer(journeys=[2])
    assert alone["safe_range"] == alone["by_journey"][0]["safe_range"]
    assert alone["safe_range"]["end"] == (TODAY - timedelta(days=2)).isoformat()
