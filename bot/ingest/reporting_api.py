"""CJA Reporting API responses (POST /reports) saved as JSON -> the canonical frame.

Accepted: one response page; a list of pages; pages one per line (JSON Lines); or a wrapper
`{"request": {...}, "response": page | [pages], "journey": "..."}` that keeps the request
with its answer (as does a request saved next to the file as NAME.request.json). Pages of
one request are put in order and must all be there (`totalPages`); a page saved twice is
read once. Rows are days decoded from `itemId` ((year-1900), month-1, day: 1251028 is Nov
28, 2025), never from the display label. Each column id is mapped to a canonical metric
through the request's metricContainer and CJA_METRICS, or read from the id itself.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from bot.errors import BadInput
from bot.ingest import records, values
from bot.ingest.decode import Utf8
from bot.ingest.json_values import count, documents, kind, shown, whole
from bot.ingest.limits import MAX_COUNT, Limits, over
from bot.ingest.options import Options, Parsed
from bot.metrics import metric_for_label, not_the_same

NAME = "CJA Reporting API response (JSON)"
DAY_DIMENSION = "variables/daterangeday"


def fits(lines: list[str]) -> str | None:
    first = next((line.strip() for line in lines if line.strip()), "")
    if first[:1] in ("{", "["):
        return None
    return "not JSON (it does not start with '{' or '[')"


@dataclass(frozen=True)
class Report:
    """The pages answering one request, with the request and journey when known."""

    pages: list[dict]
    request: dict | None
    journey: str | None
    label: str  # "the response", "report 2" (in errors)


def read(utf8: Utf8, options: Options) -> Parsed:
    options.product("cja", "a CJA Reporting API response")
    return frame_of(reports_in(documents(utf8, options.limits), options), options)


def frame_of(reports: list[Report], options: Options) -> Parsed:
    """Reports (answered pages of requests) -> the canonical frame, as CJA's numbers."""
    product = "cja"
    notes: list[str] = []
    parts = [_numbers(report, options, notes) for report in reports]
    descriptions: list[str] = []
    where = []
    for part in parts:
        where.append(part[4] + len(descriptions))
        descriptions.extend(part[5])
    value = np.concatenate([p[3] for p in parts])
    if not len(value):
        raise BadInput("no numbers in the response: its rows are empty")
    located = np.concatenate(where)
    frame = records.frame(
        source=product,
        captured_at=options.captured_at,
        journey=np.concatenate([p[0] for p in parts]),
        day=np.concatenate([p[1] for p in parts]),
        metric=np.concatenate([p[2] for p in parts]),
        value=value,
        describe=lambda i: descriptions[located[i]],
    )
    return Parsed(frame, tuple(notes), NAME)


def reports_in(documents: list[Any], options: Options) -> list[Report]:
    """Group documents into reports: wrappers stand alone, bare pages share one request."""
    side_request = _side_request(options)
    reports: list[Report] = []
    loose: list[dict] = []
    for document in documents:
        for item in document if isinstance(document, list) else [document]:
            if _is_page(item):
                loose.append(item)
            elif isinstance(item, dict) and ("response" in item or "pages" in item):
                label = f"report {len(reports) + 1}"
                pages = item.get("response", item.get("pages"))
                pages = pages if isinstance(pages, list) else [pages]
                if not pages:
                    raise BadInput(f"{label}: its 'response' holds no page")
                for page in pages:
                    if not _is_page(page):
                        raise _not_a_report(page, f"{label}: ")
                request, journey = item.get("request"), item.get("journey")
                if request is not None and not isinstance(request, dict):
                    raise BadInput(f"{label}: 'request' must be an object (found {kind(request)})")
                if journey is not None and not isinstance(journey, str):
                    raise BadInput(f"{label}: 'journey' must be text (found {kind(journey)})")
                reports.append(Report(pages, request, journey, label))
            else:
                raise _not_a_report(item)
    if loose:
        reports.append(Report(loose, side_request, None, "the response"))
    if not reports:
        raise BadInput("the JSON holds no Reporting API response")
    return reports


