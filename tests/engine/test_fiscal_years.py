"""Fiscal years: with ``KAOPING_FISCAL_YEAR_START=7`` the year runs July to June.

The month sets are checked against months listed with pandas; the figures of a
computation on a generated warehouse against plain sums of the generated records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import admin_client, load_generated

import kaoping
from kaoping.catalogue import load_catalogue
from kaoping.engine.periods import (
    FISCAL_YEAR_START_ENV,
    PeriodKind,
    fiscal_year_start,
    parse_period,
    standard_periods,
)
from kaoping.engine.periodsums import period_ids

NATION = "000000"


def _months(first: str, last: str) -> tuple[tuple[int, int], ...]:
    """The calendar months first..last, listed by pandas rather than by kaoping."""
    return tuple((p.year, p.month) for p in pd.period_range(first, last, freq="M"))


@pytest.fixture
def july(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FISCAL_YEAR_START_ENV, "7")


@pytest.mark.parametrize(
    ("text", "kind", "first", "last", "label", "zh", "en"),
    [
        ("FY2020", PeriodKind.YEAR, "2019-07", "2020-06", "FY2020", "2020财年", "FY2020"),
        ("fy2020-h1", PeriodKind.HALF, "2019-07", "2019-12", "FY2020-H1", "2020财年上半年",
         "H1 FY2020"),
        ("FY2020-H2", PeriodKind.HALF, "2020-01", "2020-06", "FY2020-H2", "2020财年下半年",
         "H2 FY2020"),
        ("FY2020-Q1", PeriodKind.QUARTER, "2019-07", "2019-09", "FY2020-Q1", "2020财年第一季度",
         "Q1 FY2020"),
        ("FY2020-Q3", PeriodKind.QUARTER, "2020-01", "2020-03", "FY2020-Q3", "2020财年第三季度",
         "Q3 FY2020"),
        ("2019-07..2020-03", PeriodKind.YTD, "2019-07", "2020-03", "2019-07..2020-03",
         "2019年7月至2020年3月", "July 2019 to March 2020"),
        ("2020-01..2020-03", PeriodKind.RANGE, "2020-01", "2020-03", "2020-01..2020-03",
         "2020年1-3月", "January to March 2020"),
        ("2020", PeriodKind.YEAR, "2020-01", "2020-12", "2020", "2020年", "2020"),
        ("2019-08", PeriodKind.MONTH, "2019-08", "2019-08", "2019-08", "2019年8月",
         "August 2019"),
    ],
)
def test_fiscal_periods(
    july: None, text: str, kind: PeriodKind, first: str, last: str, label: str, zh: str, en: str
) -> None:
    p = parse_period(text)
    assert (p.kind, p.months) == (kind, _months(first, last))
    assert (p.label, p.label_zh, p.label_en) == (label, zh, en)
    assert parse_period(p.label) == p


def test_the_year_a_fiscal_period_is_reported_under(july: None) -> None:
    assert parse_period("FY2020-Q1").year == 2020
    assert parse_period("2019-12").year == 2020  # December 2019 is in FY2020
    assert parse_period("2019-06").year == 2019
    assert parse_period("FY2020").previous().months == _months("2018-07", "2019-06")
    assert parse_period("FY2020").previous().label == "FY2019"
    assert parse_period("FY2020-H1").phrase_en == "the first half of FY2020"
    # the calendar year 2020 lies in two fiscal years
    assert parse_period("2020").years_from(7) == {2020, 2021}


def test_the_stored_fiscal_periods(july: None) -> None:
    periods = standard_periods([2020])
    assert len(periods) == 30
    fy = set(_months("2019-07", "2020-06"))
    assert all(set(p.months) <= fy for p in periods)
    labels = [p.label for p in periods]
    assert labels[:7] == ["FY2020", "FY2020-H1", "FY2020-H2", "FY2020-Q1", "FY2020-Q2",
                          "FY2020-Q3", "FY2020-Q4"]
    ytd = [p for p in periods if p.kind is PeriodKind.YTD]
    assert [p.months for p in ytd] == [_months("2019-07", last) for last in
                                       [str(m) for m in pd.period_range("2019-08", "2020-06",
                                                                        freq="M")]]
    ids = period_ids(periods)
    assert ids["pid"].is_unique
    assert set(ids["pid"] // 100) == {2020}
    before = period_ids(standard_periods([2019]))
    assert set(ids["prev_pid"]) == set(before["pid"])
    h1 = parse_period("FY2020-H1")
    assert h1.equivalent_labels() == ("FY2020-H1", "2019-07..2019-12")


def test_calendar_years_are_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FISCAL_YEAR_START_ENV, raising=False)
    assert fiscal_year_start() == 1
    assert parse_period("FY2020") == parse_period("2020")
    assert parse_period("FY2020-Q3").label == "2020-Q3"
    monkeypatch.setenv(FISCAL_YEAR_START_ENV, "1")
    assert [p.label for p in standard_periods([2020])][:2] == ["2020", "2020-H1"]


@pytest.mark.parametrize("bad", ["13", "0", "July"])
def test_a_bad_setting_names_itself(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv(FISCAL_YEAR_START_ENV, bad)
    with pytest.raises(ValueError, match=rf"KAOPING_FISCAL_YEAR_START='{bad}' is not a month"):
        parse_period("2020")


# --- a computation by fiscal year ------------------------------------------------------

INDICATORS = ("non_prosecution_rate", "cases_per_prosecutor")


@pytest.fixture(scope="module")
def fiscal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, pd.DataFrame]]:
    """A warehouse computed with years from July, and its persons."""
    root = tmp_path_factory.mktemp("fiscal")
    db, files = load_generated(root, persons=5000, seed=5)
    catalogue = [load_catalogue().get(i) for i in INDICATORS]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(FISCAL_YEAR_START_ENV, "7")
        with kaoping.Warehouse(db, catalogue=catalogue) as wh:
            wh.compute(prosecutor_periods=())
    persons = pd.read_parquet(files["persons"])
    persons["concluded"] = pd.to_datetime(persons["prosecution_review_concluded"])
    yield db, persons


def _expected(persons: pd.DataFrame, first: str, last: str) -> dict[str, tuple[int, int]]:
    """Both indicators from their definitions, over the months first..last."""
    start = pd.Timestamp(first + "-01")
    end = pd.Timestamp(last + "-01") + pd.offsets.MonthBegin(1)
    p = persons[(persons["concluded"] >= start) & (persons["concluded"] < end)]
    decided = p[p["prosecution_decision"].notna()]
    not_prosecuted = decided["prosecution_decision"].isin(
        ["not_prosecuted", "conditional_not_prosecuted"]
    )
    handled = decided[decided["prosecutor_id"].notna()]
    return {
        "non_prosecution_rate": (int(not_prosecuted.sum()), len(decided)),
        "cases_per_prosecutor": (len(handled), int(handled["prosecutor_id"].nunique())),
    }


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("FY2020", "2019-07", "2020-06"),
        ("FY2020-H2", "2020-01", "2020-06"),
        ("FY2020-Q1", "2019-07", "2019-09"),
        ("2019-07..2020-03", "2019-07", "2020-03"),
        ("2019-11", "2019-11", "2019-11"),
        ("2020", "2020-01", "2020-12"),  # a calendar year: a custom period, on the fly
    ],
)
def test_fiscal_figures_are_sums_of_their_months(
    fiscal: tuple[Path, pd.DataFrame], july: None, period: str, first: str, last: str
) -> None:
    db, persons = fiscal
    expected = _expected(persons, first, last)
    with kaoping.Warehouse(db, catalogue=[load_catalogue().get(i) for i in INDICATORS]) as wh:
        for ind in INDICATORS:
            v = wh.indicator(ind, organ=NATION, period=period)
            assert (v.numerator, v.denominator) == expected[ind], (ind, period)
            assert v.source == ("on_the_fly" if period == "2020" else "stored")


def test_a_fiscal_year_compares_with_the_fiscal_year_before(
    fiscal: tuple[Path, pd.DataFrame], july: None
) -> None:
    db, persons = fiscal
    before = _expected(persons, "2018-07", "2019-06")["non_prosecution_rate"]
    province = persons["organ_code"].str[:2].value_counts().index[0] + "0000"
    mine = persons[persons["organ_code"].str[:2] == province[:2]]
    with kaoping.Warehouse(db, catalogue=[load_catalogue().get(i) for i in INDICATORS]) as wh:
        v = wh.indicator("non_prosecution_rate", organ=NATION, period="FY2020")
        own = wh.indicator("non_prosecution_rate", organ=province, period="FY2020-Q4")
    assert (v.previous_numerator, v.previous_denominator) == before
    assert v.period_zh == "2020财年"
    expected = _expected(mine, "2020-04", "2020-06")["non_prosecution_rate"]
    assert (own.numerator, own.denominator) == expected


def test_the_command_line_reads_fiscal_periods(
    fiscal: tuple[Path, pd.DataFrame], july: None
) -> None:
    import json

    from typer.testing import CliRunner

    from kaoping.cli import app

    db, persons = fiscal
    args = ["show", "non_prosecution_rate", "--period", "FY2020-Q1", "--organ", NATION,
            "--db", str(db), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert (shown["period"], shown["period_zh"]) == ("FY2020-Q1", "2020财年第一季度")
    expected = _expected(persons, "2019-07", "2019-09")["non_prosecution_rate"]
    assert (shown["numerator"], shown["denominator"]) == expected


def test_the_web_period_grammar_takes_fiscal_periods() -> None:
    import re

    from kaoping.web.schemas import PERIOD_PATTERN

    for text in ("FY2020", "fy2020-h2", "FY2020-Q3", "2020-Q3", "2019-07..2020-03"):
        assert re.fullmatch(PERIOD_PATTERN, text), text
    for text in ("FY2020-Q5", "FY2020-06", "FY20"):
        assert not re.fullmatch(PERIOD_PATTERN, text), text


def test_the_web_service_offers_fiscal_periods(
    fiscal: tuple[Path, pd.DataFrame], july: None, tmp_path: Path
) -> None:
    db, _ = fiscal
    with admin_client(db, tmp_path) as (client, headers):
        listed = client.get("/api/periods", headers=headers).json()
        years = [p for p in listed["periods"] if p.startswith("FY") and "-" not in p]
        assert listed["default"] == max(years)
        assert "FY2020-Q1" in listed["periods"] and "2020" not in listed["periods"]
        body = client.get(f"/api/organs/{NATION}/indicators/non_prosecution_rate"
                          "?period=FY2020-H1", headers=headers).json()
        assert (body["period"], body["period_zh"]) == ("FY2020-H1", "2020财年上半年")
        page = client.get(f"/organs/{NATION}/indicators/non_prosecution_rate"
                          "?period=FY2020&lang=zh")
        assert page.status_code == 200 and "2020财年第一季度" in page.text  # the selector
