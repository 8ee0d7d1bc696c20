"""AJO report CSV downloads (report-level or one widget) -> the canonical frame.

AJO does not document its CSV layout, so the plausible ones are read: lines naming the
report before the widgets ("Journey,Welcome Series" or "Journey: Welcome Series"), then per
widget its title on a line of its own ("Performance by date"), a header row and the rows,
widgets apart by blank lines; or a widget downloaded alone, with or without its title. The
title tells which table follows: only tables with a Date column are read (per day), others
("Statistics", "Sending performance") are named in a note. AJO's metric names (Sent,
Delivered, Bounces, Retries, Errors, Excluded, Opens, Clicks, Unsubscribe, Spam
complaints) map to canonical metrics; rates and other columns are left out.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bot.errors import BadInput
from bot.ingest import blocks, tables
from bot.ingest.decode import Utf8
from bot.ingest.detect import Layout
from bot.ingest.limits import Limits
from bot.ingest.options import Options, Parsed
from bot.ingest.sections import Record, Section, delimiter_of, file_delimiter, head, sections
from bot.metrics import METRIC_TABLE, metric_for_label, normalize_label

NAME = "AJO report download (CSV)"
# The names AJO's report widgets use (and only they: CJA's are "Sends (AJO)" and the like).
AJO_LABELS = frozenset(
    normalize_label(label) for metric in METRIC_TABLE for label in metric.ajo_labels
)
_JOURNEY_KEYS = frozenset({"journey", "journey name", "campaign", "campaign name"})
_CHANNEL = re.compile(r"\b(email|sms|push|in-app|web)\b", re.IGNORECASE)
_BY_DATE = re.compile(r"\bby (date|day)\b|\bover time\b", re.IGNORECASE)


def fits(lines: list[str]) -> str | None:
    filled = [line for line in lines if line.strip(" \t,;\r")]
    records = [_cells(line) for line in filled]
    for index, cells in enumerate(records):
        following = records[index + 1] if index + 1 < len(records) else ()
        titled = len([c for c in cells if c]) == 1 and _BY_DATE.search(cells[0])
        if titled and following:  # the header may be missing: read() says so
            return None
    if records and _date_header(records[0]) and _ajo_header(records[0]):
        return None
    return (
        "no widget title such as 'Performance by date', and no 'Date' column next to AJO's "
        "metric names (Sent, Delivered, Bounces...)"
    )


def _cells(line: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in next(csv.reader([line], delimiter=delimiter_of(line)), []))


def _date_header(cells: tuple[str, ...]) -> bool:
    return any(tables.dimension_of(c) == "day" for c in cells if c) and not any(
        tables.is_number(c) for c in cells
    )


def _ajo_header(cells: tuple[str, ...]) -> bool:
    """AJO's own metric names only, and no journey or source column (a wide CSV has those)."""
    labels = [normalize_label(c) for c in cells if c and tables.dimension_of(c) is None]
    known = [label for label in labels if metric_for_label(label)]
    dims = {tables.dimension_of(c) for c in cells if c}
    return (
        bool(known)
        and all(label in AJO_LABELS for label in known)
        and not dims & {"journey", "source"}
    )


@dataclass(frozen=True)
class _Widget:
    title: str | None
    header: Record
    section: Section


def read(utf8: Utf8, options: Options) -> Parsed:
    product = options.product("ajo", "an AJO report download")
    meta: dict[str, str] = {}
    widgets: list[_Widget] = []
    statistics: dict[str, int] = {}
    notes: list[str] = []
    delimiter = file_delimiter(utf8)
    for section in sections(utf8):
        records = head(utf8, section, delimiter, limit=4)
        first, second = records[0], (records[1] if len(records) > 1 else None)
        title = first.cells[0] if len(first.filled()) == 1 and first.cells[0] else None
        if _date_header(first.cells):
            widgets.append(_Widget(None, first, section))
        elif (
            title
            and second is not None
            and _BY_DATE.search(title)
            and not (tables.is_label_row(second))
        ):
            raise BadInput(
                f"widget '{title}' has no header row: the line after its title should name "
                "its columns (Date, Sent, Delivered...)",
                line=second.line,
            )
        elif (
            title
            and second is not None
            and (_date_header(second.cells) or len(second.filled()) > 2)
            and tables.is_label_row(second)
        ):
            widgets.append(_Widget(title, second, section))
            if not _date_header(second.cells) and len(records) > 2:
                statistics |= _statistics(second, records[2])
        else:
            _remember(meta, records)
    by_date = [w for w in widgets if _date_header(w.header.cells)]
    others = [w.title or f"line {w.header.line}" for w in widgets if w not in by_date]
    if others:
        notes.append(f"widgets without a Date column were left out: {', '.join(others)}")
    if not by_date:
        raise BadInput("the AJO report has no widget by date (such as 'Performance by date')")
    journey = options.journey_name() or next(
        (v for k, v in meta.items() if k in _JOURNEY_KEYS), None
    )
    prepared = [_block(utf8, w, product, journey, notes, options.limits) for w in by_date]
    prepared = [p for p in prepared if p is not None]
    if not prepared:
        raise BadInput("the AJO report's widgets by date have no rows")
    result = blocks.read(
        [b for b, _, _ in prepared], captured_at=options.captured_at, date_order=options.date_order
    )
    for (_, widget, totals), found in zip(prepared, result.found, strict=True):
        sums = blocks.sums_by_position(found)
        where = f"widget '{widget.title}'" if widget.title else "the table"
        for said in totals:
            for position, value in said.items():
                added = sums.get((0, position), 0)
                if value != added:
                    problem = tables.sum_problem(widget.header.cells[position], value, added)
                    notes.append(f"{where}: {problem}")
    _check_statistics(result.frame, statistics, notes)
    return Parsed(result.frame, tuple(notes), NAME)