def _side_request(options: Options) -> dict | None:
    """The request saved next to the file (NAME.request.json), read as carefully."""
    sibling = options.sibling(".request.json")
    if not sibling:
        return None
    try:
        found = documents(Utf8(sibling, 0), options.limits)
    except BadInput as error:
        raise BadInput(f"the request saved next to it (.request.json): {error}") from None
    if len(found) != 1 or not isinstance(found[0], dict):
        raise BadInput("the request saved next to it (.request.json) is not one JSON object")
    return found[0]


def _is_page(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("rows"), list) and "columns" in item


def _not_a_report(item: Any, where: str = "") -> BadInput:
    keys = ", ".join(list(item)[:6]) if isinstance(item, dict) else type(item).__name__
    hint = ""
    if isinstance(item, dict) and ("errorCode" in item or "error_code" in item):
        hint = f" — it is an error answer: {item.get('errorDescription') or item.get('message')}"
    return BadInput(
        f"{where}not a CJA Reporting API response (expected 'rows' and 'columns', as POST "
        f"/reports answers; found {keys}){hint}"
    )


def _ordered(report: Report, limits: Limits) -> list[dict]:
    """Pages in order, each once; a missing page refuses the report.

    totalPages and number are checked against PARITY_MAX_PAGES before they count anything.
    """
    if len(report.pages) > limits.pages:
        raise BadInput(
            over(f"{report.label}: the number of pages", len(report.pages), limits.pages, "pages")
        )
    by_number: dict[int, dict] = {}
    total = 1
    for index, page in enumerate(report.pages):
        where = f"{report.label}, page {index + 1}"
        _check_page(page, where, limits)
        said = page.get("totalPages", 1)
        said = 1 if said is None else said  # 0 too: a page is there
        total = max(total, whole(said, f"{where}: totalPages", 0, limits.pages, "pages"))
        number = page.get("number", index if len(report.pages) > 1 else 0)
        number = whole(number, f"{where}: its page number ('number')", 0, limits.pages - 1, "pages")
        if number in by_number and by_number[number] != page:
            raise BadInput(f"{report.label}: page {number + 1} is saved twice, with different rows")
        by_number[number] = page
    beyond = max(by_number)
    if beyond >= total:
        raise BadInput(
            f"{report.label}: page number ('number') {beyond} is beyond the {total} page"
            f"{'s' if total > 1 else ''} totalPages says there are (numbers start at 0)"
        )
    missing = next((n + 1 for n in range(total) if n not in by_number), None)
    if missing:
        raise BadInput(
            f"{report.label}: page {missing} of {total} is missing (the file has "
            f'{len(by_number)}); save every page, until the one with "lastPage": true'
        )
    ids = {tuple(p["columns"].get("columnIds", [])) for p in by_number.values()}
    if len(ids) > 1:
        raise BadInput(
            f"{report.label}: its pages have different columns; they answer different requests"
        )
    return [by_number[n] for n in sorted(by_number)]


def _check_page(page: dict, where: str, limits: Limits) -> None:
    """A page's parts have the JSON types POST /reports answers with, within the caps."""
    columns = page["columns"]
    if not isinstance(columns, dict):
        raise BadInput(f"{where}: 'columns' must be an object (found {kind(columns)})")
    ids = columns.get("columnIds", [])
    if not isinstance(ids, list) or not all(
        isinstance(i, str | int) and not isinstance(i, bool) for i in ids
    ):
        raise BadInput(f"{where}: 'columns.columnIds' must be a list of column ids")
    if len(ids) > limits.columns:
        raise BadInput(over(f"{where}: the number of columns", len(ids), limits.columns, "columns"))
    for part in ("dimension",):
        if not isinstance(columns.get(part, {}), dict):
            raise BadInput(f"{where}: 'columns.{part}' must be an object")
    errors = columns.get("columnErrors") or []
    if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
        raise BadInput(f"{where}: 'columns.columnErrors' must be a list of objects")
    if len(page["rows"]) > limits.rows:
        raise BadInput(over(f"{where}: the number of rows", len(page["rows"]), limits.rows, "rows"))
    for r, row in enumerate(page["rows"]):
        if not isinstance(row, dict):
            raise BadInput(f"{where}, row {r + 1}: a row must be an object (found {kind(row)})")


