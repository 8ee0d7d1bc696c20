"""Fixtures for the parser tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text (UTF-8) or bytes to a file in tmp_path and return its path."""

    def write(content: str | bytes, name: str = "numbers.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write
