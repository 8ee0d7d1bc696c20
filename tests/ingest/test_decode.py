"""Encodings: what Excel and the products write, and what is not text at all."""

from __future__ import annotations

import codecs

import pytest

from bot.errors import BadInput
from bot.ingest import read_bytes, read_file
from tests.ingest.helpers import HEADER

TEXT = f"{HEADER}\najo,,Bienvenue à bord,,,,2026-11-28,sent,3\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(TEXT.encode("utf-16"), id="utf-16 with BOM"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), id="utf-16 big endian"),
    ],
)
def test_text_encodings_read_the_same(data):
    frame = read_bytes(data, name="n.csv")

    assert frame["source"].tolist() == ["ajo"]  # the BOM is not part of the first header name
    assert frame["journey"].tolist() == ["Bienvenue à bord"]
    assert frame["value"].tolist() == [3]


def test_binary_file_is_refused(csv_file):
    path = csv_file(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", name="report.xlsx")

    with pytest.raises(BadInput) as caught:
        read_file(path)

    assert (caught.value.file, caught.value.line, caught.value.column) == (str(path), None, None)
    assert caught.value.problem.startswith("not a CSV text file")


def test_text_that_is_not_utf8_is_refused_at_its_line():
    data = f"{HEADER}\najo,,Welcome,,,,2026-11-28,sent,3\najo,,Caf\xe9,,,,2026-11-28,sent,3\n"

    with pytest.raises(BadInput) as caught:
        read_bytes(data.encode("latin-1"), name="n.csv")

    assert (caught.value.line, caught.value.column) == (3, None)
    assert "not a CSV text file" in caught.value.problem
    assert "0xE9" in caught.value.problem
