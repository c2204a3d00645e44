"""The Typer application object every command module registers on.

Commands live in one module per area (``data``, ``ingest``, ``indicators`` ...) so that each
stays thin: it parses options and calls the library.

Start-up is kept cheap on purpose: ``kaoping --help``, ``--version`` and every command pay
for importing all command modules, so those modules import only Typer and Rich at module
level and pull in pandas, DuckDB, Ibis, pydantic-settings and the library inside the
command functions (``tests/test_cli_startup.py`` pins this).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="kaoping",
    help="kaoping (考评): measure and appraise the performance of a prosecution service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # Click hands these to every sub-context, so `-h` works on each command and group too.
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file [env: KAOPING_DB; default kaoping.duckdb]"),
]


def resolve_db(db: Path | None) -> Path:
    # pydantic-settings costs a third of a second to import: only commands that need it pay.
    from kaoping.settings import get_settings

    return db if db is not None else get_settings().db


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise.

    The message is text, never markup (it may quote a user's header or value), and is not
    wrapped, so a path in it can be copied."""
    from rich.text import Text

    err_console.print(
        Text.assemble(("error:", "bold red"), " " + message), highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


def _print_version(value: bool) -> None:
    """Print the version and stop, before Click asks for a command.

    Eager, as a callback of the option: a plain flag of the root callback is only seen once
    a subcommand has been given, so `kaoping --version` alone answered "Missing command".
    """
    if value:
        from kaoping import __version__

        console.print(f"kaoping {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
            expose_value=True,
        ),
    ] = False,
) -> None:
    """kaoping (考评): measure and appraise the performance of a prosecution service."""
