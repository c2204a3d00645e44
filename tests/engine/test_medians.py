"""Medians (``agg: median``), computed exactly for every organ, prosecutor and period.

A median does not add up the organ tree, so the engine keeps how many records have each
value and reads the median off those counts. Every figure here is checked against
pandas' ``median`` over the generated records, selected from the definition: persons
whose prosecution review was concluded in the period (and whose receipt date is known),
of the organ and every organ below it, or of one prosecutor.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from tests.helpers import admin_client, load_generated

import kaoping
from kaoping.catalogue import CatalogueError, load_catalogue

NATION = "000000"
FILTER = "prosecution_review_received is not null and prosecution_decision is not null"

MEDIAN: dict[str, Any] = {
    "id": "median_review_days",
    "name_zh": "审查起诉办理天数中位数",
    "name_en": "Median days of prosecution review",
    "definition_zh": "审查起诉审结人员自受理至审结天数的中位数。",
    "definition_en": "The median of the days from receipt to conclusion of prosecution review.",
    "unit": "days",
    "numerator": {
        "table": "persons",
        "agg": "median",
        "expr": "days_between(prosecution_review_received, prosecution_review_concluded)",
        "filter": FILTER,
        "date": "prosecution_review_concluded",
    },
    "direction": "lower_is_better",
    "min_denominator": 10,
    "family": "prosecution_review",
    "aspect": 4,
    "breakdowns": ["is_minor"],
}

#: standard periods of every kind, with their first and last month
PERIODS = {
    "2020": ("2020-01", "2020-12"),
    "2020-H2": ("2020-07", "2020-12"),
    "2020-Q1": ("2020-01", "2020-03"),
    "2020-05": ("2020-05", "2020-05"),
    "2020-01..2020-08": ("2020-01", "2020-08"),
    "2019": ("2019-01", "2019-12"),
}


def _write(path: Path, *indicators: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"indicators": list(indicators)}, allow_unicode=True),
                    "utf-8")
    return path


@dataclass(frozen=True)
class Setup:
    wh: kaoping.Warehouse
    #: the persons a median counts, with ``concluded`` and ``days``
    persons: pd.DataFrame
    #: the generated organs table
    organs: pd.DataFrame
    db: Path
    #: the directory of the catalogue file (``KAOPING_CATALOGUE_DIR``)
    catalogue_dir: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A computed warehouse (organs and prosecutors, every period) and its records."""
    root = tmp_path_factory.mktemp("medians")
    db, files = load_generated(root, persons=4000, seed=13)
    catalogue = load_catalogue([_write(root / "m.yaml", MEDIAN)], include_default=False)
    with kaoping.Warehouse(db, catalogue=catalogue) as wh:
        wh.compute()
    persons = pd.read_parquet(files["persons"])
    persons["concluded"] = pd.to_datetime(persons["prosecution_review_concluded"])
    received = pd.to_datetime(persons["prosecution_review_received"])
    persons["days"] = (persons["concluded"] - received).dt.days
    persons = persons[received.notna() & persons["prosecution_decision"].notna()
                      & persons["concluded"].notna()]
    organs = pd.read_parquet(files["organs"])
    with kaoping.Warehouse(db, catalogue=catalogue) as reader:
        yield Setup(reader, persons, organs, db, root)


def _below(organs: pd.DataFrame, code: str) -> set[str]:
    """``code`` and every organ under it, from the generated organs table."""
    children: dict[str, list[str]] = {}
    for c, parent in zip(organs["organ_code"], organs["parent_code"], strict=True):
        children.setdefault(str(parent), []).append(str(c))
    out, todo = set(), [code]
    while todo:
        c = todo.pop()
        out.add(c)
        todo.extend(children.get(c, []))
    return out


