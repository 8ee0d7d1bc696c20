"""The header rows of one Workspace table -> what each column holds (a `Plan`).

Workspace writes a row of metric names, then a row with the row dimension's name(s) and the
totals. Breakdowns add header rows (journeys over columns) or dimension columns (journeys
in rows). A row of names with the dimension names in it ("Day,Sends (AJO)") is read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import BadInput
from bot.ingest import tables, values
from bot.ingest.decode import Utf8
from bot.ingest.sections import Record, Section, file_delimiter, head
from bot.metrics import not_the_same

_SEPARATOR = re.compile(r"[=#\-\s]*")


@dataclass(frozen=True)
class Plan:
    """What one table's header rows say about its columns."""

    where: str  # "table 'Welcome Series' (line 9)"
    title: str | None
    lead: int  # columns before the first number: the row dimensions
    dims: dict[str, int]
    metrics: tuple[tuple[int, str], ...]
    names: tuple[str, ...]
    groups: dict[int, str]
    totals: dict[int, int]
    above: Record
    decimal: str = "."  # ',' in files separated by ';'


def title_of(comments: tuple[str, ...]) -> str | None:
    """The table's title: the comment between the last two '####' lines."""
    marks = [i for i, c in enumerate(comments) if not c]
    if len(marks) < 2:
        return None
    inside = [c for c in comments[marks[-2] + 1 : marks[-1]] if not _SEPARATOR.fullmatch(c)]
    inside = [c for c in inside if ":" not in c] or inside
    return " ".join(inside).strip() or None


def is_totals(record: Record) -> bool:
    """Names (of the row dimensions, or 'Total', or none) and then numbers: the totals row.

    A data row differs by its day cell; whether the names are dimensions Parity reads is
    decided by the caller.
    """
    cells = record.cells
    first = next((i for i, c in enumerate(cells) if tables.is_number(c)), None)
    if first is None or any(tables.is_day(c) for c in cells[:first]):
        return False
    return all(not c or tables.is_number(c) for c in cells[first:])


def plan(
    utf8: Utf8, section: Section, title: str | None, notes: list[str], labels: list[str]
) -> Plan | None:
    """What a table's header rows say, or None for a table Parity does not read (noted).

    `labels` collects the metric names of tables with no metric Parity knows, for the
    error when no table at all can be read.
    """
    delimiter = file_delimiter(utf8)
    decimal = "," if delimiter == ";" else "."
    records = head(utf8, section, delimiter)
    where = (
        f"table '{title}' (line {section.line})" if title else f"the table on line {section.line}"
    )
    header = []
    for record in records:
        if not tables.is_label_row(record):
            break
        header.append(record)
    if not header:
        raise BadInput(
            f"{where} has no header: the row of metric names above its numbers is missing",
            line=section.line,
        )
    rest = records[len(header) :]
    totals = rest[0] if rest and is_totals(rest[0]) else None
    metric_row = max(
        header, key=lambda r: sum(m is not None for m in tables.metric_positions(r, 0).values())
    )
    lead, names = _row_dimensions(totals, metric_row)
    names = _inner_names(names, rest[1:] if totals is not None else rest)
    metrics = tables.metric_positions(metric_row, lead)
    known = tuple(sorted((p, m) for p, m in metrics.items() if m is not None))
    if not known:
        labels.extend(metric_row.cells[p] for p in metrics)
        return None
    dims: dict[str, int] = {}
    unknown = []
    for position, name in enumerate(names):
        column = tables.dimension_of(name) if name else None
        if column is not None:
            dims.setdefault(column, position)
        elif name and not tables.is_totals_label(name):
            unknown.append(name)
    period = _period(names, rest[1:] if totals is not None else rest, lead)
    if period is not None:
        notes.append(
            f"{where} is by {period}: Parity compares days; break the table down by Day "
            "and export it again"
        )
        return None
    if "day" not in dims:
        notes.append(f"{where} is not by day (its rows are {', '.join(names)}): left out")
        return None
    if unknown:
        raise BadInput(
            f"{where} is broken down by '{unknown[0]}': Parity reads tables by day, "
            "optionally by journey",
            line=(totals or metric_row).line,
            column=unknown[0],
        )

    skipped = [metric_row.cells[p] for p, m in metrics.items() if m is None]
    for label in skipped:
        if (why := not_the_same(label)) is not None:
            notes.append(f"{where}: column '{label}' was left out: {why}")
    skipped = [label for label in skipped if not_the_same(label) is None]
    if skipped:
        notes.append(f"{where}: columns Parity does not use were left out: {', '.join(skipped)}")
    groups = _groups(header, metric_row, lead, len(metric_row.cells))
    _refuse_repeats(where, known, groups, metric_row)
    all_names = tuple(
        names[p] if p < lead else metric_row.cells[p] if p < len(metric_row.cells) else ""
        for p in range(len((totals or metric_row).cells))
    )
    total_values = {}
    if totals is not None:
        cells = {p: totals.cells[p] for p, _ in known if p < len(totals.cells)}
        total_values = {
            p: n for p, c in cells.items() if (n := tables.count(c, decimal)) is not None
        }
    return Plan(
        where,
        title,
        lead,
        dims,
        known,
        all_names,
        groups,
        total_values,
        totals or metric_row,
        decimal,
    )


