"""Fixtures of the appraisal tests (the data itself is in ``tiny_data``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from tests.appraisal.tiny_data import build_warehouse


@pytest.fixture
def make_warehouse(tmp_path: Path) -> Any:
    """``make_warehouse(persons, values, name=...)`` -> path of a new tiny warehouse."""

    def make(persons: Iterable[dict[str, Any]], values: Iterable[dict[str, Any]],
             name: str = "tiny.duckdb") -> Path:
        return build_warehouse(tmp_path / name, persons, values)

    return make
