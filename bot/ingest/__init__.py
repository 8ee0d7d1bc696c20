"""Parsers: an export, as it comes, -> one validated canonical frame.

Formats (decided from the content, see `formats`): the canonical long CSV, the wide CSV, CJA
Workspace CSV exports, CJA Reporting API responses saved as JSON, AJO report CSV downloads.
Everything is checked before a frame is returned, so the store can write it as is; a bad
file raises BadInput naming the file, the line, the column and what was expected.

What a parser noticed without refusing the file (a totals row that does not add up, columns
left out) is in `frame.attrs["notes"]` (and logged); the format's name is in
`frame.attrs["format"]`. Large files can be read in chunks with `stream_file`.
"""

from bot.ingest.options import Parsed
from bot.ingest.reading import parse_bytes, read_bytes, read_file
from bot.ingest.stream import Stream, stream_file

__all__ = ["Parsed", "Stream", "parse_bytes", "read_bytes", "read_file", "stream_file"]
