"""CJA Analysis Workspace CSV exports (freeform tables) -> the canonical frame.

Workspace writes a `#` comment block per panel (its name, `Data view:` or `Report suite:`,
`Date: Nov 1, 2026 - Nov 30, 2026`), then per table a `#` block with the table's title, a
row of metric names, a row with the dimension name(s) and the totals, and one row per item
(Adobe documents this for Analytics; for CJA it is assumed the same, and so both are read).

Read as well: a table per journey (its title names the journey), a breakdown by journey in
rows (a 'Journey Name (AJO)' column, filled in or shown once above the journey's days with
its subtotal) or in columns (journey names in a header row above the metric names); days
as Workspace writes them and as spreadsheets rewrite them; a totals row a spreadsheet added.
Totals are checked against the rows: a difference is reported, or refused when the rows
stop before the date range ends or the file ends mid-line (a cut-short export). Metric
columns Parity does not know (rates, People...) are left out and named in a note.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from bot.errors import BadInput
from bot.ingest import blocks, tables, values
from bot.ingest.decode import Utf8
from bot.ingest.detect import Layout
from bot.ingest.observations import Observations
from bot.ingest.options import Options, Parsed
from bot.ingest.sections import Record, delimiter_of, is_comment, metadata, sections
from bot.ingest.workspace_header import Plan, is_totals, plan, title_of
from bot.metrics import not_the_same

NAME = "CJA Workspace export (CSV)"
_GENERIC_TITLE = re.compile(r"((freeform )?table|panel)( \d+)?", re.IGNORECASE)


def fits(lines: list[str]) -> str | None:
    """None when the head of a file looks like a Workspace export, else why it does not."""
    filled = [line for line in lines if line.strip(" \t,;\r")]
    if filled and is_comment(filled[0]):
        return None
    if len(filled) >= 2:
        delimiter = delimiter_of(filled[0])
        first, second = (Record(_cells(line, delimiter), 0, 0, 0) for line in filled[:2])
        lead = first.cells[0] if first.cells else ""
        if (
            any(tables.metric_positions(first, 1).values())
            and (not lead or tables.dimension_of(lead))
            and tables.is_label_row(first)
            and is_totals(second)
        ):
            return None
    return "no '#' comment block at the top, and the first rows are not metric names over totals"


def _cells(line: str, delimiter: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in next(csv.reader([line], delimiter=delimiter), []))


def read(utf8: Utf8, options: Options) -> Parsed:
    product = options.product("cja", "a CJA Workspace export")
    notes: list[str] = []
    meta: dict[str, str] = {}
    labels: list[str] = []
    tables_read: list[tuple[Plan, Rows, Totals]] = []
    parts = sections(utf8)
    for index, section in enumerate(parts):
        meta = panel(meta, section.comments)
        found = plan(utf8, section, title_of(section.comments), notes, labels)
        if found is None:
            continue
        numbers = range(found.lead, len(found.above.cells))
        table, locate = tables.read_rows(utf8, found.above, section, numbers, options.limits)
        if not table.num_rows:
            notes.append(f"{found.where} has no rows: left out")
            continue
        rows, _ = rows_of(table, locate, found, product, options.journey_name())
        cut = index == len(parts) - 1 and not utf8.data[: utf8.stop].endswith(b"\n")
        tables_read.append((found, rows, Totals(found, date_range(meta), cut)))
    if not tables_read:
        raise nothing_to_read(notes, meta, labels)

    result = blocks.read(
        [rows.block for _, rows, _ in tables_read],
        captured_at=options.captured_at,
        date_order=options.date_order,
    )
    for (_, rows, totals), found in zip(tables_read, result.found, strict=True):
        totals.add(rows, found)
        totals.finish(notes)
    frame = without_unspecified(result.frame, notes)
    return Parsed(frame, tuple(notes), NAME)


def panel(meta: dict[str, str], comments: tuple[str, ...]) -> dict[str, str]:
    """Panel metadata in force for a table: a '#====' line starts a new panel."""
    if any(c and set(c) <= set("=") for c in comments):
        meta = {}
    return meta | metadata(comments)


@dataclass(frozen=True)
class Rows:
    """A table's data rows (or a batch of them) as a block, and the rows that total them."""

    block: blocks.Block
    groups: np.ndarray | None  # subtotal group of each data row (journeys shown once)
    subtotals: list[tuple[str, dict[int, int]]]
    extra_totals: list[dict[int, int]]