def _row_dimensions(totals: Record | None, metric_row: Record) -> tuple[int, list[str]]:
    """How many leading columns name the rows, and their names.

    The totals row names them ("Journey Name (AJO),Day,3000,..."); else a header row that
    starts with dimension names ("Day,Sends (AJO)"); a lone unnamed column is Workspace's Day.
    """
    if totals is not None:
        lead = next(i for i, c in enumerate(totals.cells) if tables.is_number(c))
        names = list(totals.cells[:lead])
        if not any(n and not tables.is_totals_label(n) for n in names):
            names = list(metric_row.cells[:lead])
    else:
        cells = metric_row.cells
        lead = 0
        while lead < len(cells) and (not cells[lead] or tables.dimension_of(cells[lead])):
            lead += 1
        names = list(cells[:lead])
    lead = max(lead, 1)
    names = (names + [""] * lead)[:lead]
    if lead == 1 and not names[0]:
        names[0] = "Day"
    return lead, names


def _inner_names(names: list[str], rows: list[Record]) -> list[str]:
    """Dimension names a breakdown writes on its own rows when the totals row names only the
    outer one ("Journey Name (AJO),,3000" over "Welcome Series,Day,2000")."""
    names = list(names)
    for position, name in enumerate(names):
        if name:
            continue
        for record in rows[:_INNER_SCAN]:
            cell = record.cells[position] if position < len(record.cells) else ""
            if cell and tables.dimension_of(cell):
                names[position] = cell
                break
    return names


_INNER_SCAN = 10
# Time dimensions other than Day, as Workspace names them, and labels of their items.
_PERIODS = {"week": "week", "month": "month", "quarter": "quarter", "year": "year",
            "hour": "hour", "minute": "minute"}  # fmt: skip
_WEEK_ITEM = re.compile(r"week\b.*", re.IGNORECASE)
_MONTH_ITEM = re.compile(r"([A-Za-z]+)\.?,? (\d{4})")


def _period(names: list[str], rows: list[Record], lead: int) -> str | None:
    """The time period a table is by when it is not Day: named in its header, or told by
    its first item ("Week of Nov 22, 2026", "Nov 2026")."""
    for name in names:
        key = re.sub(r"\s*\(ajo\)$", "", name.strip().casefold())
        if key in _PERIODS:
            return _PERIODS[key]
    # Only the columns that could hold the time items: not a journey's names ("Week 1 Tips").
    timely = [p for p in range(lead) if tables.dimension_of(names[p]) in (None, "day")]
    for record in rows[:_INNER_SCAN]:
        for cell in (record.cells[p] for p in timely if p < len(record.cells)):
            if _WEEK_ITEM.fullmatch(cell):
                return "week"
            if (match := _MONTH_ITEM.fullmatch(cell)) and values.is_month_name(match[1]):
                return "month"
    return None


def _groups(header: list[Record], metric_row: Record, lead: int, width: int) -> dict[int, str]:
    """Journeys over columns: header rows other than the metric names, merged cells filled."""
    groups: dict[int, str] = {}
    for record in header:
        if record is metric_row:
            continue
        current = None
        for position in range(lead, width):
            cell = record.cells[position] if position < len(record.cells) else ""
            current = cell or current
            if current:
                groups[position] = current
    return groups


def _refuse_repeats(
    where: str, known: tuple[tuple[int, str], ...], groups: dict[int, str], row: Record
) -> None:
    seen: dict[tuple[str, str], int] = {}
    for position, metric in known:
        key = (groups.get(position, ""), metric)
        if key in seen:
            first, second = row.cells[seen[key]], row.cells[position]
            raise BadInput(
                f"{where}: columns '{first}' and '{second}' both give the metric {metric}; "
                "keep one",
                line=row.line,
                column=second,
            )
        seen[key] = position
