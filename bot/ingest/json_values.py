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
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _whole_or_decimal(text: str) -> int | Decimal:
    """JSON integers as ints, except those too long for one (4,300 digits): refused later."""
    return int(text) if len(text) <= 20 else Decimal(text)


def documents(utf8: Utf8, limits: Limits) -> list[Any]:
    """The JSON values in the file: one document, or one per line (JSON Lines).

    Numbers with a fraction or an exponent are read as exact decimals (a double would round
    9007199254740993.0), NaN and Infinity as decimals that are not counts: each is then
    judged where it stands, so its refusal names its page, row and column.
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
    _refuse_deep(text, limits.depth)
    decoder = json.JSONDecoder(
        parse_float=Decimal, parse_int=_whole_or_decimal, parse_constant=Decimal
    )
    found, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        try:
            value, position = decoder.raw_decode(text, position)
        except RecursionError:  # only when PARITY_MAX_DEPTH is set beyond Python's stack
            raise BadInput(f"the JSON is nested too deep to read (over {limits.depth})") from None
        except json.JSONDecodeError as error:
            ends = error.pos >= len(text.rstrip())
            why = "the file ends in the middle of the JSON (cut short?)" if ends else error.msg
            raise BadInput(
                f"not valid JSON: {why} (line {error.lineno}, character {error.colno})",
                line=line_at(text, error.pos),
            ) from None
        found.append(value)


def _refuse_deep(text: str, limit: int) -> None:
    """Arrays and objects nested deeper than `limit`, refused at the line where they are."""
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
    if isinstance(value, int | Decimal):
        return f"the number {value}" if len(str(value)) <= 30 else "a number"
    names = {str: "text", list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def whole(value: Any, what: str, low: int, high: int, field: str) -> int:
    """A JSON whole number within [low, high]; anything else is refused, naming `what`."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
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


def count(value: int | float | Decimal) -> int | str:
    """A cell as a count, or what is wrong with it (compared before any conversion: a
    literal such as 1e100000000 is never spelled out)."""
    not_acount = "is not a count (a whole number, 0 or more)"
    if isinstance(value, float | Decimal) and not (
        value.is_finite() if isinstance(value, Decimal) else np.isfinite(value)
    ):
        return not_acount
    if value < 0:
        return not_acount
    if value > MAX_COUNT:
        return f"is more than 2^53 ({MAX_COUNT:,}), beyond what Parity stores exactly"
    if isinstance(value, int):
        return value
    if value != int(value):
        return not_acount
    return int(value)


def shown(value: Any) -> str:
    """A JSON value as the file wrote it, cut to 60 characters."""
    try:
        text = json.dumps(value, default=float)  # decimals as the numbers they are
    except (TypeError, ValueError, OverflowError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."
