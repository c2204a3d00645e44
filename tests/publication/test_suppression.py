"""Small-number suppression: nothing hidden can be worked out from what is published.

The check is independent of the suppression's own reasoning: every published equation
(an organ's total = its own cases + its children's totals) is a linear constraint, every
shown cell a fixed number, every hidden cell a non-negative unknown, and linear
programming finds how far each hidden cell can move. None may be pinned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.helpers import build_warehouse

import kaoping
from kaoping.publication.public import public_table, suppressed_cells
from kaoping.publication.suppression import SuppressionRule, audit, equations

INDICATORS = ("persons_prosecuted", "non_arrest_rate", "avg_prosecution_review_days")
CASES = [(i, p) for i in INDICATORS for p in ("2020", "2020-Q2", "2020-03")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("suppress"), persons=8000, seed=5,
                           indicators=INDICATORS, years=(2020,))


def _tree(wh: kaoping.Warehouse, indicator: str, period: str) -> pd.DataFrame:
    """Every organ's stored numerator and denominator, straight from the figures."""
    figures = wh.values(indicator, period)
    organs = wh.hierarchy.organs[["organ_code", "parent_code"]]
    tree = organs.merge(figures[["organ_code", "numerator", "denominator"]],
                        on="organ_code", how="left").fillna({"numerator": 0, "denominator": 0})
    if wh.definition(indicator).denominator is None:
        tree["denominator"] = np.nan
    return tree


@pytest.mark.parametrize(("indicator", "period"), CASES)
def test_no_hidden_cell_can_be_recovered(warehouse: Path, indicator: str, period: str) -> None:
    with kaoping.Warehouse(warehouse) as wh:
        tree = _tree(wh, indicator, period)
        cells = suppressed_cells(wh, wh.definition(indicator), period, SuppressionRule())
    check, eqs = equations(tree)
    check["suppressed"] = cells["suppressed"].to_numpy()
    assert (check["organ_code"].to_numpy() == cells["organ_code"].to_numpy()).all()
    widths = audit(check, eqs)
    assert widths, "nothing was small enough to hide: the case tests nothing"
    pinned = {check.iloc[c]["organ_code"]: w for c, w in widths.items() if w < 1 - 1e-6}
    assert pinned == {}, f"hidden cells that can be worked out: {pinned}"


def test_primary_suppression_alone_leaves_cells_recoverable(warehouse: Path) -> None:
    """The audit has teeth: without the secondary cells, some small ones come out."""
    with kaoping.Warehouse(warehouse) as wh:
        tree = _tree(wh, "persons_prosecuted", "2020-Q2")
        cells = suppressed_cells(wh, wh.definition("persons_prosecuted"), "2020-Q2",
                                 SuppressionRule())
    check, eqs = equations(tree)
    check["suppressed"] = cells["suppressed"].where(cells["suppressed"] == "primary").to_numpy()
    widths = audit(check, eqs)
    assert any(w < 1e-6 for w in widths.values())


@pytest.mark.parametrize(("indicator", "period"), CASES)
def test_every_shown_cell_obeys_the_rule(warehouse: Path, indicator: str, period: str) -> None:
    rule = SuppressionRule()
    with kaoping.Warehouse(warehouse) as wh:
        table = public_table(wh, indicator, period)
        has_den = wh.definition(indicator).denominator is not None
        tree = _tree(wh, indicator, period).set_index("organ_code")
    rows = table.rows
    shown = rows[rows["suppressed"].isna()]
    hidden = rows[rows["suppressed"].notna()]
    if has_den:
        den = shown["denominator"]
        assert ((den == 0) | (den >= rule.min_denominator)).all()
        assert not den.between(1, 4).any()
    if indicator != "avg_prosecution_review_days":  # a sum of days is not a head count
        assert not shown["numerator"].between(1, 4).any()
    # every shown total is the stored figure, every shown own figure the total less the
    # children's totals: the published table adds up
    totals = shown[~shown["own"]].set_index("organ_code")
    assert np.allclose(totals["numerator"], tree.loc[totals.index, "numerator"])
    children = tree.groupby("parent_code")["numerator"].sum()
    own = shown[shown["own"]].set_index("organ_code")
    expected_own = tree.loc[own.index, "numerator"] - children.reindex(own.index).fillna(0)
    assert np.allclose(own["numerator"], expected_own)
    assert len(hidden) > 0 and len(shown) > len(hidden) / 10


