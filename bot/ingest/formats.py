"""Which format a file is in, decided from its content, in this one place.

Formats are tried in order on the head of the file; each either fits or says why not. The
plain CSV layouts (canonical long, wide) come last and decide from the header row; when
nothing fits, the error lists every format tried and why each did not fit. A format that
fits reads the whole file or refuses it: no other format is tried after it.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import BadInput
from bot.ingest import ajo_report, plain, reporting_api, tables, workspace
from bot.ingest.decode import Utf8
from bot.ingest.detect import NoLayout
from bot.ingest.options import Options, Parsed
from bot.ingest.sections import delimiter_of

_HEAD_BYTES = 1 << 16
_HEAD_LINES = 60


@dataclass(frozen=True)
class Format:
    name: str
    # None when the head of the file fits, else why it does not
    fits: Callable[[list[str]], str | None]
    read: Callable[[Utf8, Options], Parsed]


# Tried in this order; the plain CSV layouts come after them all.
FORMATS: tuple[Format, ...] = (
    Format(reporting_api.NAME, reporting_api.fits, reporting_api.read),
    Format(workspace.NAME, workspace.fits, workspace.read),
    Format(ajo_report.NAME, ajo_report.fits, ajo_report.read),
)


def head_lines(utf8: Utf8) -> list[str]:
    """The first lines of the text (a character cut at the end of the head is dropped)."""
    head = utf8.data[utf8.start : min(utf8.start + _HEAD_BYTES, utf8.stop)]
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head)
    return text.splitlines()[:_HEAD_LINES]


def detect(utf8: Utf8) -> Format | None:
    """The format the head fits, or None for the plain CSV layouts (decided by their header)."""
    lines = head_lines(utf8)
    for candidate in FORMATS:
        if candidate.fits(lines) is None:
            return candidate
    return None


def read(utf8: Utf8, options: Options) -> Parsed:
    """Parse with the format that fits; BadInput names the problem (and what was tried)."""
    lines = head_lines(utf8)
    misfits = []
    for candidate in FORMATS:
        why = candidate.fits(lines)
        if why is None:
            return candidate.read(utf8, options)
        misfits.append(f"{candidate.name}: {why}")
    _refuse_headless(lines)
    try:
        return plain.read(utf8, options)
    except NoLayout as error:
        if _separated_by(lines) == ";":
            # A spreadsheet's export whose columns are not Parity's: the other formats are
            # not what the person meant, so only what to change is said.
            problem = error.problem.partition(". Column ")[2]
            cells = next(csv.reader([_first_filled(lines)], delimiter=";"), [])
            raise BadInput(
                f"the file is separated by ';' and its columns "
                f"({', '.join(c.strip() for c in cells[:8])}) are not Parity's: "
                + (
                    f"column {problem}"
                    if problem
                    else "name the date column 'Day', the "
                    "journey's 'Journey' and each metric as the product does ('Sends')"
                ),
                line=error.line,
                column=error.column,
            ) from None
        raise BadInput(
            f"{error.problem} — also tried: {'; '.join(misfits)}",
            line=error.line,
            column=error.column,
        ) from None


def _first_filled(lines: list[str]) -> str:
    return next((line for line in lines if line.strip(" \t,;\r")), "")


def _separated_by(lines: list[str]) -> str:
    return delimiter_of(_first_filled(lines))


def _refuse_headless(lines: list[str]) -> None:
    """A file whose first line is already a row of numbers has lost its header."""
    first = next((line for line in lines if line.strip(" \t,;\r")), None)
    if first is None:
        return
    cells = [c.strip() for c in next(csv.reader([first], delimiter=delimiter_of(first)), [])]
    numbers = sum(tables.is_number(c) for c in cells)
    if cells and (tables.is_day(cells[0]) or numbers >= 2) and numbers >= 1:
        raise BadInput(
            f"the first line is a row of data ('{first.strip()[:60]}'), not column names: "
            "the header row is missing (export the table again with its header)",
            line=1,
        )
