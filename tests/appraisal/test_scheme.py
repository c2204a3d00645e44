"""Schemes load, and a mistake is reported with its file, line, place, field and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kaoping.appraisal import SchemeError, load_scheme
from kaoping.appraisal.errors import SchemeProblem
from kaoping.appraisal.load import DEFAULT_SCHEMES, check_scheme, default_scheme
from kaoping.catalogue import load_catalogue
from kaoping.cli import app

CATALOGUE = load_catalogue(include_default=True)


def test_default_schemes_load() -> None:
    organs = default_scheme("organ", CATALOGUE)
    assert organs.subjects.kind == "organ" and organs.subjects.level == 4
    assert [d.aspect for d in organs.dimensions] == [1, 2, 3, 4, 5]
    assert sum(d.weight for d in organs.dimensions) == 100
    pros = default_scheme("prosecutor", CATALOGUE)
    assert [d.id for d in pros.dimensions] == ["quality", "efficiency", "effect"]
    assert pros.case_weighting is not None
    assert "weighted_cases" in [i.indicator for _, i in pros.items()]
    assert pros.grades[0].quota is not None and pros.grades[0].quota <= 0.2
    assert set(DEFAULT_SCHEMES) == {"organs", "prosecutors"}


def _problems(tmp_path: Path, text: str) -> list[SchemeProblem]:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    scheme, problems = check_scheme(path, CATALOGUE)
    assert scheme is None
    return problems


def _organ_scheme() -> str:
    return DEFAULT_SCHEMES["organs"].read_text(encoding="utf-8")


def test_unknown_field_names_line_place_and_suggestion(tmp_path: Path) -> None:
    text = _organ_scheme().replace("zero_at_distance: 0.15", "zero_at_distanse: 0.15")
    problems = _problems(tmp_path, text)
    line = next(i + 1 for i, s in enumerate(text.splitlines()) if "zero_at_distanse" in s)
    unknown = next(p for p in problems if "unknown field" in p.message)
    assert unknown.line == line
    assert "minor_conditional_non_prosecution_rate" in (unknown.where or "")
    assert "did you mean `zero_at_distance`?" in unknown.message
    assert str(unknown).startswith(f"{tmp_path / 'mine.yaml'}:{line}: dimension")


def test_unknown_indicator_and_method(tmp_path: Path) -> None:
    text = _organ_scheme().replace("indicator: non_arrest_rate", "indicator: non_arest_rate")
    problems = _problems(tmp_path, text)
    assert any("no indicator `non_arest_rate`" in p.message
               and "did you mean `non_arrest_rate`?" in p.message for p in problems)
    text = _organ_scheme().replace("method: percentile", "method: percentil", 1)
    problems = _problems(tmp_path, text)
    assert any("'percentil' is not a scoring method" in p.message
               and "did you mean 'percentile'?" in p.message for p in problems)


def test_weights_must_add_up_to_100(tmp_path: Path) -> None:
    text = _organ_scheme().replace("weight: 10\n", "weight: 15\n", 1)
    problems = _problems(tmp_path, text)
    assert any("add up to 105" in p.message for p in problems)


def _mini(**changes: object) -> str:
    data: dict[str, object] = {
        "id": "mini", "name_zh": "小", "name_en": "mini",
        "subjects": {"kind": "organ", "level": 4, "compare": "parent"},
        "dimensions": [{"id": "d", "name_zh": "d", "name_en": "d", "weight": 100,
                        "indicators": [{"indicator": "acquittal_rate", "method": "percentile"}]}],
        "grades": [{"id": "a", "name_zh": "a", "name_en": "a", "min_total": 80},
                   {"id": "b", "name_zh": "b", "name_en": "b"}],
    }
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"grades": [{"id": "a", "name_zh": "a", "name_en": "a", "min_total": 60},
                     {"id": "b", "name_zh": "b", "name_en": "b", "min_total": 70},
                     {"id": "c", "name_zh": "c", "name_en": "c"}]}, "must be below 60"),
        ({"grades": [{"id": "a", "name_zh": "a", "name_en": "a", "min_total": 60}]},
         "leave out its `min_total`"),
        ({"subjects": {"kind": "prosecutor", "compare": "parent"}},
         "prosecutors are compared by"),
        ({"subjects": {"kind": "prosecutor", "compare": "organ", "department": "minor"}},
         "did you mean `minors`?"),
        ({"dimensions": [{"id": "d", "name_zh": "d", "name_en": "d", "weight": 100,
                          "indicators": [{"indicator": "weighted_cases",
                                          "method": "percentile"}]}]},
         "organ schemes cannot use it"),
        ({"dimensions": [{"id": "d", "name_zh": "d", "name_en": "d", "weight": 100,
                          "indicators": [{"indicator": "enterprise_non_arrest_rate",
                                          "method": "within_range",
                                          "zero_at_distance": 0.1}]}]},
         "no reasonable range"),
        ({"dimensions": [{"id": "d", "name_zh": "d", "name_en": "d", "weight": 100,
                          "indicators": [{"indicator": "acquittal_rate",
                                          "method": "ratio_to_target",
                                          "target": "peer_maxx"}]}]},
         "did you mean 'peer_max'?"),
        ({"unreliable": {"policy": "fixed"}}, "needs `fraction`"),
    ],
)
def test_rules(tmp_path: Path, changes: dict[str, object], expected: str) -> None:
    problems = _problems(tmp_path, _mini(**changes))
    assert any(expected in p.message for p in problems), [str(p) for p in problems]


def test_case_type_filters_are_checked(tmp_path: Path) -> None:
    text = DEFAULT_SCHEMES["prosecutors"].read_text(encoding="utf-8").replace(
        "when: is_minor", "when: is_minr")
    problems = _problems(tmp_path, text)
    bad = [p for p in problems if "is_minr" in p.message]
    assert bad and bad[0].field is not None and "when" in bad[0].field
    assert "case type `minor`" in (bad[0].where or "")


def test_prosecutor_scheme_needs_per_prosecutor_indicators(tmp_path: Path) -> None:
    text = DEFAULT_SCHEMES["prosecutors"].read_text(encoding="utf-8").replace(
        "indicator: acquittal_rate", "indicator: cases_per_prosecutor")
    problems = _problems(tmp_path, text)
    assert any("not computed per prosecutor" in p.message for p in problems)


def test_load_scheme_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(_mini(subjects={"kind": "organ", "compare": "parent"},
                          grades=[{"id": "a", "name_zh": "a", "name_en": "a",
                                   "min_total": 60}]), encoding="utf-8")
    with pytest.raises(SchemeError) as err:
        load_scheme(path, CATALOGUE)
    assert len(err.value.problems) == 2
    assert "2 errors in the appraisal scheme" in str(err.value)


def test_cli_check(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["appraise", "check", str(DEFAULT_SCHEMES["prosecutors"])])
    assert ok.exit_code == 0, ok.output
    assert "scheme `prosecutors` OK" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(_mini(fairnes=True), encoding="utf-8")
    result = runner.invoke(app, ["appraise", "check", str(bad)])
    assert result.exit_code == 1
    assert "did you mean `fairness`?" in result.output
