"""How one text value reads as each type: the SQL expressions validation and loading share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

from kaoping.ingest.sql import cleaned, parse_expr
from kaoping.model.schema import table


@pytest.fixture(scope="module")
def mem() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    yield con
    con.close()


def read(con: duckdb.DuckDBPyConnection, table_name: str, column: str, text: str) -> object:
    expr = parse_expr(table(table_name).column(column), cleaned("$v"))
    return con.execute(f"SELECT {expr}", {"v": text}).fetchall()[0][0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-31", dt.date(2020, 1, 31)),
        ("2020/1/31", dt.date(2020, 1, 31)),
        ("20200131", dt.date(2020, 1, 31)),
        ("2020年1月31日", dt.date(2020, 1, 31)),
        ("2020.1.31", dt.date(2020, 1, 31)),
        (" 2020-01-31 08:30:00 ", dt.date(2020, 1, 31)),
        ("43861", dt.date(2020, 1, 31)),
        ("43861.5", dt.date(2020, 1, 31)),
        ("2020-13-45", None),
        ("2020-02-30", None),
        ("20201301", None),
        ("31/01/2020", None),
        ("明天", None),
    ],
)
def test_dates(mem: duckdb.DuckDBPyConnection, text: str, expected: dt.date | None) -> None:
    assert read(mem, "persons", "verdict_date", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("3.0", 3),
        (" 4 ", 4),
        (" +4 ", None),
        ("-1", -1),
        ("3.5", None),
        ("三", None),
        ("1,000", None),
    ],
)
def test_whole_numbers(mem: duckdb.DuckDBPyConnection, text: str, expected: int | None) -> None:
    assert read(mem, "persons", "extensions", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", Decimal("1234.50")),
        ("1,234.56", Decimal("1234.56")),
        ("0", Decimal("0.00")),
        ("abc", None),
    ],
)
def test_amounts(mem: duckdb.DuckDBPyConnection, text: str, expected: Decimal | None) -> None:
    assert read(mem, "property_returns", "amount_involved", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是", True),
        ("否", False),
        ("TRUE", True),
        ("n", False),
        ("1", True),
        ("无", False),
        ("\t有\t", True),
        ("也许", None),
    ],
)
def test_booleans(mem: duckdb.DuckDBPyConnection, text: str, expected: bool | None) -> None:
    assert read(mem, "persons", "is_minor", text) == expected


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("arrest_decision", "批准逮捕", "approved"),
        ("arrest_decision", "不批准逮捕", "not_approved"),
        ("arrest_decision", "Not_Approved", "not_approved"),
        ("prosecution_decision", "起诉", "prosecuted"),
        ("prosecution_decision", "不起诉", "not_prosecuted"),
        ("prosecution_decision", "附条件不起诉", "conditional_not_prosecuted"),
        ("prosecution_decision", "不诉", "not_prosecuted"),
        ("sentencing_recommendation", "幅度刑", "range"),
        ("prosecution_decision", "起诉了", None),
    ],
)
def test_enumerations(
    mem: duckdb.DuckDBPyConnection, column: str, text: str, expected: str | None
) -> None:
    assert read(mem, "persons", column, text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\u3000", "\ufeff"])
def test_blank_is_missing(mem: duckdb.DuckDBPyConnection, text: str) -> None:
    assert mem.execute(f"SELECT {cleaned('$v')}", {"v": text}).fetchall() == [(None,)]
