"""National rates of the generated data against the published figures they are calibrated to.

Targets come from the SPP releases collected in the calibration notes (docs/synthetic-data.md
lists them); every rate is recomputed here with plain DuckDB SQL over the written files,
using the catalogue's definitions, not through the engine. The dataset is large enough
(600,000 persons) that the minors' rates, on a few thousand persons each, carry a sampling
error of about half a point, well inside the 1.5-point tolerance.
"""

from __future__ import annotations

import duckdb
import pytest

from kaoping.synth import generate_dataset

TOLERANCE = 0.015


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    out = tmp_path_factory.mktemp("calibration")
    generate_dataset(out, persons=600_000, years=(2019, 2020), seed=7, fmt="parquet")
    c = duckdb.connect()
    c.execute(f"CREATE VIEW p AS SELECT * FROM '{out}/persons.parquet'")
    return c


def _rate(con: duckdb.DuckDBPyConnection, numerator: str, denominator: str, where: str) -> float:
    row = con.execute(
        f"SELECT count(*) FILTER ({numerator}) / count(*) FILTER ({denominator}) FROM p "
        f"WHERE {where}"
    ).fetchone()
    assert row is not None and row[0] is not None
    return float(row[0])


def minors_conditional(con: duckdb.DuckDBPyConnection, year: int) -> float:
    """Conditional non-prosecution / minors concluded, January to June of ``year``."""
    return _rate(
        con,
        "prosecution_decision = 'conditional_not_prosecuted'",
        "prosecution_decision IS NOT NULL",
        f"is_minor AND prosecution_review_concluded BETWEEN '{year}-01-01' AND '{year}-06-30'",
    )


def non_arrest(con: duckdb.DuckDBPyConnection, year: int, minors: bool) -> float:
    return _rate(
        con,
        "arrest_decision = 'not_approved'",
        "arrest_decision IN ('approved', 'not_approved')",
        f"year(arrest_review_concluded) = {year}" + (" AND is_minor" if minors else ""),
    )


def heavy_sentence(con: duckdb.DuckDBPyConnection, year: int) -> float:
    return _rate(
        con,
        "sentence_months >= 36",
        "sentence_months IS NOT NULL",
        f"verdict = 'guilty' AND year(verdict_date) = {year}",
    )


def non_prosecution(con: duckdb.DuckDBPyConnection, year: int) -> float:
    return _rate(
        con,
        "prosecution_decision <> 'prosecuted'",
        "prosecution_decision IS NOT NULL",
        f"year(prosecution_review_concluded) = {year}",
    )


def pretrial_detention(con: duckdb.DuckDBPyConnection, year: int) -> float:
    return _rate(
        con,
        "detained_at_prosecution",
        "true",
        f"prosecution_decision = 'prosecuted' AND year(prosecution_review_concluded) = {year}",
    )


def test_minors_conditional_non_prosecution_matches_the_seed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # "3,709 minors were conditionally not prosecuted, 17.1% ..., up 5.9 points year-on-year"
    h1_2020, h1_2019 = minors_conditional(con, 2020), minors_conditional(con, 2019)
    print(f"minors' conditional non-prosecution, H1: 2019 {h1_2019:.1%}, 2020 {h1_2020:.1%}")
    assert h1_2020 == pytest.approx(0.171, abs=TOLERANCE)
    assert h1_2019 == pytest.approx(0.171 - 0.059, abs=TOLERANCE)
    assert h1_2020 - h1_2019 > 0.03  # the rise the seed reports, not a flat line


def test_minors_non_arrest_2019_is_inside_the_published_band(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rate = non_arrest(con, 2019, minors=True)
    print(f"minors' non-arrest 2019: {rate:.1%}")
    assert 0.33 <= rate <= 0.39
    assert rate == pytest.approx(0.36, abs=TOLERANCE)
    assert non_arrest(con, 2020, minors=True) == pytest.approx(0.391, abs=TOLERANCE)  # white paper


def test_share_sentenced_to_three_years_or_more(con: duckdb.DuckDBPyConnection) -> None:
    y2019, y2020 = heavy_sentence(con, 2019), heavy_sentence(con, 2020)
    print(f"sentenced to three years or more: 2019 {y2019:.1%}, 2020 {y2020:.1%}")
    assert y2019 == pytest.approx(0.213, abs=TOLERANCE)  # SPP work report 2020
    assert y2020 == pytest.approx(0.20, abs=TOLERANCE)


@pytest.mark.parametrize(
    ("figure", "year", "target"),
    [
        ("non_arrest", 2019, 0.225),
        ("non_arrest", 2020, 0.27),
        ("non_prosecution", 2019, 0.10),
        ("non_prosecution", 2020, 0.125),
        ("pretrial_detention", 2019, 0.52),
        ("pretrial_detention", 2020, 0.51),
    ],
)
def test_the_other_calibrated_figures_stay_where_they_were(
    con: duckdb.DuckDBPyConnection, figure: str, year: int, target: float
) -> None:
    value = {
        "non_arrest": lambda: non_arrest(con, year, minors=False),
        "non_prosecution": lambda: non_prosecution(con, year),
        "pretrial_detention": lambda: pretrial_detention(con, year),
    }[figure]()
    assert value == pytest.approx(target, abs=TOLERANCE)
