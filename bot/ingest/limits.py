"""How much of a file Parity reads: caps that keep a hostile or broken file bounded.

No count written in a file decides how much is allocated: a page count, a row count or a
nesting depth is checked against these caps before it is used, and a file over a cap is
refused with the cap's name and the variable that raises it (docs/inputs.md lists them).
"""

from __future__ import annotations

from dataclasses import dataclass

# A count Parity stores exactly in every format: JSON numbers are doubles, whose whole
# numbers are exact up to 2^53, and sums of many such counts still fit in 64 bits.
MAX_COUNT = 2**53


@dataclass(frozen=True)
class Limits:
    # any file, in MiB (PARITY_MAX_FILE_MB); a Workspace export this big is read in chunks
    file_mb: int = 512
    # a JSON file, in MiB (PARITY_MAX_JSON_MB): it is read whole into objects ~10x its size
    json_mb: int = 64
    # pages of one Reporting API request (PARITY_MAX_PAGES)
    pages: int = 1000
    # data rows of one file (PARITY_MAX_ROWS)
    rows: int = 20_000_000
    # columns of one table (PARITY_MAX_COLUMNS)
    columns: int = 1000
    # nesting of JSON arrays and objects (PARITY_MAX_DEPTH); responses need 5
    depth: int = 32
    # characters in one cell (PARITY_MAX_CELL_CHARS); names have their own, lower limit
    cell_chars: int = 10_000

    @property
    def file_bytes(self) -> int:
        return self.file_mb << 20

    @property
    def json_bytes(self) -> int:
        return self.json_mb << 20


# variable -> Limits field
VARIABLES = {
    "PARITY_MAX_FILE_MB": "file_mb",
    "PARITY_MAX_JSON_MB": "json_mb",
    "PARITY_MAX_PAGES": "pages",
    "PARITY_MAX_ROWS": "rows",
    "PARITY_MAX_COLUMNS": "columns",
    "PARITY_MAX_DEPTH": "depth",
    "PARITY_MAX_CELL_CHARS": "cell_chars",
}


def over(what: str, found, cap: int, field: str) -> str:
    """The refusal's words for a file past a cap (`found` may be any large number)."""
    variable = next(name for name, f in VARIABLES.items() if f == field)
    shown = f"{found:,}" if isinstance(found, int) and found < 10**18 else f"over {cap:,}"
    return f"{what} is {shown}; Parity reads at most {cap:,} ({variable} raises it)"
