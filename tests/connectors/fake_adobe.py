"""A local stand-in for Adobe IMS and the CJA Reporting API, on port 0, in a thread.

It implements the documented shapes (adobe-data.md §7): the IMS token endpoint (form in,
access_token/expires_in out), GET /data/dataviews/{id}?expansion=timezoneDesignator (the
data view's time zone, as the Data Views API answers it) and POST /reports (rsid or dataId,
a dateRange global filter, a dimension, metricContainer with breakdown metricFilters,
settings.page/limit; answers with totalPages/lastPage/number, columns.columnIds, rows of
itemId/value/data). Faults are scripted per /reports request: a 429 with Retry-After, a
5xx, a 401 for an expired token, a 206 with a column the data view does not allow; day
labels can be set off their itemIds. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DAY = "variables/daterangeday"
JOURNEY = "variables/journeyname"
CLIENT_ID, SECRET, ORG = "client-123", "s3cret", "ABC123@AdobeOrg"


def day_code(day: date) -> str:
    return f"{day.year - 1900}{day.month - 1:02d}{day.day:02d}"


@dataclass
class Fault:
    """An answer instead of the report (status, headers, body), or a 206 without a column."""

    status: int
    headers: dict = field(default_factory=dict)
    body: object = None
    drop_column: str | None = None  # with 206: this metric's column is not allowed
    item: str | None = None  # only for the day reports of this journey item


@dataclass
class Adobe:
    """The fake's data and knobs: journeys -> day -> metric id -> value."""

    data: dict[str, dict[date, dict[str, int]]]
    faults: list[Fault | None] = field(default_factory=list)
    expires_in: int = 86399
    timezone: str | None = "UTC"  # the data view's timezoneDesignator (None: not said)
    # day rows labelled this many days off their itemId (a label CJA rendered elsewhere)
    label_shift_days: int = 0
    expired: set[str] = field(default_factory=set)  # tokens /reports answers 401 to
    tokens: list[str] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def item_of(self, journey: str) -> str:
        return str(1000 + sorted(self.data).index(journey))


