"""The command line starts cheaply, `--version` and `-h` work (issue 10, items 6 and 7).

A command's module is imported only when that command runs (:mod:`kaoping.cli.lazy`), and
`kaoping --help` lists the commands from a table without importing any (issue 12). The
time itself is measured by ``benchmarks/cli_latency.py``; these tests pin the structure
that makes it short: importing :mod:`kaoping.cli` loads none of the heavy libraries,
`--help` loads no command module nor Rich nor pydantic, `show` loads its own module alone,
and the table says what the commands' own help says. The import checks run in a fresh
interpreter, because this test process has long imported everything.
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
from kaoping.cli.lazy import COMMANDS, Commands

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

#: the command modules, each imported only when one of its commands runs
COMMAND_MODULES = sorted({entry.module for entry in COMMANDS.values()})

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


def _loaded_after(argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The modules loaded by running `kaoping ARGV` in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from kaoping.cli import main\n"
        f"sys.argv = ['kaoping', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.__stdout__.write('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env or _env(), capture_output=True, text=True,
        timeout=120,
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"], []])
def test_help_and_version_load_no_command_module(argv: list[str]) -> None:
    """Listing the commands imports none of them, nor Rich (the consoles are made when a
    command module asks for them) nor pydantic (Typer's parameter coercion)."""
    loaded = _loaded_after(argv)
    assert [m for m in loaded if m in COMMAND_MODULES] == []
    assert [m for m in loaded if m.split(".")[0] in ("rich", "pydantic", "yaml")] == []
    assert [m for m in HEAVY if m in loaded] == []


def test_the_command_table_names_every_command_and_its_module() -> None:
    """:data:`COMMANDS` lists every root command, in the order they are registered when
    the modules are imported as they once all were, each with the module defining it."""
    import importlib

    for module in COMMAND_MODULES:
        importlib.import_module(module)
    registered = [
        info.name or typer.main.get_command_name(info.callback.__name__)
        for info in app.registered_commands
        if info.callback is not None
    ] + [str(group.name) for group in app.registered_groups]
    assert sorted(registered) == sorted(COMMANDS)
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        assert info.callback.__module__ == COMMANDS[name].module, name
    for group in app.registered_groups:  # the sub-app is an attribute of the module named
        module = importlib.import_module(COMMANDS[str(group.name)].module)
        assert any(v is group.typer_instance for v in vars(module).values()), group.name


@pytest.mark.parametrize("width", [50, 80, 120, 200])
def test_help_lists_the_commands_as_their_own_help_does(width: int) -> None:
    """`kaoping --help` from the table is what it is with every command built: each line
    is the first paragraph of the command's own help, cut where Click cuts it."""
    import importlib

    for module in COMMAND_MODULES:
        importlib.import_module(module)
    built = typer.main.get_command(app)
    assert isinstance(built.commands, Commands)
    assert all(built.commands.built(name) is not None for name in COMMANDS)
    ctx = built.make_context("kaoping", [], resilient_parsing=True, terminal_width=width)
    from_commands = built.get_help(ctx)
    built.commands = Commands({})  # nothing built: the table's help
    from_table = built.get_help(ctx)
    assert from_table == from_commands
    assert all(f"  {name}  " in from_table or f"  {name} " in from_table for name in COMMANDS)


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
    the catalogue loaded -- without importing pydantic-settings (a tenth of a second),
    and of the command modules imports its own alone."""
    code = (
        "import json, sys\n"
        "from kaoping.cli import main\n"
        "sys.argv = ['kaoping', 'show', 'non_prosecution_rate', '--organ', '110000',"
        " '--period', '2020']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.__stdout__.write(json.dumps(['pydantic_settings' in sys.modules,"
        " 'kaoping.catalogue' in sys.modules,"
        " sorted(m for m in sys.modules if m.startswith('kaoping.cli.'))]))\n"
    )
    env = {**_env(), "KAOPING_DB": str(tmp_path / "none.duckdb")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "no warehouse at" in done.stderr, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        False, True, ["kaoping.cli.app", "kaoping.cli.engine", "kaoping.cli.lazy"]
    ]


def test_an_unknown_command_is_still_told_the_nearest() -> None:
    """Typer suggests a near name from the group's commands, built or not."""
    done = _python("-m", "kaoping", "shw")
    assert done.returncode == 2
    assert "No such command 'shw'. Did you mean 'show'?" in done.stderr


def test_the_consoles_print_colons_as_written() -> None:
    """No emoji codes: an organ's or a user's ":name:" is printed as it is."""
    from kaoping.cli.app import console, err_console

    for c in (console, err_console):
        with c.capture() as captured:
            c.print("组织:smile: 21:05 :warning:", highlight=False)
        assert captured.get().strip() == "组织:smile: 21:05 :warning:"
