"""JSON read exactly and within caps: what the Reporting API parser stands on.

Numbers with a fraction or an exponent become exact decimals (a double would round
9007199254740993.0), NaN and Infinity decimals that are not counts, and integers too long
for Python's int (4,300 digits) decimals too: each is judged where it stands, so a refusal
names its page, row and column. Nesting is measured before parsing, so no file makes the
parser recurse past PARITY_MAX_DEPTH.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import numpy as np

from bot.errors import BadInput
from bot.ingest.decode import Utf8, line_at
from bot.ingest.limits import MAX_COUNT, Limits, over

# Strings (skipped whole, brackets in them are text) and the brackets that nest.
_SCALARS = frozenset({str, int, float, bool, type(None), Decimal})
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _whole_or_decimal(text: str) -> int | Decimal:
    """JSON integers as ints while a double holds them exactly (15 digits), else decimals:
    no int of 4,300 digits is made, and counts compared in bulk as doubles stay exact."""
    return int(text) if len(text) <= 15 else Decimal(text)


def _exact(text: str) -> float | Decimal:
    """A number with a fraction or an exponent: a double when it is exactly the number
    written (1100.0, 1.2345678E7), else a decimal (0.1, 9007199254740993.0)."""
    if len(text) <= 17 and text.endswith(".0") and "e" not in text and "E" not in text:
        return float(text)  # what CJA writes: 15 digits or fewer, a double holds them
    value, exact = float(text), Decimal(text)
    return value if exact == value else exact


def documents(utf8: Utf8, limits: Limits) -> list[Any]:
    """The JSON values in the file: one document, or one per line (JSON Lines).

    Numbers are read as doubles only where a double is exactly what is written, else as
    decimals (a double would round 9007199254740993.0), NaN and Infinity as decimals that
    are not counts: each is then judged where it stands, so its refusal names its page,
    row and column.
    """
    if utf8.stop - utf8.start > limits.json_bytes:
        mb = -(-(utf8.stop - utf8.start) // 2**20)
        raise BadInput(over("the JSON file's size in MiB", mb, limits.json_mb, "json_mb"))
    try:
        text = utf8.data[utf8.start : utf8.stop].decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(
            f"not JSON text: byte 0x{error.object[error.start]:02X} is not UTF-8"
        ) from None
    decoder = json.JSONDecoder(
        parse_float=_exact, parse_int=_whole_or_decimal, parse_constant=Decimal
    )
    found, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        try:
            value, position = decoder.raw_decode(text, position)
        except RecursionError:  # deeper than Python's stack: found by the scan below
            _refuse_deep(text, limits.depth)
            raise BadInput(f"the JSON is nested too deep to read (over {limits.depth})") from None
        except json.JSONDecodeError as error:
            ends = error.pos >= len(text.rstrip())
            why = "the file ends in the middle of the JSON (cut short?)" if ends else error.msg
            raise BadInput(
                f"not valid JSON: {why} (line {error.lineno}, character {error.colno})",
                line=line_at(text, error.pos),
            ) from None
        if _deeper(value, limits.depth):
            _refuse_deep(text, limits.depth)
        found.append(value)


def _deeper(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` in a parsed value: level by level,
    skipping (in C) the containers that hold scalars only, such as a row's data."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for item in level:
            children = item.values() if type(item) is dict else item
            if not set(map(type, children)) <= _SCALARS:
                below.extend(child for child in children if type(child) in (dict, list))
        level = below
    return False


def _refuse_deep(text: str, limit: int) -> None:
    """Arrays and objects nested deeper than `limit`, refused at the line where they are
    (a scan of the text, run only once a file is known to be too deep)."""
    depth = 0
    for match in _NESTING.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > limit:
                raise BadInput(
                    over("how deep the JSON is nested", depth, limit, "depth")
                    + "; it is not a Reporting API response",
                    line=line_at(text, match.start()),
                )
        elif bracket in "]}":
            depth -= 1


def kind(value: Any) -> str:
    """A JSON value's type, as the JSON spec names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}" if len(str(value)) <= 30 else "a number"
    names = {str: "text", list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def whole(value: Any, what: str, low: int, high: int, field: str) -> int:
    """A JSON whole number within [low, high]; anything else is refused, naming `what`."""
    if isinstance(value, float | Decimal) and _whole_number(value):
        if value > high:  # never spelled out: 1e100000000 is a short literal
            raise BadInput(over(what, None, high, field))
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what} must be a whole number (found {kind(value)})")
    if value < low:
        raise BadInput(f"{what} must be {low} or more (found {value})")
    if value > high:
        raise BadInput(over(what, value, high, field))
    return value


def _whole_number(value: float | Decimal) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    return value.is_finite() and value == value.to_integral_value()


def count(value: int | float | Decimal) -> int | str:
    """A cell as a count, or what is wrong with it (compared before any conversion: a
    literal such as 1e100000000 is never spelled out)."""
    not_a_count = "is not a count (a whole number, 0 or more)"
    if isinstance(value, float | Decimal) and not (
        value.is_finite() if isinstance(value, Decimal) else np.isfinite(value)
    ):
        return not_a_count
    if value < 0:
        return not_a_count
    if value > MAX_COUNT:
        return f"is more than 2^53 ({MAX_COUNT:,}), beyond what Parity stores exactly"
    if isinstance(value, int):
        return value
    if value != int(value):
        return not_a_count
    return int(value)


def shown(value: Any) -> str:
    """A JSON value as the file wrote it, cut to 60 characters."""
    try:
        text = json.dumps(value, default=float)  # decimals as the numbers they are
    except (TypeError, ValueError, OverflowError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."
