"""docs/model.md describes every key a model file takes, and its example is a valid model."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel
from typer.testing import CliRunner

from kaoping.cli import app
from kaoping.model import load

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

SPECS: list[type[BaseModel]] = [
    load.ModelSpec,
    load.TableSpec,
    load.ColumnSpec,
    load.EnumerationSpec,
    load.HierarchySpec,
]


def test_every_key_of_the_file_is_described() -> None:
    text = DOC.read_text(encoding="utf-8")
    described = set(re.findall(r"^\| `([a-z_]+)`", text, flags=re.MULTILINE))
    described |= {"code", "parent", "level"}  # described together in one row
    for spec in SPECS:
        missing = set(spec.model_fields) - described
        assert not missing, f"{spec.__name__}: {sorted(missing)} not described in docs/model.md"


def test_the_extension_example_is_a_valid_model_and_checks_as_shown(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    path = tmp_path / "guangdong.yaml"
    path.write_text(example, encoding="utf-8")
    model = load.load_model(path)
    assert model.tables["persons"].column("handling_department").label_zh == "承办部门"
    result = CliRunner().invoke(app, ["model", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() in text  # the doc shows the command's own summary
