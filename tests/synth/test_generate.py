"""The synthetic dataset: deterministic, complete, and shaped like a national export.

Every figure here is recomputed with plain DuckDB SQL over the written files, not taken
from the generator's own bookkeeping.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from kaoping.model.schema import TABLES
from kaoping.synth import generate_dataset, parse_years


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_dataset(out, persons=60_000, years=(2019, 2020), seed=11, fmt="parquet")
    return out


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_dataset(a, persons=5_000, years=(2020, 2020), seed=3, fmt="csv")
    generate_dataset(b, persons=5_000, years=(2020, 2020), seed=3, fmt="csv")
    generate_dataset(c, persons=5_000, years=(2020, 2020), seed=4, fmt="csv")
    assert _digest(a) == _digest(b)
    assert _digest(a)["persons.csv"] != _digest(c)["persons.csv"]


def test_every_table_is_written_with_the_schema_columns(small: Path) -> None:
    for name, table in TABLES.items():
        path = small / f"{name}.parquet"
        assert path.exists(), name
        assert pq.read_schema(path).names == list(table.column_names)
    assert pq.read_metadata(small / "persons.parquet").num_rows == 60_000


def test_keys_are_unique_and_references_resolve(small: Path) -> None:
    con = duckdb.connect()
    for name, table in TABLES.items():
        key = ", ".join(table.key)
        dupes = con.execute(
            f"SELECT count(*) - count(DISTINCT ({key})) FROM '{small}/{name}.parquet'"
        ).fetchone()
        assert dupes == (0,), name
        for col in table.columns:
            if col.references:
                ref_table, ref_col = col.references.split(".")
                missing = con.execute(
                    f"SELECT count(*) FROM '{small}/{name}.parquet' t WHERE t.{col.name} IS NOT "
                    f"NULL AND t.{col.name} NOT IN (SELECT {ref_col} FROM "
                    f"'{small}/{ref_table}.parquet')"
                ).fetchone()
                assert missing == (0,), f"{name}.{col.name}"


def test_dates_are_in_order_and_decisions_match_conclusions(small: Path) -> None:
    con = duckdb.connect()
    p = f"'{small}/persons.parquet'"
    for order in TABLES["persons"].date_orders:
        bad = con.execute(f"SELECT count(*) FROM {p} WHERE {order.earlier} > {order.later}")
        assert bad.fetchone() == (0,), order
    mismatched = con.execute(
        f"SELECT count(*) FROM {p} WHERE (arrest_decision IS NULL) <> "
        f"(arrest_review_concluded IS NULL) OR (prosecution_decision IS NULL) <> "
        f"(prosecution_review_concluded IS NULL)"
    ).fetchone()
    assert mismatched == (0,)


def test_big_city_organs_handle_far_more_than_rural_ones(small: Path) -> None:
    con = duckdb.connect()
    p90, p10 = con.execute(
        f"SELECT quantile_cont(n, 0.9), quantile_cont(n, 0.1) FROM (SELECT organ_code, count(*) n"
        f" FROM '{small}/persons.parquet' GROUP BY 1)"
    ).fetchone()  # type: ignore[misc]
    assert p90 > 5 * p10


def test_year_end_rush_and_spring_festival_dip(small: Path) -> None:
    con = duckdb.connect()
    by_month = dict(
        con.execute(
            f"SELECT month(prosecution_review_concluded), count(*) FROM '{small}/persons.parquet' "
            "WHERE year(prosecution_review_concluded) = 2020 GROUP BY 1"
        ).fetchall()
    )
    assert by_month[12] > 1.15 * by_month[9]
    assert by_month[2] < 0.9 * by_month[3]


def test_organs_differ_enough_to_rank(small: Path) -> None:
    con = duckdb.connect()
    rates = [
        r[0]
        for r in con.execute(
            f"SELECT avg((arrest_decision = 'not_approved')::INT) FROM '{small}/persons.parquet' p "
            f"JOIN '{small}/organs.parquet' o USING (organ_code) WHERE arrest_decision IS NOT NULL "
            "AND o.level = 4 GROUP BY o.parent_code HAVING count(*) >= 40"
        ).fetchall()
    ]
    assert len(rates) > 20
    assert max(rates) - min(rates) > 0.15  # municipalities spread around the national rate


def test_twenty_years_show_the_long_run_trends(tmp_path: Path) -> None:
    generate_dataset(tmp_path, persons=200_000, years=(2001, 2020), seed=5, fmt="parquet")
    con = duckdb.connect()
    p, c = f"'{tmp_path}/persons.parquet'", f"'{tmp_path}/crimes.parquet'"
    rows = dict(
        (y, (na, serious))
        for y, na, serious in con.execute(
            f"SELECT year(arrest_review_concluded), avg((arrest_decision='not_approved')::INT), "
            f"avg(c.serious_violent::INT) FROM {p} JOIN {c} c USING (crime_code) "
            "WHERE arrest_decision IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert rows[2020][0] > rows[2001][0] + 0.08  # non-arrest rate rising
    assert rows[2020][1] < rows[2001][1] / 2  # serious violent crime share falling
    dangerous_driving_2005 = con.execute(
        f"SELECT count(*) FROM {p} JOIN {c} c USING (crime_code) WHERE c.name_zh = '危险驾驶罪' "
        "AND year(prosecution_review_concluded) <= 2010"
    ).fetchone()
    assert dangerous_driving_2005 == (0,)  # a crime only since May 2011


@pytest.mark.parametrize(
    ("text", "expected"), [("2019-2020", range(2019, 2021)), ("2020", range(2020, 2021))]
)
def test_parse_years(text: str, expected: range) -> None:
    assert parse_years(text) == expected


@pytest.mark.parametrize("text", ["2020-2019", "twenty", "1900-1901"])
def test_parse_years_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="years"):
        parse_years(text)