def metric_of_column(column_id: str, request: dict | None, options: Options) -> str | None:
    """The canonical metric a response column holds, or None."""
    metric_id = None
    if request:
        for metric in request.get("metricContainer", {}).get("metrics", []):
            if str(metric.get("columnId")) == column_id:
                metric_id = metric.get("id")
    for key in (metric_id, column_id):
        if key and (found := options.metric_ids.get(key)):
            return found
    for key in (metric_id, column_id):
        if key and (found := metric_from_id(key)):
            return found
    return None


def metric_from_id(metric_id: str) -> str | None:
    """'metrics/sends_ajo' or 'sent' -> sent; an id that names no metric -> None."""
    name = metric_id.rsplit("/", 1)[-1].replace("_", " ").replace(".", " ")
    return metric_for_label(name) or metric_for_label(name.removesuffix(" ajo") + " (ajo)")


def day_of_item_ids(item_ids: list[str]) -> tuple[np.ndarray, int | None]:
    """CJA day item ids -> datetime64[us]; also the index of the first id that is not a day."""
    text = np.array([str(i) for i in item_ids], dtype=str)
    good = np.char.isdigit(text) & (np.char.str_len(text) >= 6) & (np.char.str_len(text) <= 7)
    numbers = np.where(good, text, "0").astype(np.int64)
    year, month, day = numbers // 10000 + 1900, numbers // 100 % 100 + 1, numbers % 100
    good &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = (np.where(good, year, 1970) - 1970) * 12 + np.where(good, month, 1) - 1
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (np.where(good, day, 1) - 1)
    good &= days.astype("datetime64[M]") == months.astype("datetime64[M]")  # no Feb 30
    bad = np.flatnonzero(~good)
    return days.astype("datetime64[us]"), (int(bad[0]) if len(bad) else None)


def _numbers(report: Report, options: Options, notes: list[str]):
    """(journey, day, metric, value, description index, descriptions) for one report."""
    pages = _ordered(report, options.limits)
    columns = pages[0]["columns"]
    dimension = columns.get("dimension", {})
    dimension_id = str(dimension.get("id", ""))
    if not (dimension_id.endswith("daterangeday") or dimension.get("type") == "time"):
        raise BadInput(
            f"{report.label}: its rows are '{dimension_id or 'not named'}', not days; save a "
            f"report by day (dimension {DAY_DIMENSION})"
        )
    journey = report.journey or options.journey_name()
    if not journey:
        raise BadInput(
            f"{report.label} does not say which journey its numbers are for: give --journey, "
            'or save it as {"journey": ..., "request": ..., "response": ...}'
        )
    column_ids = [str(c) for c in columns.get("columnIds", [])]
    failed = {str(e.get("columnId")) for e in columns.get("columnErrors", []) or []}
    if failed:
        notes.append(
            f"{report.label}: CJA answered only in part; columns left out: "
            + ", ".join(
                f"{e.get('columnId')} ({e.get('errorDescription') or e.get('errorCode')})"
                for e in columns["columnErrors"]
            )
        )
    mapped = {
        i: m
        for i, c in enumerate(column_ids)
        if c not in failed and (m := metric_of_column(c, report.request, options))
    }
    unmapped = [c for i, c in enumerate(column_ids) if i not in mapped and c not in failed]
    if not mapped:
        raise BadInput(
            f"{report.label}: no column maps to a Parity metric (columns {', '.join(column_ids)});"
            " save the request's metricContainer with it, or set CJA_METRICS "
            "(e.g. sent=metrics/sends)"
        )
    for column in unmapped:
        if (why := not_the_same(column.rsplit("/", 1)[-1].replace("_", " "))) is not None:
            notes.append(f"{report.label}: column {column} was left out: {why}")
    unmapped = [c for c in unmapped if not_the_same(c.rsplit("/", 1)[-1].replace("_", " ")) is None]
    if unmapped:
        notes.append(f"{report.label}: columns left out (no Parity metric): {', '.join(unmapped)}")

    rows = [(n, r, row) for n, page in enumerate(pages) for r, row in enumerate(page["rows"])]
    if len(rows) > options.limits.rows:
        raise BadInput(
            over(f"{report.label}: the number of rows", len(rows), options.limits.rows, "rows")
        )
    days, bad = day_of_item_ids([row.get("itemId") for _, _, row in rows])
    if bad is not None:
        n, r, row = rows[bad]
        raise BadInput(
            f"{report.label}, page {n + 1}, row {r + 1}: itemId '{row.get('itemId')}' is not a "
            f"CJA day (value '{row.get('value')}')"
        )
    _check_labels(report, rows, days, notes)
    picked = np.array(sorted(mapped), dtype=np.int64)
    cells = _data(rows, column_ids, picked, report.label)
    present = ~np.isnan(cells)
    _check_totals(report, pages[-1], column_ids, picked, np.where(present, cells, 0), notes)
    row_index, col_index = np.nonzero(present)
    metric_names = np.array([mapped[int(i)] for i in picked])
    descriptions = [f"{report.label}, page {n + 1}, row {r + 1}" for n, r, _ in rows]
    return (
        np.full(len(row_index), journey, dtype=object),
        days[row_index],
        metric_names[col_index],
        cells[row_index, col_index].astype(np.int64),
        row_index,
        descriptions,
    )


