"""Bytes -> UTF-8 the CSV reader can take: BOMs, Excel's UTF-16, and files that are not text.

pyarrow reads UTF-8 only, so UTF-16 is re-encoded once; UTF-8 is passed through untouched
(no copy of a large file) and its BOM skipped by offset. Invalid UTF-8 further in is caught
by pyarrow while reading, and located afterwards with `bad_utf8_line`.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass

from bot.errors import BadInput

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NEWLINE = re.compile(r"\r\n|\r|\n")

NOT_TEXT = "not a CSV text file"


@dataclass(frozen=True)
class Utf8:
    """UTF-8 bytes of a file; the text starts at `start` (after any BOM) and ends at `end`.

    A window (`end`, `first_line`) is one table of a file holding several: it reads and
    reports line numbers as the file does.
    """

    data: bytes
    start: int
    end: int | None = None
    # the physical line `start` is on
    first_line: int = 1

    @property
    def stop(self) -> int:
        return len(self.data) if self.end is None else self.end

    def is_blank(self) -> bool:
        """True when there is nothing but whitespace (checked on the head first: files are big)."""
        head = self.data[self.start : min(self.start + 4096, self.stop)]
        if head.strip():
            return False
        return not self.data[self.start : self.stop].strip()

    def window(self, start: int, end: int) -> Utf8:
        """The text from byte `start` to `end`, numbering lines as the whole file does."""
        return Utf8(self.data, start, end, self.first_line + self.data.count(b"\n", 0, start))

    def text(self) -> io.TextIOWrapper:
        """The text as a stream, for the slow paths that only run once a file is known to be bad.

        A stream, not a str: a big file is not held twice (a window is copied, tables are small).
        """
        whole = self.start == 0 and self.end is None
        data = self.data if whole else self.data[self.start : self.stop]
        # "utf-8-sig" skips a BOM at the very start; a window starts after it.
        return io.TextIOWrapper(
            io.BytesIO(data), encoding="utf-8-sig", errors="replace", newline=""
        )


def decode(data: bytes) -> Utf8:
    """UTF-8 with or without BOM, or UTF-16 with BOM; anything binary is refused."""
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise BadInput(f"{NOT_TEXT}: it starts like UTF-16 but is not valid UTF-16") from error
        if "\x00" in text:
            raise BadInput(f"{NOT_TEXT}: it contains NUL characters")
        return Utf8(text.encode("utf-8"), 0)
    # A NUL never occurs in CSV text; it does in .xlsx, .zip, images and UTF-16 without BOM.
    if b"\x00" in data:
        raise BadInput(
            f"{NOT_TEXT}: it contains NUL bytes (a spreadsheet such as .xlsx, or another "
            "binary file?); export it as CSV UTF-8"
        )
    return Utf8(data, len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)


def line_at(text: str, position: int) -> int:
    """The 1-based physical line a character position falls on (CRLF, CR and LF all end one)."""
    return sum(1 for _ in _NEWLINE.finditer(text, 0, position)) + 1


def bad_utf8_line(utf8: Utf8) -> BadInput | None:
    """Where a file stops being UTF-8, as an error naming the line, or None if it is valid."""
    try:
        utf8.data[utf8.start : utf8.stop].decode("utf-8")
    except UnicodeDecodeError as error:
        valid = error.object[: error.start].decode("utf-8")
        byte = error.object[error.start]
        return BadInput(
            f"{NOT_TEXT}: byte 0x{byte:02X} is not UTF-8 text (save the file as CSV UTF-8)",
            line=line_at(valid, len(valid)) + utf8.first_line - 1,
        )
    return None
