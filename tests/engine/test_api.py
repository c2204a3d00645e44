"""The Python API: ``kaoping.Warehouse`` reads, computes on the fly and explains."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.engine_data import build_warehouse
from tests.engine.test_compute import INDICATORS, NONPROS, PERSONS

import kaoping
from kaoping.engine.periods import PeriodError


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_warehouse(tmp_path_factory.mktemp("api") / "w.duckdb", PERSONS)
    with kaoping.Warehouse(path, catalogue=INDICATORS) as wh:
        wh.compute(years=[2019, 2020])
    return path


@pytest.fixture
def wh(warehouse: Path) -> kaoping.Warehouse:
    return kaoping.Warehouse(warehouse, catalogue=INDICATORS)


def test_stored_value(wh: kaoping.Warehouse) -> None:
    with wh:
        v = wh.indicator("nonpros", organ="110100", period="2020-Q1")
    assert (v.numerator, v.denominator, v.value) == (2, 5, 0.4)
    assert (v.previous, v.change) == (0.5, pytest.approx(-10.0))
    assert (v.rank, v.peers, v.source) == (1, 1, "stored")
    assert v.subject_name_zh == "北京市第一分院"
    assert v.period_zh == "2020年第一季度"
    d = v.to_dict()
    assert {
        "indicator",
        "organ",
        "period",
        "value",
        "numerator",
        "denominator",
        "previous",
        "change",
    } <= set(d)
    assert (d["numerator"], d["organ"], d["period"]) == (2, "110100", "2020-Q1")


def test_a_range_equal_to_a_stored_period_is_read(wh: kaoping.Warehouse) -> None:
    with wh:
        v = wh.indicator("nonpros", organ="110100", period="2020-01..2020-03")
    assert (v.period, v.numerator, v.denominator, v.source) == ("2020-01..2020-03", 2, 5, "stored")


def test_unstored_range_is_computed_on_the_fly(wh: kaoping.Warehouse) -> None:
    # Dec 2019 - Feb 2020 nationally: d1 P, x1 NP (Jan); d2 NP, h1 P, h2 P (Feb)
    with wh:
        v = wh.indicator("nonpros", period="2019-12..2020-02")
        stored = wh.indicator("nonpros", organ="100000", period="2020-Q1")
    assert (v.organ, v.numerator, v.denominator, v.value) == ("100000", 2, 5, 0.4)
    assert v.source == "on_the_fly" and v.rank is None
    # Dec 2018 - Feb 2019 holds e1 P (Jan) and e3 NP (Feb), but 2018 has no data at all:
    # the comparison would be with an incomplete period, so there is none
    assert (v.previous_numerator, v.previous_denominator) == (1, 2)
    assert v.previous is None and v.change is None
    jan_feb = wh.indicator("nonpros", period="2020-01..2020-02")
    assert (jan_feb.previous, jan_feb.source) == (0.5, "stored")
    # the same derivation as the stored figures: interval and flags agree
    on_the_fly = wh.indicator("nonpros", organ="100000", period="2020-01..2020-03")
    assert on_the_fly.source == "stored"
    assert stored.ci_low == pytest.approx(on_the_fly.ci_low)


def test_prosecutor_value(wh: kaoping.Warehouse) -> None:
    with wh:
        v = wh.indicator("nonpros", prosecutor="P3", period="2020-Q1")
        fly = wh.indicator("nonpros", prosecutor="P3", period="2020-02..2020-03")
    assert (v.subject_type, v.subject, v.organ, v.numerator, v.denominator) == (
        "prosecutor",
        "P3",
        "110102",
        1,
        2,
    )
    assert v.to_dict()["prosecutor"] == "P3"
    assert (fly.numerator, fly.denominator, fly.source) == (0, 1, "on_the_fly")  # x3


def test_several_indicators_read_as_each_alone(wh: kaoping.Warehouse) -> None:
    ids = ["nonpros", "prosecuted", "cases", "days"]
    with wh:
        together = wh.indicators(ids, organ="110100", period="2020-H1")
        alone = [wh.indicator(i, organ="110100", period="2020-H1") for i in ids]
        # P1 has no stored 2020-Q3 figure of any of them (d4 is P2's): computed on the
        # fly, or left out when only stored figures are wanted
        pros = wh.indicators(ids, prosecutor="P1", period="2020-Q3")
        stored = wh.indicators(ids, prosecutor="P1", period="2020-Q3", stored_only=True)
    assert [v.indicator for v in together] == ids
    assert [v.to_dict() for v in together] == [v.to_dict() for v in alone]
    # H1 of Beijing branch 110100: d1, d2, d3 (Dongcheng), x1, x2, x3 (Xicheng), b1 (own)
    assert [v.numerator for v in together[:2]] == [2, 5]
    assert {v.source for v in pros} == {"on_the_fly"} and stored == []


def test_the_organ_and_prosecutor_halves_make_the_whole(warehouse: Path) -> None:
    import duckdb

    from kaoping.engine.store import RESULTS_TABLE, results_table

    with duckdb.connect(str(warehouse), read_only=True) as con:

        def rows(sql: str) -> set[tuple[object, ...]]:
            return set(con.execute(sql).fetchall())

        whole = rows(f"SELECT * FROM {RESULTS_TABLE}")
        organs = rows(f"SELECT * FROM {results_table('organ')}")
        prosecutors = rows(f"SELECT * FROM {results_table('prosecutor')}")
    assert whole == organs | prosecutors and not organs & prosecutors
    assert {r[1] for r in organs} == {"organ"} and {r[1] for r in prosecutors} == {"prosecutor"}
    with pytest.raises(ValueError, match="unknown subject type 'court'"):
        results_table("court")


def test_values_is_a_league_table(wh: kaoping.Warehouse) -> None:
    with wh:
        table = wh.values("prosecuted", "2020-Q1", level=4)
    assert list(table["subject"]) == ["110102", "110101", "120101"]
    assert list(table["rank_in_level"]) == [1, 2, 2]
    assert table["name_zh"].iloc[0] == "西城区人民检察院"


def test_explain_lists_the_records(wh: kaoping.Warehouse) -> None:
    with wh:
        e = wh.explain("nonpros", organ="110100", period="2020-Q1", limit=10)
    assert e.arithmetic() == "2 / 5 = 40.0%"
    assert sorted(e.numerator.records["person_id"]) == ["d2", "x1"]
    assert e.denominator is not None
    assert sorted(e.denominator.records["person_id"]) == ["d1", "d2", "d3", "x1", "x3"]
    assert e.date_bounds == ("2020-01-01", "2020-03-31")
    assert [c for c, _, _ in e.organs] == ["110100", "110101", "110102"]
    assert "prosecution_review_concluded" in e.numerator.describe("en")
    assert set(e.numerator.records.columns) == {
        "person_id",
        "case_id",
        "organ_code",
        "prosecutor_id",
        "prosecution_review_concluded",
    }


def test_explain_pages_and_writes_csv(wh: kaoping.Warehouse, tmp_path: Path) -> None:
    with wh:
        e = wh.explain("nonpros", organ="100000", period="2020", limit=2)
        written = e.to_csv(tmp_path / "records.csv", wh.backend)
    assert e.denominator is not None
    # not prosecuted in 2020: d2, d4, x1, p1, h3; concluded: all 2020 rows but n1, n2
    assert (e.numerator.total_records, e.denominator.total_records) == (5, 12)
    assert len(e.denominator.records) == 2
    assert written == 17
    assert (tmp_path / "records.csv").read_text().splitlines()[0].startswith("role,person_id")


def test_explain_distinct_values(wh: kaoping.Warehouse) -> None:
    with wh:
        e = wh.explain("cases", organ="110100", period="2020-Q1")
    assert sorted(e.numerator.records["value"]) == ["K1", "Kd3", "Kx1"]
    assert e.arithmetic() == "3 = 3"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"indicator": "nonprose", "period": "2020"}, KeyError, "did you mean `nonpros`"),
        ({"indicator": "nonpros", "period": "2020-Q5"}, PeriodError, "2020-Q5"),
        (
            {"indicator": "nonpros", "period": "2020", "organ": "11010"},
            KeyError,
            "did you mean .*110101",
        ),
        ({"indicator": "nonpros", "period": "2020", "prosecutor": "P9"}, KeyError, "P9"),
    ],
)
def test_mistakes_are_named(
    wh: kaoping.Warehouse, kwargs: dict[str, str], error: type[Exception], message: str
) -> None:
    with wh, pytest.raises(error, match=message):
        wh.indicator(**kwargs)


def test_reads_are_read_only_and_compute_reopens(warehouse: Path) -> None:
    with kaoping.Warehouse(warehouse, catalogue=[NONPROS]) as wh:
        wh.indicator("nonpros", period="2020")
        assert wh.stale  # computed with four indicators, read with one
        # the stored 2019 figures were computed from four indicators: replacing 2020 alone
        # with one would mix definitions, so it is refused and nothing stored changes
        with pytest.raises(ValueError, match=r"other definitions.*leave out --years"):
            wh.compute(years=[2020])
        assert wh.stale and wh.indicator("nonpros", period="2020").numerator == 5
        summary = wh.compute()
        assert summary.indicators == 1 and not wh.stale
        assert wh.indicator("nonpros", period="2020").numerator == 5


def test_import_kaoping_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, kaoping; print(any(m.startswith(('ibis', 'duckdb')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
