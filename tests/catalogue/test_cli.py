"""``kaoping indicators check`` and ``kaoping indicators list``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kaoping.cli import app

runner = CliRunner()


def test_check_ok(write_catalogue: Callable[..., Path], indicator: Callable[..., Any]) -> None:
    path = write_catalogue(indicator(), indicator(id="second"))
    result = runner.invoke(app, ["indicators", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 indicators OK" in result.output


def test_check_reports_every_error(
    write_catalogue: Callable[..., Path], indicator: Callable[..., Any]
) -> None:
    path = write_catalogue(
        indicator(numerator__filter="prosecution_decison is null"),
        indicator(id="non_arrest_rate"),
    )
    result = runner.invoke(app, ["indicators", "check", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 2
    assert "indicator `my_non_arrest_rate`: field `numerator.filter`" in lines[0]
    assert "did you mean `prosecution_decision`?" in lines[0]
    assert "duplicate id `non_arrest_rate`" in lines[1]
    assert "2 errors found" in result.output


def test_check_the_default_catalogue() -> None:
    from kaoping.catalogue.load import DEFAULT_DIR

    result = runner.invoke(app, ["indicators", "check", str(DEFAULT_DIR)])
    assert result.exit_code == 0, result.output
    assert "indicators OK" in result.output


def test_list_table() -> None:
    result = runner.invoke(app, ["indicators", "list", "--family", "arrest_review"])
    assert result.exit_code == 0, result.output
    assert "不捕率" in result.output and "non_arrest_rate" in result.output
    assert "不诉率" not in result.output


def test_list_json_in_english() -> None:
    result = runner.invoke(app, ["indicators", "list", "--json", "--lang", "en"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} >= {"non_arrest_rate", "case_proceeding_ratio"}
    assert all(r["source"] for r in rows)


def test_list_unknown_family_suggests() -> None:
    result = runner.invoke(app, ["indicators", "list", "--family", "petitons"])
    assert result.exit_code == 1
    assert "did you mean `petitions`?" in result.output


def test_list_with_a_broken_user_catalogue(
    write_catalogue: Callable[..., Path], indicator: Callable[..., Any]
) -> None:
    path = write_catalogue(indicator(unit="percent"))
    result = runner.invoke(app, ["indicators", "list", "-c", str(path)])
    assert result.exit_code == 1
    assert "field `unit`" in result.output


def test_env_dir_adds_user_catalogues(
    write_catalogue: Callable[..., Path], indicator: Callable[..., Any], monkeypatch: Any
) -> None:
    path = write_catalogue(indicator())
    monkeypatch.setenv("KAOPING_CATALOGUE_DIR", str(path.parent))
    result = runner.invoke(app, ["indicators", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert "my_non_arrest_rate" in {r["id"] for r in json.loads(result.output)}