def _months(persons: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    start = pd.Timestamp(first + "-01")
    end = pd.Timestamp(last + "-01") + pd.offsets.MonthBegin(1)
    return persons[(persons["concluded"] >= start) & (persons["concluded"] < end)]


def _expected(days: pd.Series) -> tuple[float | None, int]:
    return (float(days.median()) if len(days) else None), len(days)


def _organs_to_check(organs: pd.DataFrame) -> list[str]:
    """The nation, a province, a municipal branch and a grassroots organ."""
    picked = [NATION]
    for level in (2, 3, 4):
        codes = organs[organs["level"] == level]["organ_code"].astype(str)
        picked.append(sorted(codes)[len(codes) // 2])
    return picked


@pytest.mark.parametrize("period", list(PERIODS))
def test_organ_medians_match_pandas(
    setup: Setup, period: str
) -> None:
    wh, persons, organs = setup.wh, setup.persons, setup.organs
    first, last = PERIODS[period]
    rows = _months(persons, first, last)
    for organ in _organs_to_check(organs):
        mine = rows[rows["organ_code"].astype(str).isin(_below(organs, organ))]
        median, n = _expected(mine["days"])
        got = wh.indicator("median_review_days", period=period, organ=organ)
        assert got.source == "stored"
        assert got.denominator == n, (organ, period)
        if median is None:
            assert got.value is None and got.numerator is None, (organ, period)
        else:
            assert got.value == pytest.approx(median), (organ, period)
            assert got.numerator == pytest.approx(median), (organ, period)
        # fewer than min_denominator records: flagged, like a rate over few persons
        assert ("small_denominator" in got.flags) == (n < 10), (organ, period, got.flags)


def test_even_counts_average_the_two_middle_values(
    setup: Setup,
) -> None:
    """Guards the comparison above against a dataset where every count is odd: some
    organ-period has an even number of records and a median between two values."""
    wh, persons = setup.wh, setup.persons
    rows = _months(persons, "2020-01", "2020-12")
    halves = 0
    for organ in sorted(rows["organ_code"].astype(str).unique())[:200]:
        days = rows[rows["organ_code"].astype(str).isin(_below(setup.organs, organ))]["days"]
        if len(days) % 2 == 0 and float(days.median()) % 1 == 0.5:
            got = wh.indicator("median_review_days", period="2020", organ=organ)
            assert got.value == pytest.approx(float(days.median()))
            halves += 1
    assert halves > 0


def test_year_on_year_change_is_the_difference_of_medians(
    setup: Setup,
) -> None:
    wh, persons = setup.wh, setup.persons
    now, _ = _expected(_months(persons, "2020-01", "2020-06")["days"])
    before, _ = _expected(_months(persons, "2019-01", "2019-06")["days"])
    got = wh.indicator("median_review_days", period="2020-H1", organ=NATION)
    assert now is not None and before is not None
    assert got.previous == pytest.approx(before)
    assert got.change == pytest.approx(now - before)


def test_prosecutor_medians_match_pandas(setup: Setup) -> None:
    wh, persons = setup.wh, setup.persons
    rows = _months(persons, "2020-01", "2020-12")
    busiest = rows["prosecutor_id"].value_counts().index[:3]
    for prosecutor in busiest:
        median, n = _expected(rows[rows["prosecutor_id"] == prosecutor]["days"])
        for period, (first, last) in (("2020", ("2020-01", "2020-12")),
                                       ("2020-Q2", ("2020-04", "2020-06"))):
            mine = _months(persons[persons["prosecutor_id"] == prosecutor], first, last)
            median, n = _expected(mine["days"])
            got = wh.indicator("median_review_days", period=period, prosecutor=prosecutor)
            assert got.denominator == n, (prosecutor, period)
            if median is not None:
                assert got.value == pytest.approx(median), (prosecutor, period)


def test_a_range_not_stored_is_a_median_of_its_records(
    setup: Setup,
) -> None:
    wh, persons, organs = setup.wh, setup.persons, setup.organs
    organ = _organs_to_check(organs)[1]
    rows = _months(persons, "2019-11", "2020-02")
    mine = rows[rows["organ_code"].astype(str).isin(_below(organs, organ))]
    median, n = _expected(mine["days"])
    got = wh.indicator("median_review_days", period="2019-11..2020-02", organ=organ)
    assert got.source == "on_the_fly"
    assert (got.value, got.denominator) == (pytest.approx(median), n)


def test_breakdown_gives_each_category_its_median(
    setup: Setup,
) -> None:
    wh, persons = setup.wh, setup.persons
    rows = _months(persons, "2020-01", "2020-12")
    b = wh.breakdown("median_review_days", period="2020", by="is_minor", organ=NATION)
    assert b.ok, b.problems("en")  # the categories' records add up to the total's
    got = {r.category.code: r for r in b.rows}
    for code, flag in (("true", True), ("false", False)):
        median, n = _expected(rows[rows["is_minor"] == flag]["days"])
        assert got[code].value == pytest.approx(median), code
        assert got[code].denominator == n, code
    assert b.total.value == pytest.approx(float(rows["days"].median()))


def test_explain_names_the_median(setup: Setup) -> None:
    wh = setup.wh
    e = wh.explain("median_review_days", period="2020-Q1", organ=NATION)
    assert "median of days_between" in e.numerator.describe("en")
    assert "中位数" in e.numerator.describe("zh")
    assert e.denominator is None


def test_median_of_counts_is_the_textbook_median() -> None:
    """The reading of a median off counts, against ``statistics.median`` of the values
    written out: odd and even totals, one value, repeated values, zero counts."""
    import ibis

    from kaoping.engine.medians import median_of_counts

    groups = {
        1: [(3.0, 1)],
        2: [(1.0, 1), (2.0, 1)],
        3: [(1.0, 2), (5.0, 2), (9.0, 1)],
        4: [(0.0, 3), (10.0, 3)],
        5: [(2.0, 0), (4.0, 1), (7.0, 2), (8.0, 0)],
        6: [(1.0, 5), (2.0, 1), (3.0, 1), (4.0, 1)],
    }
    rows = [(g, v, float(c)) for g, vs in groups.items() for v, c in vs]
    counts = ibis.memtable(pd.DataFrame(rows, columns=["g", "value", "count"]))
    got = median_of_counts(counts, ("g",), "med", "n").execute().set_index("g")
    for g, vs in groups.items():
        values = [v for v, c in vs for _ in range(c)]
        assert got.loc[g, "med"] == pytest.approx(statistics.median(values)), g
        assert got.loc[g, "n"] == len(values), g


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"denominator": {"table": "persons", "date": "prosecution_review_concluded"}},
         "takes no denominator"),
        ({"unit": "rate"}, "has unit `days` or `amount`"),
        ({"numerator": {**MEDIAN["numerator"], "expr": None}}, "needs an `expr`"),
    ],
)
def test_catalogue_mistakes_with_a_median(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    entry = {**MEDIAN, **change}
    with pytest.raises(CatalogueError) as err:
        load_catalogue([_write(tmp_path / "bad.yaml", entry)], include_default=False)
    assert message in str(err.value)
    assert "bad.yaml" in str(err.value)


def test_published_medians_hide_few_records_and_cannot_be_worked_out(setup: Setup) -> None:
    """A median is published like a rate: hidden over fewer records than the rule's
    minimum, with secondary cells so that no hidden cell's number of records comes out
    of the published ones (the audit of tests/publication); an organ's own cases have
    no median of their own."""
    from kaoping.publication.public import public_table, suppressed_cells
    from kaoping.publication.suppression import SuppressionRule, audit, equations

    wh, persons, organs = setup.wh, setup.persons, setup.organs
    rule = SuppressionRule()
    table = public_table(wh, "median_review_days", "2020-05")
    rows = table.rows
    shown = rows[rows["suppressed"].isna()]
    assert len(shown) > 0 and rows["suppressed"].notna().sum() > 0
    den = shown["denominator"]
    assert ((den == 0) | (den >= rule.min_denominator)).all()
    rows_may = _months(persons, "2020-05", "2020-05")
    for row in shown[~shown["own"] & (shown["denominator"] > 0)].head(20).itertuples():
        mine = rows_may[rows_may["organ_code"].astype(str).isin(_below(organs, row.organ_code))]
        assert row.value == pytest.approx(float(mine["days"].median())), row.organ_code
    assert shown[shown["own"]]["value"].isna().all()
    # the numbers of records hidden cannot be recovered from those shown
    figures = wh.values("median_review_days", "2020-05")
    tree = wh.hierarchy.organs[["organ_code", "parent_code"]].merge(
        figures[["organ_code", "denominator"]], on="organ_code", how="left"
    ).fillna({"denominator": 0})
    tree["numerator"] = tree["denominator"]
    cells = suppressed_cells(wh, wh.definition("median_review_days"), "2020-05", rule)
    check, eqs = equations(tree)
    check["suppressed"] = cells["suppressed"].to_numpy()
    widths = audit(check, eqs)
    assert widths and all(w >= 1 - 1e-6 for w in widths.values())


def test_the_api_and_the_indicator_page_show_a_median_over_its_records(
    setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _months(setup.persons, "2020-01", "2020-03")
    median, n = _expected(rows["days"])
    monkeypatch.setenv("KAOPING_CATALOGUE_DIR", str(setup.catalogue_dir))
    with admin_client(setup.db, tmp_path) as (client, headers):
        body = client.get(f"/api/organs/{NATION}/indicators/median_review_days?period=2020-Q1",
                          headers=headers).json()
        assert (body["value"], body["denominator"]) == (pytest.approx(median), n)
        page = client.get(f"/organs/{NATION}/indicators/median_review_days?period=2020-Q1"
                          "&lang=zh")
        assert page.status_code == 200
        # labelled as what they are: the median over its records, not 分子 / 分母
        assert f'<th>记录数</th><td data-testid="denominator">{n:,}<' in page.text
        assert 'data-testid="numerator"' not in page.text
        # nor in the breakdown's and the history's tables
        assert 'class="num" data-sort="num">分子</th>' not in page.text
        assert '<th class="num">分子</th>' not in page.text
        assert ">记录数</th>" in page.text.split('id="breakdown-table"')[1]
        published = client.get(f"/organs/{NATION}/published/median_review_days"
                               "?period=2020-Q1&lang=zh").text
        header = published.split('id="published"')[1].split("</thead>")[0]
        assert "记录数" in header and "分子" not in header
        assert f">{n:,}</td>" in published


def test_the_workbook_gives_the_median_unrounded(setup: Setup, tmp_path: Path) -> None:
    """The median is in the workbook as it is (45.5, not 46), formatted like the value,
    beside its number of records -- and a briefing of another office's catalogue, which
    the shipped appraisal scheme does not fit, has no grade table rather than an error."""
    import openpyxl

    from kaoping.reports import write_report

    rows = _months(setup.persons, "2020-01", "2020-03")
    median, n = _expected(rows["days"])
    assert median is not None
    xlsx = write_report(setup.db, organ=NATION, period="2020-Q1", fmt="xlsx",
                        out=tmp_path / "r.xlsx", catalogue=setup.wh.catalogue)
    cells = [c for ws in openpyxl.load_workbook(xlsx).worksheets
             for row in ws.iter_rows() for c in row]
    assert any(c.value == median and c.number_format != "#,##0" for c in cells)
    assert any(c.value == n for c in cells)
    word = write_report(setup.db, organ=NATION, period="2020-Q1", fmt="docx",
                        out=tmp_path / "r.docx", catalogue=setup.wh.catalogue)
    assert word.stat().st_size > 0


def test_kaoping_show_says_over_how_many_records(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from kaoping.cli import app

    rows = _months(setup.persons, "2020-05", "2020-05")
    median, n = _expected(rows["days"])
    monkeypatch.setenv("KAOPING_CATALOGUE_DIR", str(setup.catalogue_dir))
    out = CliRunner().invoke(app, ["show", "median_review_days", "--organ", NATION,
                                   "--period", "2020-05", "--db", str(setup.db)])
    assert out.exit_code == 0, out.output
    assert f"median of {n:,} records" in out.output
    assert "denominator" not in out.output
    assert f"{median:.1f}" in out.output
