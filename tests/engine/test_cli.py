"""``kaoping compute``, ``show`` and ``explain`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.engine.engine_data import build_warehouse
from tests.engine.test_compute import INDICATORS, PERSONS
from typer.testing import CliRunner

import kaoping
from kaoping.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A computed warehouse and a catalogue file defining the test indicators."""
    tmp = tmp_path_factory.mktemp("cli")
    path = build_warehouse(tmp / "w.duckdb", PERSONS)
    catalogue = tmp / "extra.yaml"
    catalogue.write_text(
        # the validator rejects the avg-days indicator (it prefers sum over count); the engine
        # computes it all the same, and these tests do not need it
        yaml.safe_dump(
            {
                "indicators": [
                    i.model_dump(mode="json", exclude_none=True)
                    for i in INDICATORS
                    if i.id != "days"
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    with kaoping.Warehouse(path, catalogue=INDICATORS) as wh:
        wh.compute(years=[2019, 2020])
    return path, catalogue


def run(setup: tuple[Path, Path], *args: str) -> tuple[int, str]:
    path, catalogue = setup
    result = runner.invoke(app, [*args, "--db", str(path), "-c", str(catalogue)])
    return result.exit_code, result.output


def test_show_json(setup: tuple[Path, Path]) -> None:
    code, out = run(setup, "show", "nonpros", "--organ", "110100", "--period", "2020-Q1", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert {k: data[k] for k in ("indicator", "organ", "period", "numerator", "denominator")} == {
        "indicator": "nonpros",
        "organ": "110100",
        "period": "2020-Q1",
        "numerator": 2,
        "denominator": 5,
    }
    assert data["value"] == 0.4 and data["previous"] == 0.5
    assert data["change"] == pytest.approx(-10.0)
    assert {"name_zh", "name_en", "unit", "ci_low", "ci_high", "rank", "peers", "flags"} <= set(
        data
    )


def test_show_panel(setup: tuple[Path, Path]) -> None:
    code, out = run(setup, "show", "nonpros", "--organ", "110100", "--period", "2020-Q1")
    assert code == 0, out
    assert "40.0%" in out and "2 / denominator 5" in out and "-10.0 pp" in out
    assert "北京市第一分院" in out


def test_a_stored_figure_is_shown_without_pandas_or_ibis(setup: tuple[Path, Path]) -> None:
    """`kaoping show` of a stored figure, in a fresh process as a user runs it, reads it
    with DuckDB alone and imports of the command line only its own module (issue 12): the
    figure is the one the in-process run prints."""
    import os
    import subprocess
    import sys

    path, catalogue = setup
    argv = ["show", "nonpros", "--organ", "110100", "--period", "2020-Q1", "--json",
            "--db", str(path), "-c", str(catalogue)]
    code = (
        "import json, sys\n"
        "from kaoping.cli import main\n"
        f"sys.argv = ['kaoping', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('pandas', 'ibis', 'pyarrow', 'sqlalchemy', 'pydantic_settings')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy"
        " or m.startswith('kaoping.cli.'))))\n"
    )
    src = str(Path(kaoping.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    *shown, loaded = done.stdout.strip().splitlines()
    assert json.loads(loaded) == ["kaoping.cli.app", "kaoping.cli.engine", "kaoping.cli.lazy"]
    assert json.loads("\n".join(shown)) == json.loads(run(setup, *argv[:-4])[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "nonprosx", "--period", "2020"], "did you mean `nonpros`"),
        (["show", "nonpros", "--period", "2020-13"], "invalid period '2020-13'"),
        (["show", "nonpros", "--period", "2020", "--organ", "999999"], "no organ '999999'"),
        (["explain", "nonpros", "--period", "2020", "--prosecutor", "P99"], "P99"),
    ],
)
def test_mistakes_exit_1_with_a_message(
    setup: tuple[Path, Path], args: list[str], message: str
) -> None:
    code, out = run(setup, *args)
    assert code == 1
    assert message in " ".join(out.split())


def test_explain(setup: tuple[Path, Path], tmp_path: Path) -> None:
    csv = tmp_path / "records.csv"
    code, out = run(
        setup,
        "explain",
        "nonpros",
        "--organ",
        "110100",
        "--period",
        "2020-Q1",
        "--limit",
        "1",
        "--out",
        str(csv),
    )
    assert code == 0, out
    assert "2 / 5 = 40.0%" in out
    assert "numerator: 2 records (first 1 shown)" in out
    assert "2020-01-01 to 2020-03-31" in out
    assert "110101" in out and "110102" in out
    assert len(csv.read_text().splitlines()) == 1 + 2 + 5


def test_compute_command(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    result = runner.invoke(
        app,
        [
            "compute",
            "--db",
            str(path),
            "--years",
            "2020",
            "-i",
            "non_prosecution_rate",
            "-i",
            "persons_prosecuted",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "figures (indicator × subject × period)" in result.output
    code = runner.invoke(
        app, ["show", "persons_prosecuted", "--db", str(path), "--period", "2020-Q1", "--json"]
    )
    assert json.loads(code.output)["numerator"] == 5  # d1, d3, x3, h1, h2


def test_compute_bad_years(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    result = runner.invoke(app, ["compute", "--db", str(path), "--years", "twenty"])
    assert result.exit_code == 1
    assert "invalid years" in result.output


def test_compute_organs_only(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    result = runner.invoke(
        app,
        [
            "compute",
            "--db",
            str(path),
            "--years",
            "2020",
            "-i",
            "persons_prosecuted",
            "--prosecutor-periods",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, ["compute", "--db", str(path), "--prosecutor-periods", "weekly"])
    assert bad.exit_code == 1 and "unknown kind of period weekly" in bad.output
