"""Warehouses of generated data, one with planted gaming and one without.

The organs, prosecutors and persons files are loaded straight into a warehouse created from
the data model (the importer's validation is tested elsewhere and would triple the time):
the detectors read persons and organs, the web its users' prosecutors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kaoping.synth import generate_dataset
from kaoping.warehouse import connect

#: large enough that a planted organ has a few dozen cases around a period end
PERSONS = 600_000
SEED = 7


def _warehouse(root: Path, plant: bool) -> Path:
    paths = generate_dataset(
        root / "data", persons=PERSONS, years=(2019, 2020), seed=SEED, plant=plant
    )
    db = root / "kaoping.duckdb"
    con = connect(db)
    try:
        for table in ("organs", "prosecutors", "persons"):
            con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{paths[table]}')")
    finally:
        con.close()
    return db


@pytest.fixture(scope="package")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _warehouse(tmp_path_factory.mktemp("planted"), plant=True)


@pytest.fixture(scope="package")
def clean_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _warehouse(tmp_path_factory.mktemp("clean"), plant=False)


@pytest.fixture
def planted(planted_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(planted_db), read_only=True)
    yield con
    con.close()


@pytest.fixture
def clean(clean_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(clean_db), read_only=True)
    yield con
    con.close()