def test_a_part_of_the_tree_hides_what_the_whole_hides(warehouse: Path) -> None:
    with kaoping.Warehouse(warehouse) as wh:
        whole = public_table(wh, "non_arrest_rate", "2020-Q2").rows
        province = whole[(whole["level"] == 2) & whole["suppressed"].isna()].iloc[0]
        part = public_table(wh, "non_arrest_rate", "2020-Q2",
                            organ=province["organ_code"]).rows
    key = ["organ_code", "own"]
    merged = part.merge(whole, on=key, suffixes=("", "_whole"))
    assert len(merged) == len(part) > 1
    assert (merged["suppressed"].fillna("") == merged["suppressed_whole"].fillna("")).all()


def test_records_carry_no_number_for_a_hidden_cell(warehouse: Path) -> None:
    with kaoping.Warehouse(warehouse) as wh:
        table = public_table(wh, "persons_prosecuted", "2020-03")
        internal = wh.values("persons_prosecuted", "2020-03").set_index("organ_code")
    records = table.records("zh")
    hidden = [r for r in records if r["suppressed"]]
    assert hidden and all(r["numerator"] is None and r["value"] is None for r in hidden)
    assert all(r["note"] for r in hidden)
    assert "不予公布" in table.footnote("zh") and "not published" in table.footnote("en")
    # the internal figures are untouched: a hidden total is still there for staff
    total = next(r for r in hidden if not r["own"] and r["suppression"] == "primary")
    assert 1 <= internal.loc[total["organ_code"], "numerator"] <= 4


def test_kaoping_publish_writes_the_table_with_marks(warehouse: Path, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from kaoping.cli import app

    runner = CliRunner()
    env = {"KAOPING_DB": str(warehouse)}
    out = tmp_path / "published.csv"
    result = runner.invoke(app, ["publish", "persons_prosecuted", "--period", "2020-03",
                                 "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("院代码,院名称")
    assert "不予公布" in text
    frame = pd.read_csv(out, encoding="utf-8-sig", nrows=3665, dtype=str)
    shown = pd.to_numeric(frame["分子"], errors="coerce").dropna()
    assert len(shown) and not shown.between(1, 4).any()
    assert (frame["分子"] == "*").any()

    doc_path = tmp_path / "published.json"
    result = runner.invoke(app, ["publish", "non_arrest_rate", "--period", "2020",
                                 "--lang", "en", "-o", str(doc_path)], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(doc_path.read_text(encoding="utf-8"))
    assert doc["rule"]["min_denominator"] == 10 and "not published" in doc["footnote"]
    assert any(r["suppressed"] for r in doc["rows"])

    xlsx = tmp_path / "published.xlsx"
    result = runner.invoke(app, ["publish", "non_arrest_rate", "--period", "2020",
                                 "--organ", doc["rows"][1]["organ_code"], "-o", str(xlsx)],
                           env=env)
    assert result.exit_code == 0, result.output
    sheet = pd.read_excel(xlsx, dtype=str, engine="openpyxl")
    assert sheet.columns[0] == "院代码"

    bad = runner.invoke(app, ["publish", "non_arrest_rate", "--period", "2020",
                              "-o", str(tmp_path / "x.pdf")], env=env)
    assert bad.exit_code == 1 and ".csv, .xlsx or .json" in bad.output
    unknown = runner.invoke(app, ["publish", "non_arrest_rate", "--period", "2020",
                                  "--organ", "999999"], env=env)
    assert unknown.exit_code == 1 and "999999" in unknown.output
