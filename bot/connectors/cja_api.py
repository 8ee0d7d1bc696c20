"""The live CJA Reporting API: POST /reports by day for each journey, stored as one snapshot.

First the journeys with data in the range (a report by CJA_JOURNEY_DIMENSION), then for
each journey a report by day (variables/daterangeday) whose metrics are broken down by that
journey (a metric filter of type breakdown), each paged until `lastPage`. Up to six journeys
at once and 60 requests a minute (Adobe's limits); 429 and 5xx answers are tried again
after a pause (Retry-After when given); a 401 gets a new IMS token once; a 206 (some
columns not allowed in the data view) is stored without those columns and reported.
Answers are read by the same code as saved responses (bot.ingest.reporting_api).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.connectors.http import Backoff, Response, Send, describe, retry_after_seconds, send
from bot.connectors.ims import ImsToken, missing_credentials
from bot.connectors.limits import RateLimit
from bot.errors import ConfigError, PullFailed
from bot.ingest.options import Options
from bot.ingest.reporting_api import DAY_DIMENSION, Report, frame_of
from bot.ingest.values import utc_naive
from bot.metrics import normalize_label
from bot.store import Provenance, SnapshotReport, Store
from bot.store.calendars import same_clock

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # rows per page: the API's documented maximum for dimension items
MAX_PAGES = 10_000


class ReportsClient:
    """POST /reports with Adobe's headers, limits and retries."""

    def __init__(
        self,
        settings: Settings,
        token: ImsToken,
        *,
        limit: RateLimit | None = None,
        backoff: Backoff | None = None,
        transport: Send = send,
    ) -> None:
        self.settings, self.token, self.transport = settings, token, transport
        self.limit = limit or RateLimit()
        self.backoff = backoff or Backoff()

    def post(self, body: dict) -> Response:
        """POST /reports: a 200 or 206 answer, else PullFailed after the retries it deserves."""
        return self.call("POST", "/reports", body)

    def call(self, method: str, path: str, body: dict | None = None) -> Response:
        """A 200 or 206 answer; anything else, after the retries it deserves, is PullFailed."""
        url = f"{self.settings.cja_api_url}{path}"
        renewed, failure = False, ""
        attempt = 0
        while attempt < self.backoff.attempts:
            token = self.token.get()
            headers = {
                "Authorization": f"Bearer {token}",
                "x-api-key": self.settings.adobe_client_id or "",
                "x-gw-ims-org-id": self.settings.adobe_org_id or "",
            }
            try:
                with self.limit:
                    answer = self.transport(method, url, headers=headers, json_body=body)
            except OSError as error:
                answer, failure = None, f"cannot reach {url} ({error})"
            if answer is not None:
                if answer.status in (200, 206):
                    return answer
                failure = describe(answer)
                if answer.status == 401 and not renewed:
                    self.token.renew(token)  # expired or revoked early: one new token
                    renewed = True
                    continue
                if answer.status != 429 and answer.status < 500:
                    raise PullFailed(f"CJA Reporting API refused the request: {failure}")
            attempt += 1
            if attempt < self.backoff.attempts:
                retry_after = answer.headers.get("Retry-After") if answer is not None else None
                held = 0.0
                if answer is not None and answer.status == 429:
                    # Every thread waits, not only this one: the limit is Adobe's, not ours.
                    held = self.limit.refused_for(retry_after_seconds(retry_after), _code(answer))
                    self.limit.hold(held)
                log.info("CJA Reporting API: %s; trying again", failure)
                self.backoff.pause(attempt - 1, retry_after, least=held)
        raise PullFailed(f"CJA Reporting API kept failing ({attempt} attempts): {failure}")

    def pages(self, body: dict, notes: list[str], label: str) -> list[dict]:
        """Every page of a request's answer, in order."""
        found = []
        for number in range(MAX_PAGES):
            request = copy.deepcopy(body)
            request["settings"]["page"] = number
            answer = self.post(request)
            if not isinstance(answer.body, dict) or "rows" not in answer.body:
                raise PullFailed(f"CJA Reporting API answered without rows ({describe(answer)})")
            if answer.status == 206:
                notes.append(f"{label}: CJA answered only in part (206) on page {number + 1}")
            page = {"number": number, **answer.body}
            found.append(page)
            total = int(page.get("totalPages") or 1)
            if page.get("lastPage", number + 1 >= total) or number + 1 >= total:
                return found
        raise PullFailed(f"{label}: more than {MAX_PAGES} pages")


def _code(answer: Response) -> str | None:
    body = answer.body if isinstance(answer.body, dict) else {}
    code = body.get("error_code") or body.get("errorCode")
    return str(code) if code is not None else None


def data_view_timezone(client: ReportsClient, data_view: str) -> str | None:
    """The data view's time zone (GET /data/dataviews/{id}?expansion=timezoneDesignator):
    the calendar CJA buckets days in and reads the request's date range in."""
    answer = client.call("GET", f"/data/dataviews/{data_view}?expansion=timezoneDesignator")
    body = answer.body if isinstance(answer.body, dict) else {}
    zone = body.get("timezoneDesignator")
    return str(zone).strip() or None if zone else None


def _range(since: date, until: date) -> str:
    """ISO start/end, end exclusive, read in the data view's time zone."""
    return (
        f"{since.isoformat()}T00:00:00.000/{(until + timedelta(days=1)).isoformat()}T00:00:00.000"
    )


