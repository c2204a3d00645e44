"""The Typer application object every command module registers on.

Commands live in one module per area (``data``, ``ingest``, ``indicators`` ...) so that each
stays thin: it parses options and calls the library.

Start-up is kept cheap on purpose: the root group imports a command's module only when
that command is run (:mod:`kaoping.cli.lazy`), and ``kaoping --help`` and ``--version``
import none of them, nor Rich; the modules themselves import only Typer and Rich at
module level and pull in pandas, DuckDB, Ibis, pydantic-settings and the library inside
the command functions (``tests/test_cli_startup.py`` pins this).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kaoping.cli.lazy import LazyGroup

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="kaoping",
    cls=LazyGroup,
    help="kaoping (考评): measure and appraise the performance of a prosecution service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # Click hands these to every sub-context, so `-h` works on each command and group too.
    context_settings={"help_option_names": ["-h", "--help"]},
)


@cache
def _console(stderr: bool) -> Console:
    # no emoji codes: a ":name:" in a user's data stays as written, and rich's table of
    # emoji (75 ms to import) is not loaded by the first line printed
    from rich.console import Console

    return Console(stderr=stderr, emoji=False)


if TYPE_CHECKING:
    console: Console
    err_console: Console
else:

    def __getattr__(name: str) -> Console:
        """``console`` and ``err_console``, made when a command module first imports
        them: ``kaoping --help`` does not import Rich."""
        if name in ("console", "err_console"):
            return _console(name == "err_console")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Lang(StrEnum):
    """The languages every command writes in."""

    zh = "zh"
    en = "en"


#: ``--lang`` of every command: the same name, type, default and help everywhere
LangOption = Annotated[Lang, typer.Option("--lang", help="Language: zh (default) or en.")]

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file [env: KAOPING_DB; default kaoping.duckdb]"),
]


def resolve_db(db: Path | None) -> Path:
    # pydantic-settings costs a tenth of a second to import: the warehouse's path is read
    # from the environment without it
    from kaoping.warehouse import warehouse_path

    return db if db is not None else warehouse_path()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error the user can act on and return the exit to raise.

    The message is text, never markup (it may quote a user's header or value), and is not
    wrapped, so a path in it can be copied."""
    from rich.text import Text

    _console(True).print(
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

        typer.echo(f"kaoping {__version__}")  # plain text: Rich is not needed for it
        raise typer.Exit()


def _select_model(ctx: typer.Context, model: Path | None) -> None:
    """Make ``--model`` the active model for the command, through ``KAOPING_MODEL`` -- the
    one seam every part of kaoping (and every process it starts) reads -- and check the
    file now, so that a mistake in it is reported once, not as a failure deep in an
    import. ``kaoping model check`` reports its own file's mistakes."""
    import os

    if model is not None:
        previous = os.environ.get("KAOPING_MODEL")
        os.environ["KAOPING_MODEL"] = str(model)

        def restore() -> None:
            if previous is None:
                os.environ.pop("KAOPING_MODEL", None)
            else:
                os.environ["KAOPING_MODEL"] = previous

        ctx.call_on_close(restore)
    if os.environ.get("KAOPING_MODEL", "").strip() and ctx.invoked_subcommand != "model":
        from kaoping.model.errors import ModelError
        from kaoping.model.selection import active

        try:
            active()
        except ModelError as exc:
            raise fail(str(exc)) from None


@app.callback()
def _root(
    ctx: typer.Context,
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
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Data-model file (docs/model.md) [env: KAOPING_MODEL; default: the default model]",
        ),
    ] = None,
) -> None:
    """kaoping (考评): measure and appraise the performance of a prosecution service."""
    _select_model(ctx, model)
