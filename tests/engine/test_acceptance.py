"""The seed example of the issue, end to end.

"3,709 minors were conditionally not prosecuted, 17.1% of minors whose prosecution review
was concluded, up 5.9 percentage points year-on-year" (SPP, first half of 2020). The
dataset is built so that the first half of 2020 holds 21,690 minors whose prosecution
review was concluded, 3,709 of them conditionally not prosecuted, and the first half of
2019 2,000 of 17,857 (11.2%). They are spread over the three grassroots organs, so the
national figure is a roll-up.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.engine.engine_data import CONDITIONAL, build_warehouse

import kaoping
from kaoping.catalogue import load_catalogue
from kaoping.catalogue.models import Indicator

SEED = CONDITIONAL.model_copy(
    update={
        "id": "seed_conditional_rate",
        "sentence_en": "{numerator} minors were conditionally not prosecuted, {value} of minors "
        "whose prosecution review was concluded, {change} year-on-year",
        "sentence_zh": "对{numerator}名未成年人附条件不起诉，占审结未成年人的{value}，同比{change}",
    }
)


def _minors(con: duckdb.DuckDBPyConnection, tag: str, start: str, total: int, cond: int) -> None:
    """``total`` minors concluded within 181 days of ``start``, the first ``cond`` conditional,
    spread round-robin over the three grassroots organs."""
    con.execute(f"""
        INSERT INTO persons (person_id, case_id, organ_code, prosecutor_id, crime_code,
                             is_minor, prosecution_review_concluded, prosecution_decision)
        SELECT '{tag}' || i, 'K{tag}' || i, ['110101', '110102', '120101'][1 + i % 3],
               ['P1', 'P3', 'P4'][1 + i % 3], 'C1', true,
               DATE '{start}' + CAST(i % 181 AS INTEGER),
               CASE WHEN i < {cond} THEN 'conditional_not_prosecuted' ELSE 'prosecuted' END
        FROM range({total}) t(i)
    """)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_warehouse(tmp_path_factory.mktemp("seed") / "w.duckdb", [])
    with duckdb.connect(str(path)) as con:
        _minors(con, "a", "2020-01-01", 21_690, 3_709)
        _minors(con, "b", "2019-01-01", 17_857, 2_000)
    default = load_catalogue().get("minor_conditional_non_prosecution_rate")
    with kaoping.Warehouse(path, catalogue=[SEED, default]) as wh:
        wh.compute()
    return path


@pytest.mark.parametrize(
    "indicator", ["seed_conditional_rate", "minor_conditional_non_prosecution_rate"]
)
def test_value_and_change(warehouse: Path, indicator: str) -> None:
    with kaoping.Warehouse(warehouse, catalogue=[SEED, _default()]) as wh:
        v = wh.indicator(indicator, organ="100000", period="2020-H1")
    assert (v.numerator, v.denominator) == (3709, 21690)
    assert round(v.value or 0, 3) == 0.171
    assert round(v.previous or 0, 3) == 0.112
    assert round(v.change or 0, 1) == 5.9
    assert v.change_unit == "percentage_points"


def test_the_sentences(warehouse: Path) -> None:
    with kaoping.Warehouse(warehouse, catalogue=[SEED, _default()]) as wh:
        v = wh.indicator("seed_conditional_rate", organ="100000", period="2020-H1")
        default = wh.indicator(
            "minor_conditional_non_prosecution_rate", organ="100000", period="2020-H1"
        )
    assert v.sentence("en") == (
        "3,709 minors were conditionally not prosecuted, 17.1% of minors whose prosecution "
        "review was concluded, up 5.9 percentage points year-on-year"
    )
    assert (
        v.sentence("zh")
        == "对3709名未成年人附条件不起诉，占审结未成年人的17.1%，同比上升5.9个百分点"
    )
    # the default catalogue words it its own way, with the same numbers
    assert "3709" in default.sentence("zh") and "同比上升5.9个百分点" in default.sentence("zh")
    assert "17.1%" in default.sentence("en") and "up 5.9 percentage points" in default.sentence(
        "en"
    )


def test_the_same_by_year_to_date_label(warehouse: Path) -> None:
    with kaoping.Warehouse(warehouse, catalogue=[SEED]) as wh:
        v = wh.indicator("seed_conditional_rate", period="2020-01..2020-06")
    assert (v.numerator, v.denominator, v.source) == (3709, 21690, "stored")


def _default() -> Indicator:
    return load_catalogue().get("minor_conditional_non_prosecution_rate")
