"""The Typer application object every command module registers on.

Commands live in one module per area (``data``, ``ingest``, ``indicators`` ...) so that each
stays thin: it parses options and calls the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kaoping.settings import get_settings

app = typer.Typer(
    name="kaoping",
    help="kaoping (考评): measure and appraise the performance of a prosecution service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file [env: KAOPING_DB; default kaoping.duckdb]"),
]


def resolve_db(db: Path | None) -> Path:
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


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """kaoping (考评): measure and appraise the performance of a prosecution service."""
    if version:
        from kaoping import __version__

        console.print(f"kaoping {__version__}")
        raise typer.Exit()
