"""Caps on what a file can make Parity read: refused with the cap's variable, memory bounded."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime

import pytest

from bot.config import load_settings
from bot.errors import BadInput, ConfigError
from bot.ingest import read_bytes, read_file, stream_file
from bot.ingest.limits import Limits
from tests.ingest.fuzz_corpus import JOURNEY, _canonical, _page, _wrapped

CAPTURED = datetime(2026, 11, 29, 12, tzinfo=UTC)


def _read(data: bytes, limits: Limits | None = None, name: str = "f.json"):
    return read_bytes(data, name=name, captured_at=CAPTURED, limits=limits)


def _response(total_pages) -> bytes:
    page = _page({(JOURNEY, "2026-11-20", "sent"): 4, (JOURNEY, "2026-11-20", "delivered"): 3})
    text = json.dumps(_wrapped({**page, "totalPages": "__T__"}))
    return text.replace('"__T__"', total_pages).encode()


@pytest.mark.parametrize("total", ["1e8", "100000000", "1e400", "9" * 5000])
def test_a_kilobyte_response_claiming_a_hundred_million_pages_is_refused_in_little_memory(total):
    data = _response(total)
    assert len(data) < 6000
    tracemalloc.start()
    try:
        with pytest.raises(BadInput, match=r"totalPages .*PARITY_MAX_PAGES"):
            _read(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 << 20  # it took 4 GB: a list of every missing page number


@pytest.mark.parametrize(
    ("total", "said"),
    [('"abc"', "found text"), ("true", "found true"), ("-1", "0 or more"), ("1.5", "1.5")],
)
def test_a_page_count_of_the_wrong_type_is_refused_naming_it(total, said):
    with pytest.raises(BadInput, match="totalPages") as refused:
        _read(_response(total))
    assert said in str(refused.value)


def _rows(n: int) -> dict:
    return {
        (JOURNEY, f"2026-11-{d:02d}", m): d for d in range(1, n + 1) for m in ("sent", "delivered")
    }


PAGES = json.dumps(_wrapped([_page(_rows(3), n, 3) for n in range(3)]))
RESPONSE = json.dumps(_wrapped(_page(_rows(3))))
CSV = _canonical(_rows(3)).decode()


@pytest.mark.parametrize(
    ("limits", "data", "name", "variable"),
    [
        (Limits(pages=2), PAGES, "f.json", "PARITY_MAX_PAGES"),
        (Limits(rows=2), RESPONSE, "f.json", "PARITY_MAX_ROWS"),
        (Limits(rows=5), CSV, "f.csv", "PARITY_MAX_ROWS"),
        (Limits(columns=1), RESPONSE, "f.json", "PARITY_MAX_COLUMNS"),
        (Limits(columns=8), CSV, "f.csv", "PARITY_MAX_COLUMNS"),
        (Limits(depth=3), RESPONSE, "f.json", "PARITY_MAX_DEPTH"),
        (Limits(cell_chars=13), CSV, "f.csv", "PARITY_MAX_CELL_CHARS"),
        (Limits(json_mb=1), RESPONSE + " " * (1 << 20), "f.json", "PARITY_MAX_JSON_MB"),
        (Limits(file_mb=1), CSV + "\n" * (1 << 20), "f.csv", "PARITY_MAX_FILE_MB"),
    ],
)
def test_each_cap_refuses_a_file_over_it_and_names_its_variable(limits, data, name, variable):
    assert len(_read(data.encode(), name=name))  # within the default caps: read
    with pytest.raises(BadInput, match=variable) as refused:
        _read(data.encode(), limits, name)
    assert str(refused.value).startswith(name)


def test_a_cell_over_the_cap_is_refused_at_its_line_and_column():
    data = _canonical(_rows(3)).decode().splitlines()
    data[4] = data[4].replace(",,,", ",," + "a" * 40 + ",", 1)
    with pytest.raises(BadInput, match="PARITY_MAX_CELL_CHARS") as refused:
        _read("\n".join(data).encode(), Limits(cell_chars=30), "f.csv")
    assert (refused.value.line, refused.value.column) == (5, "action")


def test_files_over_the_size_cap_are_refused_before_they_are_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(_canonical(_rows(3)) + b" " * (2 << 20))
    with pytest.raises(BadInput, match="PARITY_MAX_FILE_MB"):
        read_file(path, limits=Limits(file_mb=1))
    with pytest.raises(BadInput, match="PARITY_MAX_FILE_MB"):
        list(stream_file(path, limits=Limits(file_mb=1)))


def test_caps_come_from_the_environment_and_bad_ones_are_named():
    settings = load_settings({"PARITY_MAX_PAGES": "5", "PARITY_MAX_CELL_CHARS": "300"})
    assert settings.limits == Limits(pages=5, cell_chars=300)
    assert load_settings({}).limits == Limits()
    with pytest.raises(ConfigError, match="PARITY_MAX_ROWS='0'"):
        load_settings({"PARITY_MAX_ROWS": "0"})


def test_the_command_line_refuses_it_with_a_message_not_a_traceback(tmp_path):
    from tests.test_cli import parity

    path = tmp_path / "pages.json"
    path.write_bytes(_response("1e8"))
    result = parity("ingest", str(path), "--today", "2026-11-29", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "totalPages is over 1,000; Parity reads at most 1,000 (PARITY_MAX_PAGES" in result.stdout


def test_a_large_export_read_in_chunks_keeps_to_the_caps(tmp_path):
    from tests.ingest.test_stream import workspace

    path = tmp_path / "big.csv"
    path.write_text(workspace(3000))
    chunked = {"captured_at": CAPTURED, "stream_bytes": 1000, "block_bytes": 16_384}
    assert sum(len(c) for c in stream_file(path, **chunked)) == 6000
    with pytest.raises(BadInput, match="PARITY_MAX_ROWS"):
        list(stream_file(path, limits=Limits(rows=2500), **chunked))

    long = workspace(3000).replace("J1,", "J" + "1" * 300 + ",", 1)
    path.write_text(long)
    with pytest.raises(BadInput, match="PARITY_MAX_CELL_CHARS") as refused:
        list(stream_file(path, limits=Limits(cell_chars=100), **chunked))
    assert refused.value.line == 1012  # the first row of journey J1 (11 lines above J0)