def rows_of(
    table: pa.Table,
    locate: Callable[[Collection[int]], dict[int, int]],
    found: Plan,
    product: str,
    journey: str | None,
    carry: str | None = None,
) -> tuple[Rows, str | None]:
    """Data rows without totals and subtotal rows, journeys filled down; and the last journey.

    `carry` is the journey in force above the first row (the previous batch's last one).
    """
    count = table.num_rows
    totals_rows = np.zeros(count, dtype=bool)
    for position in sorted(found.dims.values()):
        totals_rows |= tables.cell_flags(table.column(position), tables.is_totals_label)
    journey_at, day_at = found.dims.get("journey"), found.dims["day"]
    subtotal = np.zeros(count, dtype=bool)
    last = carry
    # Rows naming the inner dimension ("Welcome Series,Day,2000,40"), under or instead of
    # the journey's own subtotal row: not data.
    inner = tables.cell_flags(table.column(day_at), tables.names_days) & ~totals_rows
    if journey_at is not None:
        day_empty = tables.cell_flags(table.column(day_at), lambda c: not c)
        journey_empty = tables.cell_flags(table.column(journey_at), lambda c: not c)
        subtotal = day_empty & ~journey_empty & ~totals_rows
        # A journey's group starts at its subtotal row, or at its inner-dimension row when
        # no subtotal row came just before it (that row then carries the subtotal).
        after_subtotal = np.concatenate([[False], subtotal[:-1]])
        subtotal |= inner & ~after_subtotal
        if journey_empty.any():
            filled = tables.fill_down(table.column(journey_at), journey_empty, carry)
            table = table.set_column(journey_at, table.schema.field(journey_at).name, filled)
        named = np.flatnonzero(~totals_rows)
        if len(named):
            last = str(table.column(journey_at)[int(named[-1])])
    extra = [_row_values(table, int(r), found) for r in np.flatnonzero(totals_rows)]
    subtotals = [
        (str(table.column(journey_at)[int(r)]), _row_values(table, int(r), found))
        for r in np.flatnonzero(subtotal)
    ]
    keep = ~(totals_rows | subtotal | inner)
    kept = np.flatnonzero(keep)
    groups = (np.cumsum(subtotal) - 1)[kept] if subtotal.any() else None
    if len(kept) < count:
        table = table.filter(pa.array(keep))

    def located(rows: Collection[int]) -> dict[int, int]:
        original = {row: int(kept[row]) for row in rows}
        lines = locate(set(original.values()))
        return {row: lines[o] for row, o in original.items()}

    constants: dict[str, str] = {"source": product, "journey_id": "", "action": "", "channel": ""}
    if journey_at is not None and found.groups:
        raise BadInput(f"{found.where} has journeys both in rows and in columns")
    if journey_at is None and not found.groups:
        name = journey or _journey_title(found.title)
        if name is None:
            raise BadInput(
                f"{found.where} does not say which journey its numbers are for: break it down "
                "by 'Journey Name (AJO)', name the table after the journey, or give --journey",
                line=found.above.line,
            )
        constants["journey"] = name
    layout = Layout("wide", found.names, dict(found.dims), found.metrics, decimal=found.decimal)
    block = blocks.Block(table, layout, constants, located, found.groups)
    return Rows(block, groups, subtotals, extra), last


def _journey_title(title: str | None) -> str | None:
    if title is None or _GENERIC_TITLE.fullmatch(title):
        return None
    return title


def _row_values(table: pa.Table, row: int, found: Plan) -> dict[int, int]:
    result = {}
    for position, _ in found.metrics:
        cell = table.column(position)[row].as_py() or ""
        if (number := tables.count(cell.strip(), found.decimal)) is not None:
            result[position] = number
    return result