def _check_labels(report: Report, rows: list, days: np.ndarray, notes: list[str]) -> None:
    """A day's display label that names another day than its itemId: the itemId is what
    CJA counted by (the label is rendered for people, in a calendar that may differ)."""
    disagree = []
    for (n, r, row), day in zip(rows, days, strict=True):
        label = str(row.get("value") or "")
        try:
            said = values.day(label)
        except ValueError:
            continue  # a label in a format Parity does not read says nothing
        if said != day:
            disagree.append((n, r, label, day, row.get("itemId")))
    if disagree:
        n, r, label, day, item = disagree[0]
        others = len(disagree) - 1
        more = f" (and {others} more row{'s' if others > 1 else ''})" if others else ""
        notes.append(
            f"{report.label}, page {n + 1}, row {r + 1}: the label says '{label}' but itemId "
            f"{item} is {str(day)[:10]}; stored as {str(day)[:10]}{more}"
        )


def _check_totals(report: Report, page: dict, column_ids, picked, cells, notes) -> None:
    """summaryData's totals against the rows' sums (the answer's own totals row)."""
    summary = page.get("summaryData")
    if not isinstance(summary, dict):
        return
    totals = summary.get("filteredTotals") or summary.get("totals")
    if not isinstance(totals, list) or len(totals) != len(column_ids):
        return
    sums = cells.sum(axis=0)
    for index, position in enumerate(picked):
        said = totals[int(position)]
        if isinstance(said, Decimal) and said.is_finite():
            said = float(said)
        if type(said) in (int, float) and round(said) != round(sums[index]):
            notes.append(
                f"{report.label}: summaryData says column {column_ids[int(position)]} totals "
                f"{said:,.0f} but the rows add up to {sums[index]:,.0f}"
            )


def _data(rows: list, column_ids: list[str], picked: np.ndarray, label: str) -> np.ndarray:
    """The picked columns of the rows' `data`: a (rows x picked) float array, NaN for null.

    Every cell is a number or null; a picked one is a count, whole, 0 or more and at most
    2^53, where a float holds every whole number exactly.
    """
    width = len(column_ids)
    data = [row.get("data") for _, _, row in rows]
    if all(type(d) is list and len(d) == width for d in data):
        kinds = set(map(type, itertools.chain.from_iterable(data)))
        if kinds <= {int, float, type(None)}:  # doubles exactly as written: checked in bulk
            every = np.array(data, dtype=np.float64).reshape(len(rows), width)[:, picked]
            present = ~np.isnan(every)
            good = (every >= 0) & (every <= MAX_COUNT) & (every == np.floor(every))
            if (good | ~present).all():
                return every
    cells = np.full((len(rows), len(picked)), np.nan)
    wanted = list(enumerate(picked.tolist()))
    for i, (n, r, row) in enumerate(rows):
        data = row.get("data")
        place = f"{label}, page {n + 1}, row {r + 1}"
        if (
            type(data) is not list
            or len(data) != width
            or not all(v is None or type(v) in (int, float, Decimal) for v in data)
        ):
            raise BadInput(
                f"{place}: 'data' must hold {width} numbers, one per column (found {shown(data)})"
            )
        for j, position in wanted:
            value = data[position]
            if value is None:
                continue
            number = count(value)
            if isinstance(number, str):
                raise BadInput(f"{place}, column {column_ids[position]}: {shown(value)} {number}")
            cells[i, j] = number
    return cells