def _statistics(header: Record, values: Record) -> dict[str, int]:
    """The Statistics widget's totals by canonical metric (its one row of numbers)."""
    found = {}
    for position, metric in tables.metric_positions(header, 0).items():
        cell = values.cells[position] if position < len(values.cells) else ""
        if metric is not None and (number := tables.count(cell)) is not None:
            found[metric] = number
    return found


def _check_statistics(frame, statistics: dict[str, int], notes: list[str]) -> None:
    """The by-date rows against the report's Statistics widget, when both are there."""
    if not statistics or frame["journey"].nunique() != 1:
        return
    sums = frame.groupby("metric")["value"].sum()
    for metric, said in statistics.items():
        if metric in sums.index and int(sums[metric]) != said:
            notes.append(
                f"the Statistics widget says {metric} {said:,} but the days add up to "
                f"{int(sums[metric]):,} (a period longer than the days shown, or rows missing)"
            )


def _remember(meta: dict[str, str], records: list[Record]) -> None:
    for record in records:
        filled = [c for _, c in record.filled()]
        if len(filled) >= 2:
            key, value = filled[0].rstrip(":"), filled[1]
        elif len(filled) == 1 and ":" in filled[0]:
            key, _, value = filled[0].partition(":")
        else:
            continue
        meta.setdefault(key.strip().casefold(), value.strip())


def _block(
    utf8: Utf8,
    widget: _Widget,
    product: str,
    journey: str | None,
    notes: list[str],
    limits: Limits,
):
    header = widget.header
    where = f"widget '{widget.title}'" if widget.title else f"the table on line {header.line}"
    dims = {}
    for position, cell in header.filled():
        column = tables.dimension_of(cell)
        if column is not None:
            dims.setdefault(column, position)
    metrics = tables.metric_positions(header, 0)
    known = tuple(
        sorted((p, m) for p, m in metrics.items() if m is not None and p not in dims.values())
    )
    if not known:
        notes.append(f"{where} has no metric Parity knows: left out")
        return None
    skipped = [header.cells[p] for p, m in metrics.items() if m is None and p not in dims.values()]
    if skipped:
        notes.append(f"{where}: columns Parity does not use were left out: {', '.join(skipped)}")
    seen: dict[str, int] = {}
    for position, metric in known:
        if metric in seen:
            raise BadInput(
                f"{where}: columns '{header.cells[seen[metric]]}' and '{header.cells[position]}' "
                f"both give the metric {metric}; keep one",
                line=header.line,
                column=header.cells[position],
            )
        seen[metric] = position
    if "journey" not in dims and journey is None:
        raise BadInput(
            "the AJO report does not say which journey it is for (no 'Journey' line above the "
            "widgets): give --journey",
            line=header.line,
        )
    numbers = [p for p, _ in known]
    table, locate = tables.read_rows(utf8, header, widget.section, numbers, limits)
    if not table.num_rows:
        notes.append(f"{where} has no rows: left out")
        return None
    totals_rows = tables.cell_flags(table.column(dims["day"]), tables.is_totals_label)
    totals = []
    for row in np.flatnonzero(totals_rows):
        cells = {p: (table.column(p)[int(row)].as_py() or "").strip() for p in numbers}
        totals.append({p: n for p, c in cells.items() if (n := tables.count(c)) is not None})
    kept = np.flatnonzero(~totals_rows)
    if len(kept) < table.num_rows:
        table = table.filter(pa.array(~totals_rows))

    def located(rows):
        original = {row: int(kept[row]) for row in rows}
        lines = locate(set(original.values()))
        return {row: lines[o] for row, o in original.items()}

    channel = _CHANNEL.search(widget.title or "")
    constants = {"source": product, "journey_id": "", "action": "", "channel": ""}
    if channel and "channel" not in dims:
        constants["channel"] = channel[1].lower()
    if "journey" not in dims:
        constants["journey"] = journey
    decimal = "," if tables.record_delimiter(utf8, header) == ";" else "."
    layout = Layout("wide", header.cells, dims, known, decimal=decimal)
    return blocks.Block(table, layout, constants, located), widget, totals
