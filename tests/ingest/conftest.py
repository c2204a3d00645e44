"""Fixtures: a fresh warehouse per test and the hand-built exports of ``ingest_data``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from tests.ingest.ingest_data import (
    CRIMES_CSV,
    ORGANS_CSV,
    PROSECUTORS_CSV,
    persons_text,
    write_text,
)

from kaoping.warehouse import connect


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def reference_files(tmp_path: Path) -> list[Path]:
    ref = tmp_path / "reference"
    ref.mkdir()
    return [
        write_text(ref / "organs.csv", ORGANS_CSV),
        write_text(ref / "crimes.csv", CRIMES_CSV),
        write_text(ref / "prosecutors.csv", PROSECUTORS_CSV),
    ]


@pytest.fixture
def persons_gbk(tmp_path: Path) -> Path:
    return write_text(tmp_path / "persons_2020_gbk.csv", persons_text(), "gbk")