@dataclass
class Totals:
    """A table's totals rows against the sum of its rows, added up batch by batch."""

    plan: Plan
    span: tuple[date, date] | None
    cut: bool  # the file ends in the middle of this table's last line
    check_subtotals: bool = True
    sums: Counter = field(default_factory=Counter)
    extra: list[dict[int, int]] = field(default_factory=list)
    first_day: date | None = None
    last_day: date | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, rows: Rows, found: Observations) -> None:
        for (_, position), value in blocks.sums_by_position(found).items():
            self.sums[position] += value
        self.extra.extend(rows.extra_totals)
        if len(found):
            day = found.columns["day"]
            used = np.unique(np.asarray(day.codes))
            seen = [day.values[int(c)].astype("datetime64[D]").item() for c in used]
            self.first_day = min(self.first_day or min(seen), min(seen))
            self.last_day = max(self.last_day or max(seen), max(seen))
        if self.check_subtotals and rows.subtotals and rows.groups is not None:
            by_group = blocks.sums_by_position(found, rows.groups)
            for group, (journey, said) in enumerate(rows.subtotals):
                for position, value in said.items():
                    added = by_group.get((group, position), 0)
                    if added != value:
                        problem = tables.sum_problem(self.plan.names[position], value, added)
                        self.notes.append(f"{self.plan.where}, journey '{journey}': {problem}")

    def finish(self, notes: list[str]) -> None:
        """Notes for totals that differ; BadInput when the table was cut short."""
        where, names = self.plan.where, self.plan.names
        short = []
        for position, said in self.plan.totals.items():
            added = self.sums[position]
            if added != said:
                notes.append(f"{where}: {tables.sum_problem(names[position], said, added)}")
                short += [(names[position], said, added)] if added < said else []
        ends_early = self.span is not None and self.last_day and self.last_day < self.span[1]
        if short and (self.cut or ends_early):
            label, said, added = short[0]
            why = (
                "the file ends in the middle of a line"
                if self.cut
                else f"its rows stop at {_day(self.last_day)} but the export covers "
                f"{_day(self.span[0])} – {_day(self.span[1])}"
            )
            raise BadInput(
                f"{where} looks cut short: {why}, and the rows add up to less than the totals "
                f"row ({label}: {added:,} of {said:,}). Download the export again."
            )
        for said in self.extra:
            for position, value in said.items():
                if value != self.sums[position]:
                    notes.append(
                        f"{where}: a totals row in the table says {names[position]} {value:,} "
                        f"but the rows add up to {self.sums[position]:,}"
                    )
        notes.extend(self.notes)
        if self.span is not None and self.first_day is not None:
            first, last = self.first_day, self.last_day
            if first < self.span[0] or last > self.span[1]:
                notes.append(
                    f"{where}: rows run from {_day(first)} to {_day(last)}, outside the "
                    f"export's date range {_day(self.span[0])} – {_day(self.span[1])}"
                )


def _day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def date_range(meta: dict[str, str]) -> tuple[date, date] | None:
    """The panel's 'Date: Nov 1, 2026 - Nov 30, 2026' line, or None."""
    start, sep, end = (meta.get("date") or meta.get("date range") or "").partition(" - ")
    if not sep:
        return None
    try:
        first, last = (values.day(t).astype("datetime64[D]").item() for t in (start, end))
    except ValueError:
        return None
    return first, last


def without_unspecified(frame, notes: list[str]):
    """Rows CJA shows for events without a journey name are left out, and said so."""
    left: list[tuple[str, int]] = []
    frame = without_unspecified_quiet(frame, left)
    if left:
        notes.append(
            f"left out {left[0][1]:,} numbers for journey '{left[0][0]}' "
            "(events without a journey name)"
        )
    if frame.empty:
        raise BadInput("every row is for an unspecified journey: nothing to store")
    return frame


def without_unspecified_quiet(frame, left: list[tuple[str, int]]):
    """The frame without unspecified journeys; (name, numbers left out) added to `left`."""
    unspecified = frame["journey"].str.casefold().isin(tables.UNSPECIFIED)
    if not unspecified.any():
        return frame
    left.append((frame["journey"][unspecified].iloc[0], int(unspecified.sum())))
    return frame[~unspecified].reset_index(drop=True)


def nothing_to_read(notes: list[str], meta: dict[str, str], labels: list[str]) -> BadInput:
    """Why no table of the export could be read."""
    why = next((w for label in labels if (w := not_the_same(label))), None)
    if why is not None:
        return BadInput(why)
    origin = ""
    if "report suite" in meta and "data view" not in meta:
        origin = f"an Adobe Analytics export (report suite '{meta['report suite']}'), not CJA: "
    if labels:
        shown = ", ".join(dict.fromkeys(labels))
        return BadInput(
            f"{origin}no metric Parity knows in the export (its metrics: {shown}); Parity reads "
            "AJO message metrics such as 'Sends (AJO)' or 'Bounces For Outbound Channels (AJO)'"
        )
    period = next((n for n in notes if "break the table down by Day" in n), None)
    if period is not None:
        return BadInput(period)
    why = "; ".join(notes) if notes else "it holds no table"
    return BadInput(f"{origin}no table by day to read: {why}")
