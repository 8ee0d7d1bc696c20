"""Cell validation, vectorized: each distinct text value is parsed once, counts in bulk.

A column comes back as `Coded`: one small code per row into a list of parsed values, with
equal parsed values sharing a code ("Sends" and "sent" are one metric, "11/28/26" and
"2026-11-28" one day). Codes make duplicate keys cheap to find and the frame cheap to build.

Validators do not raise: they return the first bad cell as a `CellError`, so a parser can
report the earliest problem in the file whichever column it is in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bot.errors import BadInput
from bot.ingest.frame import SOURCES
from bot.ingest.limits import MAX_COUNT
from bot.metrics import METRICS, closest_label, metric_for_label
from bot.store.identity import name_problem


@dataclass(frozen=True, order=True)
class CellError:
    """A bad cell: data row (0 = first after the header), column position, what is wrong.

    `problem` may mention `{line}` and `{other}` (the line of `other_row`), filled in once line
    numbers are known.
    """

    row: int
    position: int
    column: str
    problem: str
    other_row: int | None = None

    def located(self, line_of: Callable[[int], int]) -> BadInput:
        """The error for people: `{line}` and `{other}` filled in by `line_of` (data row to
        the file's line number)."""
        line = line_of(self.row)
        problem = self.problem.replace("{line}", str(line))
        if self.other_row is not None:
            problem = problem.replace("{other}", str(line_of(self.other_row)))
        return BadInput(problem, line=line, column=self.column or None)


@dataclass(frozen=True)
class Coded:
    """A column as codes into its distinct parsed values."""

    codes: np.ndarray
    values: list

    @classmethod
    def constant(cls, value: Hashable, rows: int) -> Coded:
        # A read-only view of one zero: no memory per row.
        return cls(np.broadcast_to(np.int8(0), rows), [value])

    def take(self, rows: np.ndarray) -> Coded:
        return Coded(self.codes[rows], self.values)


def code(
    column: pa.ChunkedArray, parse: Callable[[str], Hashable], *, position: int, name: str
) -> tuple[Coded, CellError | None]:
    """Parse each distinct value of a dictionary-encoded column once; `parse` raises ValueError.

    Chunks keep their own dictionaries (unifying them would copy every index), so raw values
    are cached across chunks.
    """
    codes = np.empty(len(column), dtype=np.int32)
    parsed: dict[Hashable, int] = {}
    seen: dict[str, int | str] = {}  # raw -> code, or the problem with it
    offset = 0
    for chunk in column.chunks:
        indices = chunk.indices.to_numpy(zero_copy_only=False)
        dictionary = chunk.dictionary
        # The first dictionary also holds the header cell (read as row 0, then sliced off):
        # parse only values some row uses.
        used = np.flatnonzero(np.bincount(indices, minlength=len(dictionary)))
        remap = np.zeros(len(dictionary), dtype=np.int32)
        bad = []
        for index, raw in zip(used, dictionary.take(used).to_pylist(), strict=True):
            if raw not in seen:
                try:
                    seen[raw] = parsed.setdefault(parse(raw), len(parsed))
                except ValueError as error:
                    seen[raw] = str(error)
            if isinstance(seen[raw], str):
                bad.append(index)
            else:
                remap[index] = seen[raw]
        if bad:
            row = int(np.flatnonzero(np.isin(indices, bad))[0])
            problem = seen[dictionary[int(indices[row])].as_py()]
            error = CellError(offset + row, position, name, str(problem))
            return Coded.constant(None, len(column)), error
        codes[offset : offset + len(indices)] = remap[indices]
        offset += len(indices)
    return Coded(_narrow(codes, len(parsed)), list(parsed)), None


def _narrow(codes: np.ndarray, distinct: int) -> np.ndarray:
    """Codes in the smallest integer type that holds them: a million rows, several columns."""
    for kind in (np.int8, np.int16):
        if distinct <= np.iinfo(kind).max:
            return codes.astype(kind)
    return codes


def text(raw: str) -> str:
    """A journey id, action or channel: at most MAX_NAME_CHARS characters."""
    value = raw.strip()
    if problem := name_problem("value", value):
        raise ValueError(problem)
    return value


def journey(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise ValueError("empty journey name (every row needs one)")
    if problem := name_problem("journey name", name):
        raise ValueError(problem)
    return name


def metric(raw: str) -> str:
    found = metric_for_label(raw)
    if found is not None:
        return found
    if not raw.strip():
        raise ValueError(f"empty metric (expected one of: {', '.join(METRICS)})")
    suggestion = closest_label(raw)
    hint = f"did you mean '{suggestion}'?" if suggestion else f"known: {', '.join(METRICS)}"
    raise ValueError(f"unknown metric '{raw}' — {hint}")


def source(given: str | None) -> Callable[[str], str]:
    """Source cells: ajo or cja in any case; empty means the --source given, if any."""

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if not value:
            if given is None:
                raise ValueError("empty source (expected 'ajo' or 'cja', or give --source)")
            return given
        if value not in SOURCES:
            raise ValueError(f"unknown source '{raw.strip()}' (expected 'ajo' or 'cja')")
        if given is not None and value != given:
            raise ValueError(f"source '{value}' in the file but --source {given} was given")
        return value

    return parse


def captured_at(default: np.datetime64) -> Callable[[str], np.datetime64]:
    """ISO 8601 cells, naive meaning UTC; empty means `default`. Values are naive UTC."""

    def parse(raw: str) -> np.datetime64:
        value = raw.strip()
        if not value:
            return default
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"bad captured_at '{value}' (expected ISO 8601, such as 2026-11-29T06:00:00Z)"
            ) from None
        return utc_naive(moment)

    return parse


def utc_naive(moment: datetime) -> np.datetime64:
    """A datetime as microseconds since the epoch in UTC (naive datetimes are UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "us")


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def is_month_name(word: str) -> bool:
    return word.lower() in _MONTHS


# ISO days, also as midnight timestamps ("2026-11-28T00:00:00Z": APIs and AJO downloads).
_ISO_DAY = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?"
)
_SLASH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
# 28.11.2026: day first, as German, French... spreadsheets write it.
_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_WORKSPACE_DAY = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})")
# Excel shows "Nov 28, 2026" as 28-Nov-26 once it has read it as a date, and saves it so.
_EXCEL_DAY = re.compile(r"(\d{1,2})[- ]([A-Za-z]+)\.?[- ](\d{4}|\d{2})")
TOTALS = frozenset({"total", "totals", "grand total"})
DAY_FORMATS = "YYYY-MM-DD, 'Nov 28, 2026', MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY or 28-Nov-26"
# The order of the numbers in 11/28/2026 (month first) or 28/11/2026 (day first).
DATE_ORDERS = ("mdy", "dmy")


def day(raw: str, order: str = "mdy") -> np.datetime64:
    """ISO, Workspace ("Nov 28, 2026") and the styles spreadsheets rewrite dates into.

    `order` says how to read 05/11/2026; a file's order is decided from all its dates
    (see `day_parser`), never from one cell alone.
    """
    value = raw.strip()
    try:
        if match := _ISO_DAY.fullmatch(value):
            year, month, dom = (int(g) for g in match.groups())
        elif match := _SLASH_DAY.fullmatch(value):
            first, second, year = (int(g) for g in match.groups())
            month, dom = (first, second) if order == "mdy" else (second, first)
            # Two-digit years are this century's: reports are recent.
            year += 2000 if year < 100 else 0
        elif match := _DOTTED_DAY.fullmatch(value):
            dom, month, year = (int(g) for g in match.groups())
            year += 2000 if year < 100 else 0
        elif (match := _WORKSPACE_DAY.fullmatch(value)) and match[1].lower() in _MONTHS:
            month, dom, year = _MONTHS[match[1].lower()], int(match[2]), int(match[3])
        elif (match := _EXCEL_DAY.fullmatch(value)) and match[2].lower() in _MONTHS:
            dom, month, year = int(match[1]), _MONTHS[match[2].lower()], int(match[3])
            year += 2000 if year < 100 else 0
        else:
            raise ValueError
        return np.datetime64(date(year, month, dom), "us")
    except ValueError:
        if value.casefold() in TOTALS:
            raise ValueError(
                f"'{value}' is not a date: a totals row? (remove it; Parity adds days up itself)"
            ) from None
        raise ValueError(f"bad date '{value}' (expected {DAY_FORMATS})") from None


def is_day(raw: str) -> bool:
    """A date in any format Parity reads, in either order (for telling rows apart)."""
    for order in DATE_ORDERS:
        try:
            day(raw, order)
        except ValueError:
            continue
        return True
    return False


def _slash_parts(raw: str) -> tuple[int, int] | None:
    match = _SLASH_DAY.fullmatch(raw.strip())
    return (int(match[1]), int(match[2])) if match else None


def day_parser(cells: Iterable[str], given: str | None = None) -> Callable[[str], np.datetime64]:
    """How to read a file's days, told apart by the values: 28/11/2026 can only be day
    first, 11/28/2026 only month first. When every date fits both orders the parser refuses
    the first one that reads differently either way and asks for --date-order; when the
    file mixes the two orders it refuses the first date of the other order."""
    if given is not None:
        return lambda raw: day(raw, given)
    first_cell: dict[str, str] = {}
    for cell in cells:
        parts = _slash_parts(cell or "")
        if parts is None:
            continue
        if parts[0] > 12 >= parts[1]:
            first_cell.setdefault("dmy", cell.strip())
        elif parts[1] > 12 >= parts[0]:
            first_cell.setdefault("mdy", cell.strip())
    if len(first_cell) == 1:
        (order,) = first_cell
        return lambda raw: day(raw, order)

    def parse(raw: str) -> np.datetime64:
        parts = _slash_parts(raw)
        if parts is None or parts[0] == parts[1] or min(parts) > 12:
            return day(raw)  # the order does not matter (or the date is bad either way)
        if first_cell:
            raise ValueError(
                f"the file writes dates both day first ('{first_cell['dmy']}') and month "
                f"first ('{first_cell['mdy']}'): write them all in one order"
            )
        month_first, day_first = (day(raw, o).astype("datetime64[D]").item() for o in DATE_ORDERS)
        raise ValueError(
            f"'{raw.strip()}' can be {month_first:%b} {month_first.day} or {day_first:%b} "
            f"{day_first.day}, and every date in the file fits both orders: give --date-order "
            "dmy (day first) or --date-order mdy (month first)"
        )

    return parse


# Integral counts as products export them: 1234, 1,234, 1,234.0 (no sign, no exponent);
# where ',' marks decimals (files separated by ';'): 1234, 1.234, 1.234,0.
_COUNT = r"^(\d+|\d{1,3}(,\d{3})+)(\.0*)?$"
_DECIMAL_COMMA_COUNT = r"^(\d+|\d{1,3}(\.\d{3})+)(,0*)?$"


def counts(
    cells: pa.ChunkedArray | pa.Array, decimal: str = "."
) -> tuple[np.ndarray, int | None, str]:
    """Count cells -> int64, or the index of the first bad cell and what is wrong with it.

    `decimal` is the file's decimal mark: ',' in files separated by ';', as spreadsheets in
    most of Europe write them (1.234 is then a thousand and more, 1.234,5 not a count).
    """
    try:
        # Fast path: plain digits, which is what most exports hold (Arrow also reads hex).
        values = pc.cast(cells, pa.int64())
    except pa.ArrowInvalid:
        values = None
    if values is not None and any(pc.any(pc.match_substring(cells, x)).as_py() for x in "xX"):
        values = None
    if values is not None:
        wrong = pc.or_(pc.less(values, 0), pc.greater(values, MAX_COUNT))
        if not pc.any(wrong).as_py():
            return values.to_numpy(), None, ""
        bad = int(np.flatnonzero(wrong.to_numpy(zero_copy_only=False))[0])
        return np.zeros(0, np.int64), bad, _count_problem(str(cells[bad]))

    trimmed = pc.utf8_trim_whitespace(cells)
    comma = decimal == ","
    good = pc.match_substring_regex(trimmed, _DECIMAL_COMMA_COUNT if comma else _COUNT)
    if not pc.all(good).as_py():
        bad = int(np.flatnonzero(~good.to_numpy(zero_copy_only=False))[0])
        return np.zeros(0, np.int64), bad, _count_problem(str(cells[bad]), decimal)
    digits = pc.replace_substring_regex(trimmed, r"\.|,0*$" if comma else r",|\.0*$", "")
    try:
        numbers = pc.cast(digits, pa.int64())
    except pa.ArrowInvalid:  # more than 19 digits
        lengths = pc.utf8_length(digits).to_numpy(zero_copy_only=False)
        bad = int(np.flatnonzero(lengths >= 19)[0])
        return np.zeros(0, np.int64), bad, _count_problem(str(cells[bad]), decimal)
    large = pc.greater(numbers, MAX_COUNT)
    if pc.any(large).as_py():
        bad = int(np.flatnonzero(large.to_numpy(zero_copy_only=False))[0])
        return np.zeros(0, np.int64), bad, _count_problem(str(cells[bad]), decimal)
    return numbers.to_numpy(), None, ""


def _count_problem(raw: str, decimal: str = ".") -> str:
    value = raw.strip()
    if decimal == ",":
        return _decimal_comma_problem(value)
    expected = "expected a whole number such as 1234 or 1,234"
    if not value:
        return f"empty value ({expected})"
    number = value.replace(",", "")
    try:
        parsed = float(number)
    except ValueError:
        return f"value '{value}' is not a number ({expected})"
    if parsed != parsed or parsed in (float("inf"), float("-inf")):
        return f"value '{value}' is not a number ({expected})"
    if parsed < 0 or number.startswith("-"):
        return f"negative value '{value}' (counts cannot be below zero)"
    if not parsed.is_integer():
        return f"value '{value}' is not a whole number (counts are integers)"
    if re.fullmatch(_COUNT, value) and _beyond_max(re.sub(r"\.0*$", "", number)):
        return _too_large(value)
    return f"value '{value}' is not written as products export counts ({expected})"


def _beyond_max(digits: str) -> bool:
    return len(digits) > 16 or int(digits) > MAX_COUNT


def _too_large(value: str) -> str:
    return (
        f"value '{value}' is more than 2^53 ({MAX_COUNT:,}), beyond what Parity stores "
        "exactly (is it a count?)"
    )


def _decimal_comma_problem(value: str) -> str:
    """What is wrong with a count in a file separated by ';' (',' marks decimals there)."""
    expected = "expected a whole number such as 1234 or 1.234"
    if not value:
        return f"empty value ({expected})"
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", value):
        return (
            f"value '{value}' is not a whole number: the file is separated by ';', so ',' "
            "marks decimals in it; write the count as 1234 or 1.234"
        )
    number = value.replace(".", "").replace(",", ".")
    try:
        parsed = float(number)
    except ValueError:
        return f"value '{value}' is not a number ({expected})"
    if parsed < 0 or value.startswith("-"):
        return f"negative value '{value}' (counts cannot be below zero)"
    if parsed == parsed and not parsed.is_integer():
        return f"value '{value}' is not a whole number (counts are integers)"
    if re.fullmatch(_DECIMAL_COMMA_COUNT, value) and _beyond_max(
        re.sub(r",0*$", "", value).replace(".", "")
    ):
        return _too_large(value)
    return f"value '{value}' is not written as a count ({expected})"
