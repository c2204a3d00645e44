"""`explain` never contradicts its own records (issue 10, item 10).

After an import changes records of a computed warehouse, the stored figure is older than
the records; the explanation counts its figure from the records it lists, and gives the
stored one beside it, saying the data changed since.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.operations.ops import run

import kaoping
from kaoping.synth import generate_dataset

INDICATOR = "non_prosecution_rate"


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, int]:
    """A computed warehouse, then an import turning prosecuted persons of one organ and
    quarter into non-prosecutions: (warehouse, organ, period, persons turned)."""
    root = tmp_path_factory.mktemp("explain-stale")
    files = generate_dataset(root / "data", persons=3000, years=(2019, 2020), seed=4,
                             fmt="parquet")
    db = root / "kaoping.duckdb"
    run(db, "import", *[str(p) for p in files.values()])
    run(db, "compute", "-i", INDICATOR, "--prosecutor-periods", "none")
    persons = pd.read_parquet(files["persons"])
    concluded = pd.to_datetime(persons["prosecution_review_concluded"])
    q1 = (concluded >= "2020-01-01") & (concluded < "2020-04-01")
    prosecuted = persons[q1 & (persons["prosecution_decision"] == "prosecuted")]
    organ = str(prosecuted["organ_code"].value_counts().index[0])
    turned = prosecuted[prosecuted["organ_code"] == organ].head(3).copy()
    turned["prosecution_decision"] = "not_prosecuted"
    fix = root / "fix" / "persons.parquet"
    fix.parent.mkdir()
    turned[["person_id", "prosecution_decision"]].to_parquet(fix, index=False)
    run(db, "import", "--table", "persons", str(fix))
    return db, organ, "2020-Q1", len(turned)


def test_explanation_counts_from_its_records_and_shows_the_stored_figure(
    changed: tuple[Path, str, str, int],
) -> None:
    db, organ, period, turned = changed
    with kaoping.Warehouse(db) as wh:
        stored = wh.indicator(INDICATOR, organ=organ, period=period)
        assert stored.source == "stored"
        e = wh.explain(INDICATOR, organ=organ, period=period, limit=1000)
        assert wh.freshness().stale
    assert e.denominator is not None
    # the figure explained is the records listed, counted
    assert e.value.numerator == e.numerator.total_records
    assert e.value.denominator == e.denominator.total_records
    assert e.arithmetic().startswith(f"{e.numerator.total_records} / ")
    # and the stored figure, older by exactly the persons turned, is shown beside it
    assert e.stored is not None and e.stored.source == "stored"
    assert e.stored.numerator == e.value.numerator - turned
    assert e.stored.denominator == e.value.denominator


def test_cli_explain_says_the_stored_figure_is_older(
    changed: tuple[Path, str, str, int],
) -> None:
    db, organ, period, _ = changed
    out = run(db, "explain", INDICATOR, "--organ", organ, "--period", period, "--limit", "0")
    text = " ".join(out.stdout.split())
    assert "counted from the records listed" in text
    assert "the stored figure is" in text and "run `kaoping compute`" in text
    shown = json.loads(run(db, "show", INDICATOR, "--organ", organ, "--period", period,
                           "--json").stdout)
    assert shown["freshness"]["stale"] is True
    assert "older than the data" in out.stdout + run(
        db, "show", INDICATOR, "--organ", organ, "--period", period).stderr


def test_an_explanation_of_fresh_figures_shows_one_figure(tmp_path: Path) -> None:
    files = generate_dataset(tmp_path / "data", persons=2000, years=(2019, 2020), seed=6,
                             fmt="parquet")
    db = tmp_path / "kaoping.duckdb"
    run(db, "import", *[str(p) for p in files.values()])
    run(db, "compute", "-i", INDICATOR, "--prosecutor-periods", "none")
    with kaoping.Warehouse(db) as wh:
        e = wh.explain(INDICATOR, period="2020", limit=0)
    assert e.stored is None and e.value.source == "stored"
    assert e.value.rank is not None or e.value.peers is None
