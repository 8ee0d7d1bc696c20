"""The live CJA pull against a local stand-in for IMS and the Reporting API."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from bot.answers.service import Parity
from bot.config import Settings
from bot.connectors.cja_api import ReportsClient, pull_cja
from bot.connectors.http import Backoff
from bot.connectors.ims import ImsToken
from bot.connectors.limits import RateLimit
from bot.errors import ConfigError, PullFailed
from bot.language import parse_question
from bot.reconcile import attributions
from bot.store import Store
from bot.store.schema import snapshots
from tests.connectors.fake_adobe import CLIENT_ID, JOURNEY, ORG, SECRET, Adobe, Fault, Server

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
SINCE, UNTIL = date(2026, 11, 20), date(2026, 11, 29)


def numbers() -> dict:
    days = [SINCE + timedelta(days=i) for i in range(10)]
    return {
        "Welcome Series": {d: {"metrics/sends": 100 + d.day, "metrics/bounces": d.day % 3}
                           for d in days},
        "Black Friday, US": {d: {"metrics/sends": 50 + d.day} for d in days},
    }  # fmt: skip


@pytest.fixture
def adobe() -> Adobe:
    return Adobe(numbers())


@pytest.fixture
def server(adobe):
    with Server(adobe) as running:
        yield running


def settings_for(server: Server, database_url: str, **more) -> Settings:
    settings = Settings(
        database_url=database_url,
        adobe_client_id=CLIENT_ID,
        adobe_client_secret=SECRET,
        adobe_org_id=ORG,
        adobe_scopes=("openid", "AdobeID", "additional_info.projectedProductContext"),
        adobe_ims_url=f"{server.url}/ims/token/v3",
        cja_api_url=server.url,
        cja_data_view="dv_650a1b2c3d4e5f",
        cja_metrics={"sent": "metrics/sends", "bounces": "metrics/bounces"},
        cja_journey_dimension=JOURNEY,
    )
    return replace(settings, **more)


class Sleeps:
    """A fake clock: records the pauses instead of taking them, and moves on by them."""

    def __init__(self) -> None:
        self.taken: list[float] = []
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self.lock:
            self.taken.append(round(seconds, 3))
            self.now += seconds

    def clock(self) -> float:
        return self.now


def client_for(settings: Settings, sleeps: Sleeps, attempts: int = 4) -> ReportsClient:
    backoff = Backoff(attempts=attempts, first=0.5, sleep=sleeps, jitter=lambda: 1.0)
    limit = RateLimit(clock=sleeps.clock, sleep=sleeps)
    return ReportsClient(settings, ImsToken(settings), backoff=backoff, limit=limit)


def stored(store: Store) -> pd.DataFrame:
    frame = store.comparison(SINCE, UNTIL)
    names = store.journey_names()
    frame["journey"] = frame["journey_key"].map(names)
    return frame


def test_a_pull_pages_through_each_journey_and_stores_one_snapshot(server, store, database_url):
    settings = settings_for(server, database_url)
    sleeps = Sleeps()

    reports = pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, sleeps),
                       page_size=4)  # fmt: skip

    (report,) = reports
    assert (report.source, report.rows, report.origin) == (
        "cja",
        40,
        "CJA Reporting API, data view dv_650a1b2c3d4e5f",
    )
    assert report.journeys == ("Black Friday, US", "Welcome Series")
    assert (report.first_day, report.last_day) == (SINCE, UNTIL)
    assert report.captured_at == NOW
    recorded = store.snapshot(report.snapshot_id)  # where it came from, with the parameters
    assert (recorded.pull, recorded.parameters["data_view"]) == ("cja", "dv_650a1b2c3d4e5f")
    assert (recorded.parameters["since"], recorded.parameters["until"]) == (
        SINCE.isoformat(),
        UNTIL.isoformat(),
    )
    assert sorted(recorded.parameters["journeys"]) == ["Black Friday, US", "Welcome Series"]
    totals = stored(store).groupby(["journey", "metric"])["cja"].sum().to_dict()
    assert totals == {
        ("Black Friday, US", "bounces"): 0,
        ("Black Friday, US", "sent"): 745,
        ("Welcome Series", "bounces"): 11,
        ("Welcome Series", "sent"): 1245,
    }
    # One request for the journeys, then 10 days in pages of 4 for each journey.
    assert len(server.reports()) == 7
    assert sleeps.taken == []


def test_requests_have_the_documented_shape_and_headers(server, store, database_url):
    settings = settings_for(server, database_url)

    pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, Sleeps()),
             page_size=4)  # fmt: skip

    journeys = server.reports()[0]
    welcome = [
        r["body"] for r in server.reports()[1:]
        if r["body"]["metricContainer"]["metricFilters"][0]["itemId"] == "1001"
    ]  # fmt: skip
    assert journeys["headers"]["x-api-key"] == CLIENT_ID
    assert journeys["headers"]["x-gw-ims-org-id"] == ORG
    assert journeys["token"] == "token-1"
    body = welcome[0]
    assert body["rsid"] == "dv_650a1b2c3d4e5f"
    assert body["globalFilters"] == [
        {"type": "dateRange", "dateRange": "2026-11-20T00:00:00.000/2026-11-30T00:00:00.000"}
    ]
    assert body["dimension"] == "variables/daterangeday"
    assert body["metricContainer"]["metrics"] == [
        {"columnId": "sent", "id": "metrics/sends", "filters": ["journey"]},
        {"columnId": "bounces", "id": "metrics/bounces", "filters": ["journey"]},
    ]
    assert body["metricContainer"]["metricFilters"] == [
        {"id": "journey", "type": "breakdown", "dimension": JOURNEY, "itemId": "1001"}
    ]
    assert body["settings"] == {
        "countRepeatInstances": True, "limit": 4, "page": 0, "nonesBehavior": "return-nones"
    }  # fmt: skip
    assert [request["settings"]["page"] for request in welcome] == [0, 1, 2]


def test_429_waits_as_retry_after_says_then_goes_on(server, adobe, store, database_url):
    adobe.faults = [None, Fault(429, {"Retry-After": "3"}, {"error_code": "429050"})]
    settings = settings_for(server, database_url)
    sleeps = Sleeps()

    (report,) = pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, sleeps))

    assert sleeps.taken == [3.0]
    assert report.rows == 40


def test_5xx_answers_are_tried_again_with_growing_pauses(server, adobe, store, database_url):
    adobe.faults = [Fault(503, body={"message": "busy"}), Fault(502, body="Bad Gateway")]
    settings = settings_for(server, database_url)
    sleeps = Sleeps()

    (report,) = pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, sleeps))

    assert sleeps.taken == [0.5, 1.0]
    assert report.rows == 40


def test_a_service_that_keeps_failing_stores_nothing(server, adobe, store, database_url):
    adobe.faults = [Fault(500, body={"errorCode": "internal", "errorDescription": "oops"})] * 4
    settings = settings_for(server, database_url)

    with pytest.raises(PullFailed) as caught:
        pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, Sleeps()))

    assert str(caught.value) == "CJA Reporting API kept failing (4 attempts): 500 internal: oops"
    assert store.comparison(SINCE, UNTIL).empty


def test_an_expired_token_is_replaced_once(server, adobe, store, database_url):
    settings = settings_for(server, database_url)
    client = client_for(settings, Sleeps())
    client.token.get()
    adobe.expired.add("token-1")  # revoked before its time

    (report,) = pull_cja(settings, store, SINCE, UNTIL, NOW, client=client)

    assert adobe.tokens == ["token-1", "token-2"]
    assert [r["token"] for r in server.api_calls()[:2]] == ["token-1", "token-2"]
    assert report.rows == 40


def test_a_refused_credential_is_said_plainly(server, store, database_url):
    settings = settings_for(server, database_url, adobe_client_secret="wrong")

    with pytest.raises(PullFailed) as caught:
        pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, Sleeps()))

    assert str(caught.value) == (
        "Adobe IMS refused the credential (400 invalid_client: bad credential); check "
        "ADOBE_CLIENT_ID, the secret and scopes"
    )


def test_a_token_is_renewed_before_it_expires(server, adobe, database_url):
    adobe.expires_in = 3600
    clock = [1000.0]
    token = ImsToken(settings_for(server, database_url), clock=lambda: clock[0])

    first = token.get()
    clock[0] += 3600 - 301  # more than five minutes left: kept
    kept = token.get()
    clock[0] += 2  # under five minutes left: a new one
    renewed = token.get()

    assert (first, kept, renewed) == ("token-1", "token-1", "token-2")


def test_a_partial_answer_is_stored_without_the_column_and_reported(
    server, adobe, store, database_url
):
    black_friday = adobe.item_of("Black Friday, US")
    adobe.faults = [Fault(206, drop_column="bounces", item=black_friday)]
    settings = settings_for(server, database_url)
    notes: list[str] = []

    (report,) = pull_cja(settings, store, SINCE, UNTIL, NOW, notes=notes,
                         client=client_for(settings, Sleeps()))  # fmt: skip

    assert report.rows == 30  # one journey's bounces were not allowed
    assert notes == [
        "journey 'Black Friday, US': CJA answered only in part (206) on page 1",
        "journey 'Black Friday, US': CJA answered only in part; columns left out: bounces "
        "(not allowed in this data view)",
    ]


def test_configured_journeys_only_and_the_missing_ones_said(server, store, database_url):
    settings = settings_for(server, database_url, cja_journeys=("welcome  series", "Nowhere"))
    notes: list[str] = []

    (report,) = pull_cja(settings, store, SINCE, UNTIL, NOW, notes=notes,
                         client=client_for(settings, Sleeps()))  # fmt: skip

    assert report.journeys == ("Welcome Series",)
    assert notes == ["no numbers in CJA for journeys: Nowhere"]


def test_missing_configuration_is_named_in_full(database_url, store):
    with pytest.raises(ConfigError) as caught:
        pull_cja(Settings(database_url=database_url), store, SINCE, UNTIL, NOW)

    assert str(caught.value) == (
        "Missing configuration for the CJA pull: ADOBE_CLIENT_ID, ADOBE_CLIENT_SECRET, "
        "ADOBE_ORG_ID, ADOBE_SCOPES, CJA_DATA_VIEW, CJA_METRICS"
    )


def test_a_429_for_the_per_user_limit_holds_six_seconds(server, adobe, store, database_url):
    adobe.faults = [None, Fault(429, body={"error_code": "429050", "message": "Too many requests"})]
    settings = settings_for(server, database_url)
    sleeps = Sleeps()

    (report,) = pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, sleeps))

    assert sleeps.taken == [6.0]  # the per-user window, not the first back-off's 0.5 s
    assert report.rows == 40


def snapshot_zones(store) -> list:
    with store.engine.connect() as conn:
        return [z for (z,) in conn.execute(select(snapshots.c.timezone).order_by(snapshots.c.id))]


def test_the_data_views_time_zone_is_read_on_every_pull_and_recorded(
    server, adobe, store, database_url
):
    adobe.timezone = "America/Los_Angeles"
    settings = settings_for(server, database_url)
    notes: list[str] = []

    pull_cja(settings, store, SINCE, UNTIL, NOW, notes=notes, client=client_for(settings, Sleeps()))
    adobe.data["Welcome Series"][UNTIL]["metrics/sends"] += 1  # a new capture
    adobe.timezone = "US/Pacific"  # the same calendar by another name
    again: list[str] = []
    pull_cja(settings, store, SINCE, UNTIL, NOW, notes=again, client=client_for(settings, Sleeps()))

    views = [r for r in server.api_calls() if r["path"].startswith("/data/dataviews/")]
    assert [(r["path"], r["query"]) for r in views] == [
        ("/data/dataviews/dv_650a1b2c3d4e5f", {"expansion": ["timezoneDesignator"]})
    ] * 2
    assert notes == [
        "the data view is in America/Los_Angeles; Parity reports in UTC (PARITY_TIMEZONE): "
        "CJA's days are America/Los_Angeles days, so events near midnight fall on other days "
        "than in AJO"
    ]
    assert again[0].startswith("the data view is in US/Pacific; Parity reports in UTC")
    assert snapshot_zones(store) == ["America/Los_Angeles", "US/Pacific"]


def test_a_data_view_in_parity_s_time_zone_says_nothing_and_an_unsaid_one_is_noted(
    server, adobe, store, database_url
):
    settings = settings_for(server, database_url, timezone="Europe/Berlin")
    adobe.timezone = "Europe/Berlin"
    quiet: list[str] = []
    pull_cja(settings, store, SINCE, UNTIL, NOW, notes=quiet, client=client_for(settings, Sleeps()))
    adobe.timezone = None
    adobe.data["Welcome Series"][UNTIL]["metrics/sends"] += 1
    unsaid: list[str] = []
    pull_cja(
        settings, store, SINCE, UNTIL, NOW, notes=unsaid, client=client_for(settings, Sleeps())
    )

    assert quiet == []
    assert unsaid == ["data view dv_650a1b2c3d4e5f did not say its time zone (timezoneDesignator)"]
    assert snapshot_zones(store) == ["Europe/Berlin", None]


def test_the_time_zone_fact_reaches_the_answer(server, adobe, store, database_url):
    adobe.timezone = "America/Los_Angeles"
    settings = settings_for(server, database_url, today_override=UNTIL)
    pull_cja(settings, store, SINCE, UNTIL, NOW, client=client_for(settings, Sleeps()))
    parity = Parity(store, settings)

    answer = parity.ask("why don't sent numbers match since nov 20")
    safe = parity.ask("safe range for sent")

    line = (
        "🕒 The data view is in America/Los_Angeles; Parity reports in UTC: CJA's days are "
        "America/Los_Angeles days, so numbers near midnight fall on other days than in AJO "
        "(PARITY_TIMEZONE=America/Los_Angeles compares the same days)."
    )
    assert line in answer.text.splitlines()
    assert line in safe.text.splitlines()
    (cja,) = answer.to_dict()["calendars"]["sources"]
    assert answer.to_dict()["calendars"]["reporting"] == "UTC"
    assert (cja["source"], cja["timezone"], cja["same_as_reporting"]) == (
        "cja",
        "America/Los_Angeles",
        False,
    )
    # The core receives it as typed data, on every metric's rules.
    frame = store.comparison(SINCE, UNTIL)
    query = parse_question("sent", today=UNTIL, journeys=["Welcome Series"])
    calendars = store.calendars("UTC")
    ((rules, _),) = attributions(frame, query, UNTIL, settings, None, calendars).values()
    assert rules.calendars.of("cja").timezone == "America/Los_Angeles"


def test_a_day_label_that_disagrees_with_its_item_id_is_stored_by_the_item_id(
    server, adobe, store, database_url
):
    adobe.label_shift_days = 1  # "Nov 21, 2026" on the row CJA counted as Nov 20
    settings = settings_for(server, database_url)
    notes: list[str] = []

    pull_cja(settings, store, SINCE, UNTIL, NOW, notes=notes, client=client_for(settings, Sleeps()))

    assert notes == [
        "journey 'Black Friday, US', page 1, row 1: the label says 'Nov 21, 2026' but itemId "
        "1261020 is 2026-11-20; stored as 2026-11-20 (and 9 more rows)",
        "journey 'Welcome Series', page 1, row 1: the label says 'Nov 21, 2026' but itemId "
        "1261020 is 2026-11-20; stored as 2026-11-20 (and 9 more rows)",
    ]
    days = stored(store)["day"]
    assert (days.min().date(), days.max().date()) == (SINCE, UNTIL)
