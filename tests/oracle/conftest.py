"""One generated warehouse, one `kaoping compute`, shared by every oracle test.

The data are generated with the synthetic generator and loaded with plain DuckDB
(``INSERT ... SELECT * FROM read_parquet``) into the tables ``kaoping.warehouse.connect``
creates -- the importer is not involved. The engine then runs once, through the command
line, as a user would run it. The oracle (``oracle_sql.py``) reads the same tables.

``kaoping compute`` runs with its default years (every year with substantial data);
``KAOPING_ORACLE_YEARS=2018-2021`` (any ``--years`` text) passes ``--years`` instead, e.g.
to check the partial re-computation path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from kaoping.synth import generate_dataset
from kaoping.warehouse import connect

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # the test modules import the oracle as plain modules
    sys.path.insert(0, str(HERE))

from oracle_common import (  # noqa: E402
    CATALOGUE,
    INDICATOR_IDS,
    PERIODS,
    PROSECUTOR_PERIODS,
)

TABLE_ORDER = (
    "organs",
    "prosecutors",
    "crimes",
    "persons",
    "suggestions",
    "petitions",
    "leads",
    "property_returns",
    "quality_reviews",
    "public_interest_cases",
)


@pytest.fixture(scope="session")
def catalogue() -> dict[str, dict[str, Any]]:
    return CATALOGUE


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate, load, compute; the path of the computed warehouse."""
    work = tmp_path_factory.mktemp("oracle")
    written = generate_dataset(
        work / "data", persons=40_000, years=(2019, 2020), seed=23, fmt="parquet"
    )
    db = work / "oracle.duckdb"
    con = connect(db)
    try:
        for table in TABLE_ORDER:
            con.execute(
                f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet(?)',
                [str(written[table])],
            )
    finally:
        con.close()
    args = [sys.executable, "-m", "kaoping", "compute", "--db", str(db)]
    if years := os.environ.get("KAOPING_ORACLE_YEARS"):
        args += ["--years", years]
    started = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True, check=False, timeout=1200)
    if run.returncode != 0:
        pytest.fail(f"`{' '.join(args[1:])}` failed:\n{run.stdout}\n{run.stderr}")
    print(f"kaoping compute took {time.perf_counter() - started:.1f}s")  # shown with -s
    return db


@pytest.fixture(scope="session")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the computed warehouse, for the oracle and the results."""
    c = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield c
    finally:
        c.close()


_RESULT_COLUMNS = (
    "indicator, subject, organ_code, level, parent_code, period, numerator, denominator, "
    "value, previous, previous_numerator, previous_denominator"
)


def _stored(
    con: duckdb.DuckDBPyConnection, subject_type: str, periods: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    marks = ", ".join("?" for _ in periods)
    frame = con.execute(
        f"SELECT {_RESULT_COLUMNS} FROM indicator_values "
        f"WHERE subject_type = ? AND period IN ({marks})",
        [subject_type, *periods],
    ).df()
    groups = {str(k): g.reset_index(drop=True) for k, g in frame.groupby("indicator")}
    return {i: groups.get(i, frame.iloc[0:0]) for i in INDICATOR_IDS}


@pytest.fixture(scope="session")
def engine_organs(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The engine's stored organ rows for PERIODS, by indicator."""
    return _stored(con, "organ", PERIODS)


@pytest.fixture(scope="session")
def engine_prosecutors(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The engine's stored prosecutor rows for PROSECUTOR_PERIODS, by indicator."""
    return _stored(con, "prosecutor", PROSECUTOR_PERIODS)


@pytest.fixture(scope="session")
def organs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT organ_code, parent_code, level FROM organs").df()
