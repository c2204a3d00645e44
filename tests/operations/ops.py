"""What the operations tests share: the CLI run as users run it, and a warehouse's state.

Every step goes through the ``kaoping`` command in a subprocess -- import, compute, serve
-- because what these tests pin is how separate processes share one warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kaoping.model.schema import TABLES

#: a small catalogue slice keeps every computation to a few seconds
INDICATORS = ("persons_prosecuted", "non_prosecution_rate", "non_arrest_rate")


def kaoping_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "kaoping", *args]


def env_for(db: Path, app_db: str | None = None) -> dict[str, str]:
    env = {**os.environ, "KAOPING_DB": str(db), "PYTHONUNBUFFERED": "1"}
    if app_db is not None:
        env["KAOPING_APP_DB"] = app_db
    return env


def run(db: Path, *args: str, check: bool = True, **kw: Any) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        kaoping_cmd(*args), env=env_for(db, kw.pop("app_db", None)), capture_output=True,
        text=True, timeout=kw.pop("timeout", 300), **kw,
    )
    if check and out.returncode != 0:
        raise AssertionError(f"kaoping {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out


def compute_args() -> list[str]:
    args = ["compute", "--prosecutor-periods", "year"]
    for i in INDICATORS:
        args += ["-i", i]
    return args


def split_persons(persons: Path, out: Path, before: str) -> tuple[Path, Path]:
    """The persons file cut at ``before`` (prosecution review concluded): the rows up to
    it (an export of last month) and the whole file (this month's export)."""
    frame = pd.read_parquet(persons)
    concluded = pd.to_datetime(frame["prosecution_review_concluded"])
    early = out / "early" / "persons.parquet"
    early.parent.mkdir(parents=True, exist_ok=True)
    frame[~(concluded >= pd.Timestamp(before))].to_parquet(early, index=False)
    return early, persons


def state(db: Path) -> dict[str, Any]:
    """Row counts of every table, the data version and a checksum of the stored results:
    what must be exactly as before after a killed import or computation."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, Any] = {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            for name in TABLES
        }
        out["persons_checksum"] = con.execute(
            "SELECT sum(hash(person_id, prosecution_decision, verdict, sentence_months)) "
            "FROM persons"
        ).fetchall()[0][0]
        meta = con.execute("SELECT key, value FROM kaoping_meta ORDER BY key").fetchall()
        out["meta"] = [tuple(r) for r in meta if r[0] == "data_version"]
        has = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'indicator_values_organ'"
        ).fetchall()[0][0]
        if has:
            row = con.execute(
                "SELECT count(*), sum(numerator), sum(coalesce(denominator, 0)), "
                "sum(hash(indicator, subject, period, numerator, denominator)) "
                "FROM indicator_values_organ"
            ).fetchall()[0]
            out["results"] = tuple(row)
            out["runs"] = con.execute("SELECT count(*) FROM compute_runs").fetchall()[0][0]
        return out
    finally:
        con.close()
