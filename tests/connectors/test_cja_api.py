"""The live CJA pull against a local stand-in for IMS and the Reporting API."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from bot.config import Settings
from bot.connectors.cja_api import ReportsClient, pull_cja
from bot.connectors.http import Backoff, RateLimit
from bot.connectors.ims import ImsToken
from bot.errors import ConfigError, PullFailed
from bot.store import Store
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
    """Records the pauses instead of taking them."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.taken.append(round(seconds, 3))


def client_for(settings: Settings, sleeps: Sleeps, attempts: int = 4) -> ReportsClient:
    backoff = Backoff(attempts=attempts, first=0.5, sleep=sleeps, jitter=lambda: 1.0)
    return ReportsClient(settings, ImsToken(settings), backoff=backoff)


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
    assert [r["token"] for r in server.reports()[:2]] == ["token-1", "token-2"]
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


def test_the_rate_limit_holds_60_starts_a_minute():
    now, sleeps = [0.0], []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    limit = RateLimit(per_minute=60, at_once=6, clock=lambda: now[0], sleep=sleep)
    for _ in range(61):
        with limit:
            now[0] += 0.1

    assert sleeps == [pytest.approx(54.0)]  # the 61st waits for the first to be a minute old


def test_no_more_than_six_requests_at_once():
    limit = RateLimit(per_minute=1000, at_once=6)
    inside, most, lock = [0], [0], threading.Lock()
    gate = threading.Barrier(6, timeout=5)

    def work() -> None:
        with limit:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert most[0] == 6
