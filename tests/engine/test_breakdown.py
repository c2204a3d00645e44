"""Breakdowns: an indicator per category of a column, checked against pandas and summed.

The oracle reads the generated files (not the warehouse) and applies the definitions as
docs/catalogue.md states them, with plain pandas.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.engine.engine_data import build_warehouse as build_tiny
from tests.engine.engine_data import person
from tests.helpers import build_warehouse

import kaoping
from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.engine.breakdown import Breakdown

PERIOD = "2020-H1"
H1 = (pd.Timestamp("2020-01-01"), pd.Timestamp("2020-07-01"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("breakdown"), persons=6000, seed=11,
                           indicators=["non_arrest_rate"])


@pytest.fixture(scope="module")
def frames(generated: Path) -> dict[str, pd.DataFrame]:
    data = generated.parent / "data"
    return {t: pd.read_parquet(data / f"{t}.parquet") for t in ("persons", "crimes", "organs")}


def _province(frames: dict[str, pd.DataFrame]) -> str:
    """The province with the most persons (its figure sums the organs below it)."""
    organs, persons = frames["organs"], frames["persons"]
    provinces = organs[organs["level"] == 2]["organ_code"]
    sizes = {c: persons["organ_code"].isin(_below(organs, c)).sum() for c in provinces}
    return str(max(sizes, key=lambda c: sizes[c]))


def _below(organs: pd.DataFrame, code: str) -> set[str]:
    out, frontier = {code}, {code}
    while frontier:
        frontier = set(organs[organs["parent_code"].isin(frontier)]["organ_code"])
        out |= frontier
    return out


def _persons(frames: dict[str, pd.DataFrame], organ: str, date_col: str) -> pd.DataFrame:
    p = frames["persons"].merge(
        frames["crimes"][["crime_code", "chapter"]], on="crime_code", how="left"
    )
    when = pd.to_datetime(p[date_col])
    return p[p["organ_code"].isin(_below(frames["organs"], organ))
             & (when >= H1[0]) & (when < H1[1])]


def _by(b: Breakdown) -> dict[str | None, tuple[float | None, float | None]]:
    return {r.category.code: (r.numerator, r.denominator) for r in b.rows}


def test_non_arrest_rate_by_chapter_matches_pandas(
    generated: Path, frames: dict[str, pd.DataFrame]
) -> None:
    organ = _province(frames)
    p = _persons(frames, organ, "arrest_review_concluded")
    den = p[p["arrest_decision"].isin(["approved", "not_approved"])]
    num = den[den["arrest_decision"] == "not_approved"]
    with kaoping.Warehouse(generated) as wh:
        b = wh.breakdown("non_arrest_rate", organ=organ, period=PERIOD, by="crime_chapter")
    got = _by(b)
    for chapter in range(1, 11):
        expected = (float((num["chapter"] == chapter).sum()),
                    float((den["chapter"] == chapter).sum()))
        assert got[str(chapter)] == expected, chapter
    assert got[None] == (float(num["chapter"].isna().sum()), float(den["chapter"].isna().sum()))
    assert (b.total.numerator, b.total.denominator) == (len(num), len(den))
    assert len(den) > 30, "the sample should be large enough to mean something"
    row = next(r for r in b.rows if r.category.code == "5")
    assert row.value == pytest.approx(row.numerator / row.denominator)
    assert row.category.label_zh == "侵犯财产罪"
    assert b.ok and not b.problems("en")


def test_average_days_by_difficulty_matches_pandas(
    generated: Path, frames: dict[str, pd.DataFrame]
) -> None:
    organ = _province(frames)
    p = _persons(frames, organ, "prosecution_review_concluded")
    p = p[p["prosecution_review_received"].notna() & p["prosecution_decision"].notna()]
    days = (pd.to_datetime(p["prosecution_review_concluded"])
            - pd.to_datetime(p["prosecution_review_received"])).dt.days
    with kaoping.Warehouse(generated) as wh:
        b = wh.breakdown("avg_prosecution_review_days", organ=organ, period=PERIOD,
                         by="difficulty")
    got = _by(b)
    for code in ("simple", "ordinary", "complex"):
        mask = p["difficulty"] == code
        assert got[code] == (float(days[mask].sum()), float(mask.sum())), code
    unknown = ~p["difficulty"].isin(["simple", "ordinary", "complex"])
    assert got[None] == (float(days[unknown].sum()), float(unknown.sum()))
    assert b.total.value == pytest.approx(days.sum() / len(days))
    assert b.ok


def test_count_by_yes_no_column_has_shares(
    generated: Path, frames: dict[str, pd.DataFrame]
) -> None:
    organ = _province(frames)
    p = _persons(frames, organ, "prosecution_review_concluded")
    prosecuted = p[p["prosecution_decision"] == "prosecuted"]
    with kaoping.Warehouse(generated) as wh:
        b = wh.breakdown("persons_prosecuted", organ=organ, period=PERIOD, by="is_minor")
    got = {r.category.code: r for r in b.rows}
    minors = float((prosecuted["is_minor"] == True).sum())  # noqa: E712 -- nullable
    assert got["true"].numerator == minors
    assert got["false"].numerator == float((prosecuted["is_minor"] == False).sum())  # noqa: E712
    assert got["true"].share == pytest.approx(minors / len(prosecuted))
    assert [c.code for c in b.column.categories] == ["true", "false", None]


def test_categories_sum_to_the_total_for_every_offered_breakdown(generated: Path) -> None:
    with kaoping.Warehouse(generated) as wh:
        for ind in wh.catalogue.indicators:
            for by in ind.breakdowns:
                b = wh.breakdown(ind.id, period="2020", by=by)
                num = sum(r.numerator or 0 for r in b.rows)
                assert b.ok, (ind.id, by, b.problems("en"))
                if ind.numerator.agg is Aggregation.COUNT:
                    assert num == b.total.numerator, (ind.id, by)


def test_breakdowns_read_together_are_each_read_alone(
    generated: Path, frames: dict[str, pd.DataFrame]
) -> None:
    """A report reads all its breakdowns in a few grouped queries: every one of them,
    rows, total and checks, is what the breakdown read alone gives."""
    organ = _province(frames)
    with kaoping.Warehouse(generated) as wh:
        wanted = [(ind.id, by) for ind in wh.catalogue.indicators for by in ind.breakdowns]
        assert len({by for _, by in wanted}) > 1 and len(wanted) > 10
        together = wh.breakdowns(wanted, organ=organ, period="2020")
        for (ind, by), b in zip(wanted, together, strict=True):
            alone = wh.breakdown(ind, organ=organ, period="2020", by=by)
            assert (b.rows, b.total, b.checks) == (alone.rows, alone.total, alone.checks), (
                ind, by)
        assert wh.breakdowns([], organ=organ, period="2020") == []


def test_the_breakdown_total_is_the_stored_figure(generated: Path) -> None:
    with kaoping.Warehouse(generated) as wh:
        stored = wh.indicator("non_arrest_rate", period="2020", organ=None)
        b = wh.breakdown("non_arrest_rate", period="2020", by="is_minor")
    assert stored.source == "stored"
    assert (b.total.numerator, b.total.denominator) == (stored.numerator, stored.denominator)


def test_an_unknown_or_non_categorical_column_names_the_valid_ones(generated: Path) -> None:
    with kaoping.Warehouse(generated) as wh, pytest.raises(ValueError) as err:
        wh.breakdown("non_arrest_rate", period="2020", by="crime_chaptr")
    assert "did you mean `crime_chapter`" in str(err.value)
    assert "is_minor" in str(err.value)
    with kaoping.Warehouse(generated) as wh, pytest.raises(ValueError) as err:
        wh.breakdown("non_arrest_rate", period="2020", by="sentence_months")
    assert "integer column" in str(err.value) and "not a categorical" in str(err.value)


# --- on paper: empty values, and a distinct count that cannot add up ------------------


CASES = Indicator(
    id="cases_concluded", name_zh="审结案件数", name_en="Cases concluded",
    definition_zh="定义", definition_en="definition", unit="count",
    numerator=Measure(table="persons", agg=Aggregation.COUNT_DISTINCT, expr="case_id",
                      filter="prosecution_decision is not null",
                      date="prosecution_review_concluded"),
    direction="higher_is_better", family="prosecution_review", aspect=4,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = date(2020, 2, 1)
    persons = [
        # case K1: an adult and a minor -- one case, in both categories
        person("a", "110101", d, case="K1", minor=False, difficulty="simple"),
        person("b", "110101", d, case="K1", minor=True, difficulty=None),
        person("c", "110102", d, case="K2", minor=False, difficulty="unheard_of"),
        person("d", "120101", d, case="K3", minor=True, difficulty="complex"),
    ]
    return build_tiny(tmp_path_factory.mktemp("tiny") / "w.duckdb", persons)


def test_empty_and_unlisted_values_are_unknown(tiny: Path) -> None:
    with kaoping.Warehouse(tiny, catalogue=[CASES]) as wh:
        b = wh.breakdown("cases_concluded", organ="110000", period="2020-Q1", by="difficulty")
    # K1 is simple (a) and unknown (b); K2 is unknown ('unheard_of' is not a difficulty)
    assert _by(b) == {"simple": (1, None), "ordinary": (0, None), "complex": (0, None),
                      None: (2, None)}


def test_a_distinct_count_that_does_not_add_up_is_reported(tiny: Path) -> None:
    with kaoping.Warehouse(tiny, catalogue=[CASES]) as wh:
        b = wh.breakdown("cases_concluded", organ="110000", period="2020-Q1", by="is_minor")
    # K1 counts once among minors and once among adults, once in the total
    assert _by(b)["true"] == (1, None) and _by(b)["false"] == (2, None)
    assert b.total.numerator == 2
    assert not b.ok
    (problem,) = b.problems("en")
    assert "add up to 3" in problem and "total is 2" in problem and "distinct" in problem
    assert b.to_dict()["check"]["ok"] is False


# --- the command line -------------------------------------------------------------------


def test_show_by_prints_the_categories_and_json(generated: Path) -> None:
    from typer.testing import CliRunner

    from kaoping.cli import app

    runner = CliRunner()
    args = ["show", "non_arrest_rate", "--period", "2020", "--by", "is_minor",
            "--db", str(generated)]
    with kaoping.Warehouse(generated) as wh:
        b = wh.breakdown("non_arrest_rate", period="2020", by="is_minor")
    table = runner.invoke(app, args, env={"COLUMNS": "140"})
    assert table.exit_code == 0, table.output
    assert "是 / Yes" in table.output and "不详或其他 / Unknown or other" in table.output
    assert f"{int(b.total.denominator or 0):,}" in table.output
    out = runner.invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload == json.loads(json.dumps(b.to_dict()))
    assert [c["code"] for c in payload["categories"]] == ["true", "false", None]
    assert payload["check"]["ok"] is True


def test_show_by_an_unknown_column_fails_naming_the_valid_ones(generated: Path) -> None:
    from typer.testing import CliRunner

    from kaoping.cli import app

    out = CliRunner().invoke(app, ["show", "non_arrest_rate", "--period", "2020", "--by",
                                   "sex", "--db", str(generated)])
    assert out.exit_code != 0
    assert "unknown column `sex`" in out.output and "crime_chapter" in out.output


def test_show_by_reports_a_sum_mismatch(tiny: Path, tmp_path: Path) -> None:
    import yaml
    from typer.testing import CliRunner

    from kaoping.cli import app

    cat = tmp_path / "cases.yaml"
    cat.write_text(yaml.safe_dump({"indicators": [CASES.model_dump(mode="json",
                                                                   exclude_defaults=True)]}))
    out = CliRunner().invoke(app, ["show", "cases_concluded", "--period", "2020-Q1", "--organ",
                                   "110000", "--by", "is_minor", "--db", str(tiny), "-c",
                                   str(cat)])
    assert out.exit_code == 0, out.output
    assert "add up to 3, the total is 2" in out.output
