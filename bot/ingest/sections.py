"""Exports holding several tables: cut the text into sections at blank and `#` comment lines.

Workspace writes `#` comment blocks (project, data view, table titles) between its tables;
AJO report downloads separate widgets with blank lines, and Excel turns blank lines into
",,,," and quotes a comment line whole when it holds the delimiter
(`"# Date: Nov 27, 2026 - Nov 28, 2026"`). A section is a run of lines that are neither,
with the comment lines just above it.
Only a section's first lines are parsed here; its data rows go to the CSV reader whole.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from bot.ingest.decode import Utf8

# A line break followed by a comment line (quoted whole or not) or a blank (or commas-only) line.
_BREAK = re.compile(rb'\n(?="?#|[ \t,;]*\r?(?:\n|$))')
_LINE_END = re.compile(rb"\r?\n")
# Header rows are short; the rest of a section is data for the CSV reader.
_HEAD_LINES = 40


@dataclass(frozen=True)
class Record:
    """One line of a section's head: its cells, physical line and byte span."""

    cells: tuple[str, ...]
    line: int
    start: int
    end: int

    def filled(self) -> list[tuple[int, str]]:
        """(position, text) of the non-empty cells."""
        return [(i, cell) for i, cell in enumerate(self.cells) if cell]


@dataclass(frozen=True)
class Section:
    """Consecutive non-blank, non-comment lines: one table (or a preamble)."""

    start: int
    end: int
    line: int
    # comment lines ('#' stripped, trimmed) between the previous section and this one
    comments: tuple[str, ...]


def sections(utf8: Utf8) -> list[Section]:
    """The file's sections in order; the data itself is not read."""
    data, stop = utf8.data, utf8.stop
    # Lines that are comments or blank: the first line if it is one, then those found fast.
    candidates = [utf8.start] + [m.start() + 1 for m in _BREAK.finditer(data, utf8.start, stop)]
    found: list[Section] = []
    comments: list[str] = []
    cursor, line, counted = utf8.start, utf8.first_line, utf8.start
    for start in candidates:
        newline = data.find(b"\n", start, stop)
        end = stop if newline == -1 else newline + 1
        text = data[start:end].decode("utf-8", "replace").rstrip("\r\n")
        comment = comment_text(text)
        if comment is None and text.strip(" \t,;"):
            continue  # the first line, holding data
        if start > cursor:
            line += data.count(b"\n", counted, cursor)
            counted = cursor
            found.append(Section(cursor, start, line, tuple(comments)))
            comments = []
        if comment is not None:
            comments.append(comment)
        cursor = end
    if cursor < stop and data[cursor:stop].strip():
        line += data.count(b"\n", counted, cursor)
        found.append(Section(cursor, stop, line, tuple(comments)))
    return found


def is_comment(line: str) -> bool:
    """A '#' line, also when a spreadsheet quoted it whole: '"# Date: Nov 1, 2026 - ..."'."""
    return line.startswith(("#", '"#'))


def comment_text(line: str) -> str | None:
    """A comment line's text without '#', quotes and padding cells; None for other lines."""
    if line.startswith('"#'):
        cells = next(csv.reader([line], delimiter=delimiter_of(line)), [])
        line = ", ".join(c for c in (c.strip() for c in cells) if c)
    if not line.startswith("#"):
        return None
    # Spreadsheets pad comment lines with empty cells: "# Welcome Series,,,".
    return line.lstrip("#").strip().rstrip(",;\t").strip()


def head(utf8: Utf8, section: Section, delimiter: str, limit: int = _HEAD_LINES) -> list[Record]:
    """The first lines of a section as records (a line each: header rows are single lines)."""
    records = []
    position, line = section.start, section.line
    for match in _LINE_END.finditer(utf8.data, section.start, section.end):
        records.append(_record(utf8.data, position, match.start(), match.end(), line, delimiter))
        position, line = match.end(), line + 1
        if len(records) == limit:
            return records
    if position < section.end:
        records.append(_record(utf8.data, position, section.end, section.end, line, delimiter))
    return records


def _record(data: bytes, start: int, stop: int, end: int, line: int, delimiter: str) -> Record:
    text = data[start:stop].decode("utf-8", "replace")
    cells = next(csv.reader([text], delimiter=delimiter), [])
    return Record(tuple(cell.strip() for cell in cells), line, start, end)


def _unquoted(line: str) -> str:
    """The line without its quoted parts: delimiters inside quotes do not count."""
    return re.sub(r'"[^"]*"', "", line)


def delimiter_of(line: str) -> str:
    """Tab for Excel's "Unicode text", ';' where Excel's locale writes decimal commas, else ','.

    Decided by which of them splits the line (outside quotes) into more cells.
    """
    bare = _unquoted(line)
    if "\t" in bare and "," not in bare.split("\t", 1)[0]:
        return "\t"
    return ";" if bare.count(";") > bare.count(",") else ","


def file_delimiter(utf8: Utf8) -> str:
    """The delimiter of a whole export: the one most of its first table lines are split by.

    One line may not tell (a title line has no delimiter at all).
    """
    head = utf8.data[utf8.start : min(utf8.start + (1 << 16), utf8.stop)]
    lines = [
        text
        for line in head.split(b"\n")[:200]
        if line.strip(b" \t,;\r") and not is_comment(text := line.decode("utf-8", "replace"))
    ]
    votes = [delimiter_of(line) for line in lines]
    for delimiter in ("\t", ";"):
        if votes and votes.count(delimiter) * 2 >= len(votes):
            return delimiter
    return ","


def metadata(comments: tuple[str, ...]) -> dict[str, str]:
    """'Key: value' comment lines by lower-case key ("data view", "date", ...)."""
    found = {}
    for comment in comments:
        # Excel splits "# Date: Nov 1, 2026 - ..." at its commas; tabs or commas rejoin it.
        text = re.sub(r"\t+", ", ", comment).strip(" ,")
        key, sep, value = text.partition(":")
        if sep and key.strip() and value.strip():
            found.setdefault(key.strip().casefold(), value.strip(" ,"))
    return found
