"""The command line starts cheaply, `--version` and `-h` work (issue 10, items 6 and 7).

Every `kaoping` invocation imports all command modules, so a heavy import at module level
in any of them is paid by `kaoping --help` and every other command. The time itself is
measured by ``benchmarks/cli_latency.py``; these tests pin the structure that makes it
short: importing :mod:`kaoping.cli` loads none of the heavy libraries. They run in a fresh
interpreter, because this test process has long imported all of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
import typer
from typer.testing import CliRunner

import kaoping
from kaoping.cli import app

#: what `import kaoping.cli` must not load: each costs from tens of milliseconds (pyarrow,
#: DuckDB) to a second (pandas with numpy), or drags one of them in
HEAVY = (
    "pandas",
    "duckdb",
    "ibis",
    "numpy",
    "pyarrow",
    "sqlalchemy",
    "pydantic_settings",
    "yaml",
    "matplotlib",
    "reportlab",
    "rich.progress",
    "kaoping.synth",
    "kaoping.ingest",
    "kaoping.catalogue",
    "kaoping.model.schema",
    "kaoping.warehouse",
    "kaoping.api",
    "kaoping.engine",
    "kaoping.reports",
    "kaoping.web",
)

SRC = Path(kaoping.__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    """This checkout's sources first, whatever copy of kaoping is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=_env(), capture_output=True, text=True, timeout=120
    )


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = (
        "import json, sys; import kaoping.cli; "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_version_prints_the_version_and_exits_0() -> None:
    done = _python("-m", "kaoping", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"kaoping {kaoping.__version__}"


@pytest.mark.parametrize("argv", [["-h"], ["show", "-h"]])
def test_short_help_in_a_fresh_process(argv: list[str]) -> None:
    done = _python("-m", "kaoping", *argv)
    assert done.returncode == 0, done.stderr
    assert "Usage: python -m kaoping" in done.stdout
    assert "Show this message and exit." in done.stdout


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group below ``command`` (Typer's own Click: groups have
    ``commands``)."""
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*prefix, name))
    return paths


def test_every_command_and_group_takes_h_like_help() -> None:
    runner = CliRunner()
    paths = _command_paths(typer.main.get_command(app))
    assert ("show",) in paths and ("appraise", "items", "add") in paths
    for path in paths:
        short = runner.invoke(app, [*path, "-h"], terminal_width=100)
        long = runner.invoke(app, [*path, "--help"], terminal_width=100)
        assert short.exit_code == 0, (path, short.output)
        assert short.output == long.output, path


def test_the_cli_spells_the_generator_formats_as_the_generator_does() -> None:
    """`kaoping generate --format` is typed without importing the generator."""
    from kaoping.cli.data import Format as CliFormat
    from kaoping.synth import Format

    assert get_args(CliFormat) == get_args(Format)


def test_every_lang_option_is_the_same() -> None:
    """``--lang`` has one name, type, default and help on every command (issue 13)."""

    import typer.main

    from kaoping.cli import app

    def walk(cmd: Any, path: str) -> list[tuple[str, Any]]:
        found = [(path, p) for p in cmd.params if "--lang" in getattr(p, "opts", [])]
        if hasattr(cmd, "commands"):  # a group (typer's groups are not click.Group here)
            for name, sub in cmd.commands.items():
                found += walk(sub, f"{path} {name}")
        return found

    options = walk(typer.main.get_command(app), "kaoping")
    assert len(options) >= 5, [p for p, _ in options]
    shapes = {(str(o.default), o.help) for _, o in options}
    assert shapes == {("zh", "Language: zh (default) or en.")}, shapes
    from typer.testing import CliRunner

    for path, _ in options:  # and the same type: a choice of exactly zh and en
        shown = CliRunner().invoke(app, [*path.split()[1:], "--help"]).output
        assert "--lang <zh|en>" in shown, (path, shown)


@pytest.mark.parametrize(
    "env", [{}, {"KAOPING_DB": "elsewhere/w.duckdb"}, {"kaoping_db": "x.duckdb"}]
)
def test_the_warehouse_path_is_the_settings_one(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kaoping show` reads KAOPING_DB without pydantic-settings; it must say the same."""
    from kaoping.settings import get_settings
    from kaoping.warehouse import warehouse_path

    for name in [n for n in os.environ if n.upper() == "KAOPING_DB"]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert warehouse_path() == get_settings().db


def test_show_does_not_load_the_settings_machinery(tmp_path: Path) -> None:
    """`kaoping show` on a missing warehouse gets as far as opening it -- the path found,
    the catalogue loaded -- without importing pydantic-settings (a tenth of a second)."""
    code = (
        "import json, sys\n"
        "from kaoping.cli import main\n"
        "sys.argv = ['kaoping', 'show', 'non_prosecution_rate', '--organ', '110000',"
        " '--period', '2020']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.__stdout__.write(json.dumps(['pydantic_settings' in sys.modules,"
        " 'kaoping.catalogue' in sys.modules]))\n"
    )
    env = {**_env(), "KAOPING_DB": str(tmp_path / "none.duckdb")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "no warehouse at" in done.stderr, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, True]


def test_the_consoles_print_colons_as_written() -> None:
    """No emoji codes: an organ's or a user's ":name:" is printed as it is."""
    from kaoping.cli.app import console, err_console

    for c in (console, err_console):
        with c.capture() as captured:
            c.print("组织:smile: 21:05 :warning:", highlight=False)
        assert captured.get().strip() == "组织:smile: 21:05 :warning:"