def _body(data_view: str, since: date, until: date, dimension: str, page_size: int) -> dict:
    return {
        "rsid": data_view,
        "globalFilters": [{"type": "dateRange", "dateRange": _range(since, until)}],
        "dimension": dimension,
        "settings": {
            "countRepeatInstances": True,  # as Workspace counts
            "limit": page_size,
            "page": 0,
            "nonesBehavior": "return-nones",
        },
    }


def journeys_with_data(
    client: ReportsClient, body: dict, metric_id: str, notes: list[str]
) -> list[tuple[str, str]]:
    """(itemId, name) of each journey the data view has numbers for in the range."""
    request = copy.deepcopy(body)
    request["settings"]["nonesBehavior"] = "exclude-nones"
    request["metricContainer"] = {"metrics": [{"columnId": "0", "id": metric_id}]}
    pages = client.pages(request, notes, "journeys")
    return [(str(row["itemId"]), str(row.get("value", ""))) for p in pages for row in p["rows"]]


def days_of_journey(
    client: ReportsClient, body: dict, item_id: str, name: str, notes: list[str]
) -> Report:
    """One journey's numbers by day: every metric broken down by the journey's item."""
    s = client.settings
    request = copy.deepcopy(body)
    request["dimension"] = DAY_DIMENSION
    request["metricContainer"] = {
        "metrics": [
            {"columnId": metric, "id": metric_id, "filters": ["journey"]}
            for metric, metric_id in s.cja_metrics.items()
        ],
        "metricFilters": [
            {"id": "journey", "type": "breakdown", "dimension": s.cja_journey_dimension,
             "itemId": item_id}
        ],
    }  # fmt: skip
    label = f"journey '{name}'"
    return Report(client.pages(request, notes, label), request, name, label)


def pull_cja(
    settings: Settings,
    store: Store,
    since: date,
    until: date,
    now: datetime,
    *,
    data_view: str | None = None,
    notes: list[str] | None = None,
    client: ReportsClient | None = None,
    page_size: int = PAGE_SIZE,
) -> list[SnapshotReport]:
    """Pull `since`..`until` by day for the configured metrics and journeys; one snapshot."""
    notes = [] if notes is None else notes
    data_view = data_view or settings.cja_data_view
    missing = missing_credentials(settings) + [
        name
        for name, value in (("CJA_DATA_VIEW", data_view), ("CJA_METRICS", settings.cja_metrics))
        if not value
    ]
    if missing:
        raise ConfigError(f"Missing configuration for the CJA pull: {', '.join(missing)}")
    client = client or ReportsClient(settings, ImsToken(settings))
    # Read on every pull: the data view's calendar is what its days mean, and it can change.
    zone = data_view_timezone(client, data_view)
    notes.extend(calendar_notes(data_view, zone, settings.timezone))
    body = _body(data_view, since, until, settings.cja_journey_dimension, page_size)
    first_metric = next(iter(settings.cja_metrics.values()))
    found = _wanted(journeys_with_data(client, body, first_metric, notes), settings, notes)
    if not found:
        notes.append(f"no journey has numbers in data view {data_view} from {since} to {until}")
        return []

    def fetch(journey: tuple[str, str]) -> Report:
        return days_of_journey(client, body, journey[0], journey[1], notes)

    with ThreadPoolExecutor(max_workers=min(6, len(found)), thread_name_prefix="cja") as pool:
        reports = list(pool.map(fetch, found))
    options = Options(
        source=None,
        captured_at=utc_naive(now),
        metric_ids={metric: metric for metric in settings.cja_metrics},
    )
    parsed = frame_of(reports, options)
    notes.extend(parsed.notes)
    for note in notes:
        log.warning("CJA pull: %s", note)
    pulled = Provenance(
        pull="cja",
        parameters={
            "data_view": data_view,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "metrics": dict(settings.cja_metrics),
            "journeys": [name for _, name in found],
            "timezone": zone,
        },
    )
    return store.save(
        parsed.frame,
        origin=f"CJA Reporting API, data view {data_view}",
        timezone=zone,
        source=pulled,
    )


def calendar_notes(data_view: str, zone: str | None, reporting: str) -> list[str]:
    """What to say about the data view's time zone against PARITY_TIMEZONE."""
    if zone is None:
        return [f"data view {data_view} did not say its time zone (timezoneDesignator)"]
    same = same_clock(zone, reporting)
    if same is None:
        return [f"data view {data_view} is in '{zone}', a time zone Parity does not know"]
    if same:
        return []
    return [
        f"the data view is in {zone}; Parity reports in {reporting} (PARITY_TIMEZONE): CJA's "
        f"days are {zone} days, so events near midnight fall on other days than in AJO"
    ]


def _wanted(
    found: list[tuple[str, str]], settings: Settings, notes: list[str]
) -> list[tuple[str, str]]:
    """The journeys CJA_JOURNEYS names (all of them when it is empty)."""
    if not settings.cja_journeys:
        return found
    key: Callable[[str], str] = normalize_label
    by_name = {key(name): (item, name) for item, name in found}
    wanted = [by_name[key(n)] for n in settings.cja_journeys if key(n) in by_name]
    absent = [n for n in settings.cja_journeys if key(n) not in by_name]
    if absent:
        notes.append(f"no numbers in CJA for journeys: {', '.join(absent)}")
    return wanted
