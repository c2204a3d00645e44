"""The catalogue kaoping ships: complete, valid, and meaning what its definitions say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import duckdb
import ibis
import pytest

from kaoping.catalogue import (
    ASPECTS,
    FAMILIES,
    Aggregation,
    Catalogue,
    Measure,
    check_files,
    load_catalogue,
    parse,
    source_table,
    to_ibis,
)
from kaoping.warehouse import ensure_schema

FIXED_IDS = (
    "non_arrest_rate",
    "non_prosecution_rate",
    "minor_conditional_non_prosecution_rate",
    "pretrial_detention_rate",
    "plea_leniency_rate",
    "case_proceeding_ratio",
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(paths=[], include_default=True)


def test_loads_clean_with_enough_indicators(catalogue: Catalogue) -> None:
    result = check_files(paths=[])
    assert result.problems == []
    assert len(catalogue.indicators) >= 32


def test_fixed_ids(catalogue: Catalogue) -> None:
    for indicator_id in FIXED_IDS:
        assert indicator_id in catalogue


def test_every_family_and_aspect_is_covered(catalogue: Catalogue) -> None:
    assert {i.family for i in catalogue.indicators} >= set(FAMILIES)
    assert {i.aspect for i in catalogue.indicators} == set(ASPECTS)


def test_sources_lead_back_to_the_file(catalogue: Catalogue) -> None:
    assert catalogue.sources["non_arrest_rate"].split(":")[0].endswith("arrest_review.yaml")


def test_no_average_measures(catalogue: Catalogue) -> None:
    """Every quotient rolls up as sum over count, never as an average of averages."""
    for ind in catalogue.indicators:
        for m in (ind.numerator, ind.denominator):
            assert m is None or m.agg is not Aggregation.AVG, ind.id


def test_cases_per_prosecutor_is_not_per_prosecutor(catalogue: Catalogue) -> None:
    ind = catalogue.get("cases_per_prosecutor")
    assert ind.per_prosecutor is False
    assert ind.denominator is not None
    assert ind.denominator.agg is Aggregation.COUNT_DISTINCT


def test_get_suggests_near_misses(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match="did you mean `non_arrest_rate`"):
        catalogue.get("non_arest_rate")


# --- the definitions mean what they say: a tiny warehouse worked out by hand ----------

D = dt.date(2020, 3, 1)
OUT = dt.date(2019, 3, 1)  # outside the period


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    con = duckdb.connect()
    ensure_schema(con)
    con.execute(
        "INSERT INTO crimes (crime_code, name_zh, name_en, article, chapter, serious_violent, "
        "statutory_max) VALUES ('rob', '抢劫罪', 'Robbery', '263', 5, true, 'death'), "
        "('dd', '危险驾驶罪', 'Dangerous driving', '133之一', 2, false, 'detention')"
    )
    # id, minor, arrest decision, arrest date, prosecution decision, decided, detained, plea,
    # returns, extensions, crime
    rows = [
        ("p1", False, "approved", D, "prosecuted", D, True, True, 1, 0, "rob"),
        ("p2", False, "not_approved", D, "prosecuted", D, False, True, 0, 0, "dd"),
        ("p3", False, "approved", D, "not_prosecuted", D, None, False, 2, 1, "dd"),
        ("p4", True, "not_approved", D, "conditional_not_prosecuted", D, None, True, 0, 0, "rob"),
        ("p5", True, None, None, "prosecuted", D, True, False, None, None, "dd"),
        ("p6", True, "approved", OUT, "prosecuted", OUT, True, True, 0, 0, "dd"),
        ("p7", False, None, None, None, None, None, None, None, None, "dd"),
    ]
    con.executemany(
        "INSERT INTO persons (person_id, case_id, organ_code, is_minor, arrest_decision, "
        "arrest_review_concluded, prosecution_decision, prosecution_review_concluded, "
        "detained_at_prosecution, plea_leniency, supplementary_returns, extensions, "
        "crime_code) VALUES (?, 'k', 'o', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]) for r in rows],
    )
    yield ibis.duckdb.from_connection(con)
    con.close()


def measure(backend: Any, m: Measure) -> float | None:
    """An oracle independent of the engine: filter, place in 2020, aggregate."""
    t = source_table(backend, m.table)
    t = t.filter(t[m.date].year() == 2020)
    if m.filter:
        t = t.filter(to_ibis(parse(m.filter), t))
    if m.agg is Aggregation.COUNT:
        return float(t.count().execute())
    assert m.expr is not None
    value = to_ibis(parse(m.expr), t)
    agg = value.sum() if m.agg is Aggregation.SUM else value.nunique()
    result = t.aggregate(v=agg).v.execute()[0]
    return None if result is None else float(result)


@pytest.mark.parametrize(
    ("indicator_id", "numerator", "denominator"),
    [
        ("non_arrest_rate", 2, 4),  # p2, p4 of p1-p4 (p6 is in 2019)
        ("non_prosecution_rate", 2, 5),  # p3, p4 of p1-p5
        ("minor_conditional_non_prosecution_rate", 1, 2),  # p4 of minors p4, p5
        ("pretrial_detention_rate", 2, 3),  # p1, p5 of prosecuted p1, p2, p5
        ("plea_leniency_rate", 3, 5),  # p1, p2, p4
        ("case_proceeding_ratio", 9, 5),  # 5 persons + 1 + 2 + 1 (p3's extension)
        ("serious_violent_crime_share", 1, 3),  # p1 robbery of prosecuted p1, p2, p5
        ("supplementary_return_rate", 2, 5),
        ("non_prosecution_after_arrest_rate", 1, 2),  # p3 of arrested p1, p3
        ("persons_prosecuted", 3, None),
    ],
)
def test_definitions_by_hand(
    backend: Any,
    catalogue: Catalogue,
    indicator_id: str,
    numerator: float,
    denominator: float | None,
) -> None:
    ind = catalogue.get(indicator_id)
    assert measure(backend, ind.numerator) == numerator
    if denominator is None:
        assert ind.denominator is None
    else:
        assert ind.denominator is not None
        assert measure(backend, ind.denominator) == denominator


def test_every_indicator_compiles_on_an_empty_warehouse(catalogue: Catalogue) -> None:
    con = duckdb.connect()
    ensure_schema(con)
    backend = ibis.duckdb.from_connection(con)
    for ind in catalogue.indicators:
        for m in (ind.numerator, ind.denominator):
            if m is not None:
                assert measure(backend, m) in (0.0, None), ind.id
    con.close()
