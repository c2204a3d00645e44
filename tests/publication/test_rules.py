"""Suppression rules: the shipped ones, overrides, and mistakes named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaoping.publication.rules import RulesError, load_rules

IDS = ["non_arrest_rate", "persons_prosecuted"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_rules_hide_counts_one_to_four() -> None:
    rule = load_rules(indicators=IDS).for_indicator("non_arrest_rate")
    assert [rule.is_small_count(v) for v in (0, 1, 4, 5)] == [False, True, True, False]
    assert rule.min_denominator == 10


def test_an_indicator_overrides_the_default_field_by_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "default:\n  count_max: 9\nindicators:\n"
                  "  non_arrest_rate:\n    min_denominator: 30\n")
    rules = load_rules(path, indicators=IDS)
    assert rules.for_indicator("non_arrest_rate").min_denominator == 30
    assert rules.for_indicator("non_arrest_rate").count_max == 9
    assert rules.for_indicator("persons_prosecuted").min_denominator == 10


def test_the_setting_names_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "default:\n  count_max: 2\n")
    monkeypatch.setenv("KAOPING_SUPPRESSION", str(path))
    assert load_rules().default.count_max == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("indicators:\n  non_arest_rate:\n    min_denominator: 5\n",
         ["rules.yaml:2", "non_arest_rate", "did you mean `non_arrest_rate`"]),
        ("default:\n  count_max: many\n", ["rules.yaml:2", "default.count_max", "'many'"]),
        ("default:\n  count_mix: 3\n", ["rules.yaml:2", "default.count_mix", "Extra inputs"]),
        ("indicators:\n  persons_prosecuted:\n    count_min: 0\n",
         ["rules.yaml:2", "persons_prosecuted", "count_min", "greater than or equal to 1"]),
        ("default: [1\n", ["rules.yaml:", "not valid YAML"]),
    ],
)
def test_mistakes_name_file_line_and_field(tmp_path: Path, text: str,
                                           expected: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as err:
        load_rules(path, indicators=IDS)
    for part in expected:
        assert part in str(err.value), str(err.value)


def test_a_model_carries_its_offices_rules(tmp_path: Path) -> None:
    """A data model's ``suppression:`` section is the rule when no file is named; a
    mistake in it is reported by ``kaoping model check``."""
    from typer.testing import CliRunner

    from kaoping.cli import app
    from kaoping.model.selection import use_model

    model = tmp_path / "office.yaml"
    model.write_text("model: office\nextends: default\nsuppression:\n  default:\n"
                     "    count_max: 9\n    min_denominator: 25\n", encoding="utf-8")
    with use_model(model):
        rule = load_rules(indicators=IDS).for_indicator("persons_prosecuted")
    assert (rule.count_max, rule.min_denominator) == (9, 25)
    assert load_rules(indicators=IDS).default.count_max == 4  # outside it: the shipped file

    ok = CliRunner().invoke(app, ["model", "check", str(model)])
    assert ok.exit_code == 0, ok.output
    model.write_text("model: office\nextends: default\nsuppression:\n  default:\n"
                     "    count_max: lots\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["model", "check", str(model)])
    assert bad.exit_code == 1
    assert "suppression.default.count_max" in bad.output and "'lots'" in bad.output
