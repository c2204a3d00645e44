"""The same tree runs on a real backend: a tiny DuckDB table with answers worked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import ibis
import pytest

from kaoping.catalogue.expr import parse, to_ibis
from kaoping.catalogue.virtual import source_table
from kaoping.warehouse import ensure_schema


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    con = duckdb.connect()
    con.execute(
        """
        CREATE TABLE t AS SELECT * FROM (VALUES
          (1, 'a', DATE '2020-01-01', DATE '2020-01-08', true,  2),
          (2, 'b', DATE '2020-01-31', DATE '2020-04-30', false, NULL),
          (3, NULL, DATE '2020-03-01', NULL,              NULL,  5)
        ) v(id, s, d1, d2, flag, n)
        """
    )
    yield ibis.duckdb.from_connection(con)
    con.close()


def ids(backend: Any, text: str) -> list[int]:
    t = backend.table("t")
    return sorted(t.filter(to_ibis(parse(text), t)).id.to_list())


def values(backend: Any, text: str) -> list[Any]:
    t = backend.table("t")
    out: list[Any] = t.order_by("id").select(v=to_ibis(parse(text), t)).v.to_list()
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s = 'a'", [1]),
        ("s != 'a'", [2]),  # a missing value is unknown, so row 3 is left out
        ("s in ('a', 'b')", [1, 2]),
        ("s not in ('a')", [2]),
        ("s is null", [3]),
        ("s is not null and n > 1", [1]),
        ("flag", [1]),
        ("not flag", [2]),
        ("flag or n >= 5", [1, 3]),
        ("n < 5", [1]),
        ("n <= 5 and id <> 1", [3]),
        ("days_between(d1, d2) <= 7", [1]),
        ("d2 <= add_months(d1, 3)", [1, 2]),
        ("d1 >= date('2020-01-31')", [2, 3]),
        ("year(d1) = 2020 and month(d1) = 1", [1, 2]),
        ("coalesce(n, 0) = 0", [2]),
        ("-n < -3", [3]),
    ],
)
def test_filters(backend: Any, text: str, expected: list[int]) -> None:
    assert ids(backend, text) == expected


def test_arithmetic(backend: Any) -> None:
    assert values(backend, "1 + coalesce(n, 0) * 2") == [5, 1, 11]
    assert values(backend, "id / 2") == [0.5, 1.0, 1.5]
    assert values(backend, "id - 1 - 1") == [-1, 0, 1]
    assert values(backend, "days_between(d1, d2)") == [7, 90, None]
    assert values(backend, "n + 0.5") == [2.5, None, 5.5]


def test_persons_see_crime_attributes_through_virtual_columns() -> None:
    con = duckdb.connect()
    ensure_schema(con)
    con.execute(
        "INSERT INTO crimes (crime_code, name_zh, name_en, article, chapter, serious_violent, "
        "statutory_max) VALUES ('rob', '抢劫罪', 'Robbery', '263', 5, true, 'death'), "
        "('dd', '危险驾驶罪', 'Dangerous driving', '133之一', 2, false, 'detention')"
    )
    con.execute(
        "INSERT INTO persons (person_id, case_id, organ_code, crime_code, is_minor) VALUES "
        "('p1', 'k1', 'o', 'rob', false), ('p2', 'k1', 'o', 'dd', true), "
        "('p3', 'k2', 'o', 'unknown', true)"
    )
    t = source_table(ibis.duckdb.from_connection(con), "persons")
    assert t.count().execute() == 3  # the join never drops or repeats a person
    chosen = t.filter(to_ibis(parse("crime_serious_violent or crime_chapter = 2"), t))
    assert sorted(chosen.person_id.to_list()) == ["p1", "p2"]
    con.close()
