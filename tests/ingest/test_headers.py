"""Recognising a file's table and its columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest.ingest_data import PERSONS_HEADER

from kaoping.ingest.errors import IngestError
from kaoping.ingest.headers import (
    header_aliases,
    map_headers,
    normalise,
    table_from_headers,
    table_from_name,
)
from kaoping.model.schema import TABLES, table


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("persons_2020_gbk.csv", "persons"),
        ("property_returns.parquet", "property_returns"),
        ("prosecutors-2020.xlsx", "prosecutors"),
        ("public_interest_cases.csv", "public_interest_cases"),
        ("Persons.CSV", "persons"),
        ("suspects_beijing.csv", "persons"),
        ("犯罪嫌疑人2020.xlsx", "persons"),
        ("检察院名单.xlsx", "organs"),
        ("检察建议.csv", "suggestions"),
        ("quality_reviews.parquet", "quality_reviews"),
        ("export.csv", None),
        ("person.csv", None),
    ],
)
def test_table_from_file_name(file_name: str, expected: str | None) -> None:
    found = table_from_name(Path(file_name))
    assert (found.name if found else None) == expected


def test_table_from_chinese_headers() -> None:
    assert table_from_headers(Path("x.csv"), PERSONS_HEADER.split(",")).name == "persons"


def test_headers_fitting_no_table_name_the_way_out() -> None:
    with pytest.raises(IngestError, match=r"x\.csv: cannot tell which table.*use --table NAME"):
        table_from_headers(Path("x.csv"), ["编号", "名称"])


def test_header_spellings_are_normalised() -> None:
    mapping = map_headers(
        Path("p.csv"),
        table("persons"),
        [
            " PERSON_ID ",
            "案件编号",
            "院代码",
            "罪名代码",
            "是否未成年人",
            "判处刑期（月）",
            "备注",
            "单位代码",
        ],
    )
    assert mapping.source["person_id"] == " PERSON_ID "
    assert mapping.source["sentence_months"] == "判处刑期（月）"
    assert mapping.ignored == ("备注",)
    assert mapping.repeated == ("单位代码",)
    assert normalise("\ufeffCase_ID") == "case_id"


@pytest.mark.parametrize("name", list(TABLES))
def test_every_header_spelling_names_one_column_per_table(name: str) -> None:
    """The schema's contract: within a table no header may mean two columns."""
    tbl = TABLES[name]
    spellings = [normalise(a) for c in tbl.columns for a in set(c.header_aliases())]
    assert len(spellings) == len(set(spellings)), [s for s in spellings if spellings.count(s) > 1]
    assert set(header_aliases(tbl).values()) == set(tbl.column_names)
