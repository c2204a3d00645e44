"""The issue's acceptance path, end to end through the real command line.

`kaoping generate` then `kaoping import d/*`, then the national rates of what was loaded,
recomputed here with plain SQL and held against the published SPP figures the dataset is
meant to resemble (CALIBRATION.md: for 2019-2020 the nation shows non-arrest 22-30%,
non-prosecution 8-14%, pretrial detention 50-55%, minors' non-arrest 33-39% and minors'
conditional non-prosecution 11-20%, all but detention rising from 2019 to 2020).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pytest

from kaoping.model.schema import TABLES

#: figure -> (SQL numerator condition, SQL denominator condition, date column, band)
PUBLISHED = {
    "non_arrest": ("arrest_decision = 'not_approved'", "arrest_decision IS NOT NULL",
                   "arrest_review_concluded", (0.20, 0.31)),
    "non_prosecution": ("prosecution_decision <> 'prosecuted'",
                        "prosecution_decision IS NOT NULL", "prosecution_review_concluded",
                        (0.07, 0.15)),
    "pretrial_detention": ("detained_at_prosecution", "prosecution_decision = 'prosecuted'",
                           "prosecution_review_concluded", (0.48, 0.57)),
    "minor_non_arrest": ("arrest_decision = 'not_approved'",
                         "is_minor AND arrest_decision IS NOT NULL", "arrest_review_concluded",
                         (0.30, 0.42)),
    "minor_conditional": ("prosecution_decision = 'conditional_not_prosecuted'",
                          "is_minor AND prosecution_decision IS NOT NULL",
                          "prosecution_review_concluded", (0.10, 0.21)),
}


def kaoping(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kaoping", *args], cwd=cwd, text=True,
                          capture_output=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("quickstart")
    gen = kaoping("generate", "--out", "d", "--persons", "200000", "--years", "2019-2020",
                  "--seed", "7", cwd=work)
    assert gen.returncode == 0, gen.stderr
    files = sorted(str(p.relative_to(work)) for p in (work / "d").iterdir())
    imp = kaoping("import", *files, "--db", "w.duckdb", cwd=work)
    assert imp.returncode == 0, imp.stdout + imp.stderr
    return work


def test_every_table_is_loaded_whole(loaded: Path) -> None:
    con = duckdb.connect(str(loaded / "w.duckdb"), read_only=True)
    for name in TABLES:
        written = pacsv.read_csv(loaded / "d" / f"{name}.csv").num_rows
        (stored,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()  # type: ignore[misc]
        assert stored == written, name
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


def _rate(con: duckdb.DuckDBPyConnection, figure: str, year: int) -> float:
    num, den, date, _ = PUBLISHED[figure]
    (value,) = con.execute(
        f"SELECT count(*) FILTER (WHERE ({den}) AND ({num})) / count(*) FILTER (WHERE {den}) "
        f"FROM persons WHERE year({date}) = ?", [year]
    ).fetchone()  # type: ignore[misc]
    return float(value)


@pytest.mark.parametrize("figure", list(PUBLISHED))
def test_national_rates_match_the_published_figures(loaded: Path, figure: str) -> None:
    con = duckdb.connect(str(loaded / "w.duckdb"), read_only=True)
    low, high = PUBLISHED[figure][3]
    r2019, r2020 = _rate(con, figure, 2019), _rate(con, figure, 2020)
    assert low <= r2019 <= high, f"{figure} 2019 = {r2019:.3f}"
    assert low <= r2020 <= high, f"{figure} 2020 = {r2020:.3f}"
    if figure != "pretrial_detention":
        assert r2020 > r2019, f"{figure} should rise: {r2019:.3f} -> {r2020:.3f}"
    else:
        assert r2020 < r2019 + 0.01, f"detention should not rise: {r2019:.3f} -> {r2020:.3f}"


def test_the_most_prosecuted_crimes_are_the_published_ones(loaded: Path) -> None:
    con = duckdb.connect(str(loaded / "w.duckdb"), read_only=True)
    top = [r[0] for r in con.execute(
        "SELECT c.name_zh FROM persons p JOIN crimes c USING (crime_code) "
        "WHERE p.prosecution_decision = 'prosecuted' GROUP BY 1 ORDER BY count(*) DESC LIMIT 6"
    ).fetchall()]
    assert top[0] == "危险驾驶罪"
    assert {"盗窃罪", "诈骗罪", "故意伤害罪"} <= set(top)


def test_reimporting_the_same_files_changes_nothing(loaded: Path) -> None:
    before = duckdb.connect(str(loaded / "w.duckdb"), read_only=True)
    counts = {t: before.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in TABLES}
    before.close()
    again = kaoping("import", "d", "--db", "w.duckdb", cwd=loaded)
    assert again.returncode == 0, again.stderr
    after = duckdb.connect(str(loaded / "w.duckdb"), read_only=True)
    assert {t: after.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in TABLES} == counts
