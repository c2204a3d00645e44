"""``kaoping model check``: read a data-model file and report every mistake in it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kaoping.cli.app import app, fail

if TYPE_CHECKING:
    from kaoping.model.types import DataModel

model_app = typer.Typer(
    help="The data model: tables, columns, enumerations (docs/model.md).", no_args_is_help=True
)
app.add_typer(model_app, name="model")


def summary(model: DataModel) -> str:
    """One line saying what the model holds, so a user sees that his additions arrived."""
    columns = sum(len(t.columns) for t in model.tables.values())
    base = f" (extends {model.extends})" if model.extends else ""
    languages = ", ".join(model.languages) or "any"
    required = ", ".join(model.required_languages) or "none"
    levels = len(model.hierarchy.levels) if model.hierarchy else 0
    return (
        f"model {model.name}{base}: {len(model.tables)} tables, {columns} columns, "
        f"{len(model.enumerations)} enumerations, {levels} hierarchy levels; "
        f"languages {languages} (required: {required})"
    )


@model_app.command("check")
def check(
    path: Annotated[
        Path | None,
        typer.Argument(help="The model file; omitted, the active one (--model / KAOPING_MODEL)."),
    ] = None,
) -> None:
    """Check a model file: print "ok" and what it holds, or every error (exit 1)."""
    from kaoping.model.load import check_model
    from kaoping.model.selection import DEFAULT_FILE, DEFAULT_NAME, ENV

    if path is None:
        path = Path(os.environ.get(ENV, "").strip() or DEFAULT_NAME)
    model, problems = check_model(DEFAULT_FILE if str(path) == DEFAULT_NAME else path)
    for p in problems:
        typer.echo(str(p), err=True)
    if model is None:
        n = len(problems)
        raise fail(f"{n} error{'s' if n != 1 else ''} in the data model {path}")
    if model.suppression is not None:  # checked here: the model knows nothing of publishing
        from kaoping.publication.rules import RulesError, rules_from

        try:
            rules_from(dict(model.suppression), f"{path} (suppression:)", {},
                       prefix=("suppression",))
        except RulesError as exc:
            typer.echo(str(exc), err=True)
            raise fail(f"the suppression rules of the data model {path} are wrong") from None
    typer.echo(f"ok: {summary(model)}")