def _report(adobe: Adobe, body: dict) -> tuple[int, dict]:
    start, end = (
        date.fromisoformat(t[:10])
        for t in next(f for f in body["globalFilters"] if f["type"] == "dateRange")[
            "dateRange"
        ].split("/")
    )
    metrics = body["metricContainer"]["metrics"]
    settings = body["settings"]
    rows = []
    if body["dimension"] == JOURNEY:
        for journey in sorted(adobe.data):
            total = sum(v.get(metrics[0]["id"], 0) for d, v in adobe.data[journey].items()
                        if start <= d < end)  # fmt: skip
            if total:
                rows.append({"itemId": adobe.item_of(journey), "value": journey, "data": [total]})
    elif body["dimension"] == DAY:
        (breakdown,) = body["metricContainer"]["metricFilters"]
        assert (breakdown["type"], breakdown["dimension"]) == ("breakdown", JOURNEY)
        journey = next(j for j in adobe.data if adobe.item_of(j) == breakdown["itemId"])
        day = start
        while day < end:
            numbers = adobe.data[journey].get(day, {})
            shown = day + timedelta(days=adobe.label_shift_days)
            rows.append({
                "itemId": day_code(day), "value": f"{shown:%b} {shown.day}, {shown.year}",
                "data": [float(numbers.get(m["id"], 0)) for m in metrics],
            })  # fmt: skip
            day += timedelta(days=1)
    else:
        return 400, {"errorCode": "invalid_dimension", "errorDescription": body["dimension"]}
    limit, page = settings["limit"], settings["page"]
    pages = max(1, -(-len(rows) // limit))
    return 200, {
        "totalPages": pages, "firstPage": page == 0, "lastPage": page >= pages - 1,
        "numberOfElements": len(rows[page * limit : (page + 1) * limit]), "number": page,
        "totalElements": len(rows),
        "columns": {"dimension": {"id": body["dimension"],
                                  "type": "time" if body["dimension"] == DAY else "string"},
                    "columnIds": [m["columnId"] for m in metrics]},
        "rows": rows[page * limit : (page + 1) * limit],
    }  # fmt: skip


def _take_fault(adobe: Adobe, body: dict) -> Fault | None:
    """The next scripted fault for this request (in order; one aimed at a journey waits)."""
    filters = body["metricContainer"].get("metricFilters") or [{}]
    item = filters[0].get("itemId")
    for index, fault in enumerate(adobe.faults):
        if fault is None or fault.item is None or fault.item == item:
            return adobe.faults.pop(index)
    return None


def _handler(adobe: Adobe):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body, headers: dict | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with adobe.lock:
                if self.path == "/ims/token/v3":
                    self._token(urllib.parse.parse_qs(raw.decode()))
                elif self.path == "/reports":
                    self._reports(json.loads(raw))
                else:
                    self._send(404, {"error": "not found"})

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            with adobe.lock:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                adobe.requests.append(
                    {"path": path, "query": urllib.parse.parse_qs(query), "token": token}
                )
                if token not in adobe.tokens or token in adobe.expired:
                    self._send(401, {"error_code": "401013", "message": "Oauth token is not valid"})
                elif path.startswith("/data/dataviews/"):
                    view = {"id": path.rsplit("/", 1)[-1], "name": "AJO Enabled Data View (prod)"}
                    wanted = urllib.parse.parse_qs(query).get("expansion", [""])[0].split(",")
                    if "timezoneDesignator" in wanted and adobe.timezone is not None:
                        view["timezoneDesignator"] = adobe.timezone
                    self._send(200, view)
                else:
                    self._send(404, {"error": "not found"})

        def _token(self, form: dict) -> None:
            adobe.requests.append({"path": "/ims/token/v3", "form": form})
            good = (
                form.get("grant_type") == ["client_credentials"]
                and form.get("client_id") == [CLIENT_ID]
                and form.get("client_secret") == [SECRET]
                and form.get("scope")
            )
            if not good:
                self._send(400, {"error": "invalid_client", "error_description": "bad credential"})
                return
            token = f"token-{len(adobe.tokens) + 1}"
            adobe.tokens.append(token)
            self._send(200, {"access_token": token, "token_type": "bearer",
                             "expires_in": adobe.expires_in})  # fmt: skip

        def _reports(self, body: dict) -> None:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            adobe.requests.append(
                {"path": "/reports", "body": body, "token": token,
                 "headers": {k.lower(): v for k, v in self.headers.items()}}
            )  # fmt: skip
            if token not in adobe.tokens or token in adobe.expired:
                self._send(401, {"error_code": "401013", "message": "Oauth token is not valid"})
                return
            if (
                self.headers.get("x-api-key") != CLIENT_ID
                or self.headers.get("x-gw-ims-org-id") != ORG
            ):
                self._send(403, {"errorCode": "403", "errorDescription": "missing headers"})
                return
            if not (body.get("rsid") or body.get("dataId")):
                self._send(400, {"errorCode": "missing_rsid", "errorDescription": "no data view"})
                return
            fault = _take_fault(adobe, body)
            if fault is not None and fault.drop_column is None:
                self._send(fault.status, fault.body, fault.headers)
                return
            status, answer = _report(adobe, body)
            if fault is not None:  # a partial answer: one column not allowed
                ids = answer["columns"]["columnIds"]
                position = ids.index(fault.drop_column)
                answer["columns"]["columnErrors"] = [{
                    "columnId": fault.drop_column, "errorCode": "unauthorized_metric",
                    "errorDescription": "not allowed in this data view",
                }]  # fmt: skip
                for row in answer["rows"]:
                    row["data"][position] = None
                status = 206
            self._send(status, answer)

    return Handler


class Server:
    """The fake on 127.0.0.1, a free port; `url` is its base."""

    def __init__(self, adobe: Adobe) -> None:
        self.adobe = adobe
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(adobe))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reports(self) -> list[dict]:
        return [r for r in self.adobe.requests if r["path"] == "/reports"]

    def api_calls(self) -> list[dict]:
        """Every request to the CJA API (not IMS), in order."""
        return [r for r in self.adobe.requests if r["path"] != "/ims/token/v3"]
