"""Definitions with effective dates, computed: each month by the version in force.

A generated warehouse (``kaoping.synth.generate_dataset``) and a catalogue with three
indicators: the non-prosecution rate whose numerator stops counting conditional
non-prosecutions from 2020-04 (``np_rate_v``), the same count of cases
(``np_cases_v``, a distinct count), and the unchanged rate (``np_rate``). Every figure is
checked against plain pandas over the generated files, written from the definitions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml
from tests.helpers import admin_client, load_generated
from typer.testing import CliRunner

import kaoping
from kaoping.catalogue import load_catalogue

OLD = ("not_prosecuted", "conditional_not_prosecuted")
NEW = ("not_prosecuted",)
CHANGE = pd.Timestamp("2020-04-01")
NATION = "000000"

_BASE: dict[str, Any] = {
    "unit": "rate",
    "numerator": {
        "table": "persons",
        "filter": "prosecution_decision in ('not_prosecuted', 'conditional_not_prosecuted')",
        "date": "prosecution_review_concluded",
    },
    "denominator": {
        "table": "persons",
        "filter": "prosecution_decision is not null",
        "date": "prosecution_review_concluded",
    },
    "direction": "higher_is_better",
    "family": "prosecution_review",
    "aspect": 4,
}
_VERSION = {
    "effective_from": "2020-04",
    "numerator": {"filter": "prosecution_decision = 'not_prosecuted'"},
    "definition_zh": "自2020年4月起，不再计入附条件不起诉。",
    "definition_en": "From April 2020, conditional non-prosecutions are no longer counted.",
}


def _indicator(ind_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ind_id,
        "name_zh": f"不诉率（{ind_id}）",
        "name_en": f"Non-prosecution rate ({ind_id})",
        "definition_zh": "不起诉人数（含附条件不起诉）除以审查起诉审结人数。",
        "definition_en": "Persons not prosecuted (incl. conditionally) over persons concluded.",
        **_BASE,
        **extra,
    }


CASES: dict[str, Any] = {
    **_indicator("np_cases_v", versions=[_VERSION]),
    "unit": "count",
    "numerator": {**_BASE["numerator"], "agg": "count_distinct", "expr": "case_id"},
    "denominator": None,
}
del CASES["denominator"]



@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, pd.DataFrame]]:
    """(warehouse, catalogue file, persons with a ``concluded`` timestamp), computed."""
    root = tmp_path_factory.mktemp("versions")
    db, files = load_generated(root, persons=6000, seed=11)
    cat = root / "versions.yaml"
    entries = [_indicator("np_rate_v", versions=[_VERSION]), _indicator("np_rate"), CASES]
    cat.write_text(yaml.safe_dump({"indicators": entries}, allow_unicode=True), "utf-8")
    catalogue = load_catalogue([cat], include_default=False)
    with kaoping.Warehouse(db, catalogue=catalogue) as wh:
        wh.compute(prosecutor_periods=())
    persons = pd.read_parquet(files["persons"])
    persons["concluded"] = pd.to_datetime(persons["prosecution_review_concluded"])
    yield db, cat, persons


def _months(persons: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """The persons concluded in the months ``first``..``last`` (inclusive)."""
    start = pd.Timestamp(first + "-01")
    end = pd.Timestamp(last + "-01") + pd.offsets.MonthBegin(1)
    c = persons["concluded"]
    return persons[(c >= start) & (c < end)]


def _expected(persons: pd.DataFrame, first: str, last: str, versioned: bool) -> tuple[int, int]:
    """(numerator, denominator) from the definitions: a person counts in the numerator
    by the decisions of the version in force on his conclusion date."""
    p = _months(persons, first, last)
    decided = p[p["prosecution_decision"].notna()]
    before = decided["concluded"] < CHANGE
    counted = decided["prosecution_decision"].isin(OLD)
    if versioned:
        counted = (before & counted) | (~before & decided["prosecution_decision"].isin(NEW))
    return int(counted.sum()), len(decided)


def _cases(persons: pd.DataFrame, first: str, last: str) -> int:
    p = _months(persons, first, last)
    before = p["concluded"] < CHANGE
    counted = (before & p["prosecution_decision"].isin(OLD)) | (
        ~before & p["prosecution_decision"].isin(NEW)
    )
    return int(p.loc[counted, "case_id"].nunique())


def _read(setup: tuple[Path, Path, pd.DataFrame], ind: str, period: str,
          organ: str = NATION) -> kaoping.IndicatorValue:
    db, cat, _ = setup
    with kaoping.Warehouse(db, catalogue=load_catalogue([cat], include_default=False)) as wh:
        return wh.indicator(ind, organ=organ, period=period)


@pytest.mark.parametrize(
    ("period", "first", "last", "versions"),
    [
        ("2020-Q1", "2020-01", "2020-03", (1,)),
        ("2020-Q2", "2020-04", "2020-06", (2,)),
        ("2020-H1", "2020-01", "2020-06", (1, 2)),
        ("2020", "2020-01", "2020-12", (1, 2)),
        ("2020-01..2020-05", "2020-01", "2020-05", (1, 2)),
        ("2019", "2019-01", "2019-12", (1,)),
    ],
)
def test_each_period_by_the_versions_in_force(
    setup: tuple[Path, Path, pd.DataFrame], period: str, first: str, last: str,
    versions: tuple[int, ...],
) -> None:
    persons = setup[2]
    v = _read(setup, "np_rate_v", period)
    num, den = _expected(persons, first, last, versioned=True)
    assert (v.numerator, v.denominator) == (num, den)
    assert v.definition_versions == versions
    old = _read(setup, "np_rate", period)
    assert (old.numerator, old.denominator) == _expected(persons, first, last, versioned=False)
    assert old.definition_versions == (1,) and old.definition_note is None
    assert _read(setup, "np_cases_v", period).numerator == _cases(persons, first, last)


def test_the_old_and_new_definitions_differ_on_these_data(
    setup: tuple[Path, Path, pd.DataFrame],
) -> None:
    """Otherwise the test above could not tell the versions apart."""
    persons = setup[2]
    assert _expected(persons, "2020-04", "2020-06", True) != _expected(
        persons, "2020-04", "2020-06", False
    )


def test_a_half_straddling_the_change_is_the_sum_of_its_quarters(
    setup: tuple[Path, Path, pd.DataFrame],
) -> None:
    q1, q2 = _read(setup, "np_rate_v", "2020-Q1"), _read(setup, "np_rate_v", "2020-Q2")
    h1 = _read(setup, "np_rate_v", "2020-H1")
    assert q1.numerator is not None and q2.numerator is not None
    assert h1.numerator == q1.numerator + q2.numerator
    assert h1.definition_version == "v1 + v2 (2020-04)"
    assert q2.definition_version == "v2 (2020-04)"


def test_a_province_rolls_up_by_the_same_rule(setup: tuple[Path, Path, pd.DataFrame]) -> None:
    persons = setup[2]
    province = persons["organ_code"].str[:2].value_counts().index[0] + "0000"
    mine = persons[persons["organ_code"].str[:2] == province[:2]]
    v = _read(setup, "np_rate_v", "2020-H1", organ=province)
    assert (v.numerator, v.denominator) == _expected(mine, "2020-01", "2020-06", versioned=True)


def test_a_comparison_across_the_change_says_so(setup: tuple[Path, Path, pd.DataFrame]) -> None:
    year = _read(setup, "np_rate_v", "2020")
    assert year.previous_definition_versions == (1,)
    assert year.definition_note == "definition_changed"
    assert year.definition_reason("zh") is not None and "口径变化" in year.definition_reason("zh")
    assert "definition changed between the periods" in (year.definition_reason("en") or "")
    d = year.to_dict()
    assert d["definition_note"] == "definition_changed"
    assert d["definition_versions"] == [1, 2]
    assert "口径变化" in d["definition_reason_zh"]
    # within one version on both sides there is nothing to say
    q1 = _read(setup, "np_rate_v", "2020-Q1")
    assert q1.definition_note is None and q1.to_dict()["definition_reason_en"] is None


def test_explain_lists_the_records_of_the_version_in_force(
    setup: tuple[Path, Path, pd.DataFrame],
) -> None:
    db, cat, persons = setup
    with kaoping.Warehouse(db, catalogue=load_catalogue([cat], include_default=False)) as wh:
        e = wh.explain("np_rate_v", organ=NATION, period="2020-H1", limit=5)
    num, _ = _expected(persons, "2020-01", "2020-06", versioned=True)
    assert e.numerator.total_records == num
    text = e.numerator.describe("en")
    assert "from 2020-04-01 where prosecution_decision = 'not_prosecuted'" in text


def test_show_and_explain_print_the_version(setup: tuple[Path, Path, pd.DataFrame]) -> None:
    from kaoping.cli import app

    db, cat, _ = setup
    runner = CliRunner()
    common = ["--organ", NATION, "--db", str(db), "--catalogue", str(cat)]
    shown = runner.invoke(app, ["show", "np_rate_v", "--period", "2020", *common])
    assert shown.exit_code == 0, shown.output
    assert "definition v1 + v2 (2020-04)" in shown.output
    assert "口径变化" in shown.output
    as_json = runner.invoke(app, ["show", "np_rate_v", "--period", "2020-Q2", "--json", *common])
    assert json.loads(as_json.output)["definition_version"] == "v2 (2020-04)"
    explained = runner.invoke(app, ["explain", "np_rate_v", "--period", "2020-H1", *common])
    assert explained.exit_code == 0, explained.output
    assert "v2 (2020-04): From April 2020, conditional non-prosecutions" in explained.output


def test_the_versioned_filter_is_stored_as_its_own_measure(
    setup: tuple[Path, Path, pd.DataFrame],
) -> None:
    """The versioned numerator and the unchanged one are two cube columns, not one."""
    db = setup[0]
    con = duckdb.connect(str(db), read_only=True)
    try:
        a, b = (
            con.execute(
                "SELECT numerator FROM indicator_values_organ "
                "WHERE indicator = ? AND subject = ? AND period = '2020-Q2'",
                [ind, NATION],
            ).fetchone()
            for ind in ("np_rate_v", "np_rate")
        )
    finally:
        con.close()
    assert a is not None and b is not None and a < b


def test_the_api_and_the_indicator_page_show_the_version(
    setup: tuple[Path, Path, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, cat, _ = setup
    monkeypatch.setenv("KAOPING_CATALOGUE_DIR", str(cat.parent))
    with admin_client(db, tmp_path) as (client, headers):
        body = client.get(f"/api/organs/{NATION}/indicators/np_rate_v?period=2020",
                          headers=headers).json()
        assert body["definition_version"] == "v1 + v2 (2020-04)"
        assert body["definition_note"] == "definition_changed"
        assert "definition changed between the periods" in body["definition_reason_en"]
        plain = client.get(f"/api/organs/{NATION}/indicators/np_rate?period=2020",
                           headers=headers).json()
        assert (plain["definition_version"], plain["definition_note"]) == ("v1", None)
        definition = client.get("/api/indicators/np_rate_v", headers=headers).json()
        (version,) = definition["versions"]
        assert (version["version"], version["effective_from"]) == ("v2 (2020-04)", "2020-04-01")
        assert version["numerator"] == {"filter": "prosecution_decision = 'not_prosecuted'"}
        assert client.get("/api/indicators/np_rate", headers=headers).json()["versions"] == []
        page = client.get(f"/organs/{NATION}/indicators/np_rate_v?period=2020&lang=zh")
        assert page.status_code == 200
        assert 'data-testid="definition-version">v1 + v2 (2020-04)<' in page.text
        assert 'data-note="definition_changed"' in page.text and "口径变化" in page.text
