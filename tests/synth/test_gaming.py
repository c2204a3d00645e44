"""Gaming planted by the generator: in known organs, deterministic, absent when not asked for.

The data checks recompute each pattern's footprint with DuckDB over the written files.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kaoping.synth import gaming_plan, generate_dataset
from kaoping.synth.gaming import ORGANS_PER_PATTERN, PATTERNS


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("planted")
    generate_dataset(out, persons=150_000, years=(2019, 2020), seed=13)
    return out


def test_plan_is_a_function_of_the_seed_with_disjoint_organ_sets() -> None:
    plan = gaming_plan(13)
    assert plan == gaming_plan(13)
    assert plan != gaming_plan(14)
    sets = [plan.planted(p) for p in PATTERNS]
    assert all(len(s) == ORGANS_PER_PATTERN for s in sets)
    assert len(frozenset().union(*sets)) == len(PATTERNS) * ORGANS_PER_PATTERN


def test_planted_organs_are_grassroots(planted: Path) -> None:
    codes = sorted(frozenset().union(*gaming_plan(13).organs.values()))
    levels = duckdb.execute(
        f"SELECT DISTINCT level FROM '{planted}/organs.parquet' WHERE organ_code IN "
        f"({', '.join(repr(c) for c in codes)})"
    ).fetchall()
    assert levels == [(4,)]


def _adoption(path: Path, codes: frozenset[str]) -> tuple[int, int]:
    row = duckdb.execute(
        f"SELECT count(*) FILTER (recommendation_adopted), count(recommendation_adopted) "
        f"FROM '{path}/persons.parquet' WHERE organ_code IN ({', '.join(map(repr, codes))})"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_perfect_organs_adopt_every_recommendation_only_when_planted(
    planted: Path, tmp_path: Path
) -> None:
    codes = gaming_plan(13).planted("perfect")
    adopted, total = _adoption(planted, codes)
    assert total > 100 and adopted == total
    generate_dataset(tmp_path, persons=150_000, years=(2019, 2020), seed=13, plant=False)
    adopted, total = _adoption(tmp_path, codes)
    assert total > 100 and adopted < total


def test_rush_organs_conclude_far_more_in_the_last_two_weeks_of_the_year(planted: Path) -> None:
    codes = ", ".join(map(repr, gaming_plan(13).planted("rush")))
    share = duckdb.execute(
        f"SELECT organ_code IN ({codes}), avg((prosecution_review_concluded >= '2019-12-18')::INT)"
        f" FROM '{planted}/persons.parquet' WHERE prosecution_review_concluded BETWEEN "
        "'2019-10-01' AND '2019-12-31' GROUP BY 1"
    ).fetchall()
    by_group = dict(share)
    assert by_group[True] > 1.5 * by_group[False]
