"""``kaoping versions``, ``rollback``, ``backup`` and ``restore``: the warehouse's life cycle.

Every import and computation publishes a new version of the warehouse file and keeps the
one it replaced (:mod:`kaoping.versions`); these commands list the kept versions, put
one back, and copy the warehouse and the application database aside. See
docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kaoping.cli.app import DbOption, app, console, fail, resolve_db


def _describe(path: Path) -> str:
    """The data version and the last computation of a warehouse file, in one line."""
    from kaoping.engine.freshness import freshness
    from kaoping.warehouse import connect

    try:
        con = connect(path, read_only=True)
    except Exception as exc:  # a damaged or foreign file: say so, do not stop the listing
        return f"unreadable ({exc.__class__.__name__})"
    try:
        f = freshness(con)
    finally:
        con.close()
    computed = f.computed_at.isoformat(" ", "seconds") if f.computed_at else "never"
    stale = " (figures older than the data)" if f.stale else ""
    return f"data version {f.data_version}, computed {computed}{stale}"


@app.command()
def versions(db: DbOption = None) -> None:
    """List the published warehouse and the earlier versions kept for a roll-back."""
    from rich.table import Table

    from kaoping.versions import list_versions

    path = resolve_db(db)
    if not path.exists():
        raise fail(f"no warehouse at {path}")
    table = Table("#", "replaced at", "size", "state", title=f"versions of {path}")
    table.add_row("current", "—", f"{path.stat().st_size / 1e6:,.1f} MB", _describe(path))
    for i, v in enumerate(list_versions(path), start=1):
        table.add_row(
            str(i), v.replaced_at.isoformat(" ", "seconds"), f"{v.size / 1e6:,.1f} MB",
            _describe(v.path),
        )
    console.print(table)
    console.print("`kaoping rollback` puts version 1 back (`--to N` another).", highlight=False)


@app.command()
def rollback(
    to: Annotated[
        int, typer.Option("--to", min=1, help="Which kept version (see `versions`).")
    ] = 1,
    db: DbOption = None,
) -> None:
    """Publish an earlier version of the warehouse again (data and figures as they were).

    The current version is kept too, so a roll-back can itself be rolled back."""
    from kaoping.versions import list_versions, restore

    path = resolve_db(db)
    kept = list_versions(path)
    if not kept:
        raise fail(f"no earlier version of {path} is kept (see docs/operations.md)")
    if to > len(kept):
        raise fail(f"only {len(kept)} earlier versions are kept; use --to 1 … {len(kept)}")
    chosen = kept[to - 1]
    restore(chosen.path, path)
    console.print(
        f"published the version replaced at {chosen.replaced_at:%Y-%m-%d %H:%M:%S} as {path}; "
        "readers (the dashboard too) switch at their next request", highlight=False
    )


@app.command()
def backup(
    dest: Annotated[Path, typer.Argument(help="A directory to write the copies into.")],
    db: DbOption = None,
    app_db: Annotated[
        str | None, typer.Option("--app-db", help="Application database URL [env KAOPING_APP_DB]")
    ] = None,
) -> None:
    """Copy the warehouse and the (SQLite) application database into DEST, consistently,
    while the server keeps running."""
    import shutil
    import sqlite3

    from kaoping.settings import get_settings
    from kaoping.versions import FILE_MODE

    path = resolve_db(db)
    if not path.exists():
        raise fail(f"no warehouse at {path}")
    dest.mkdir(parents=True, exist_ok=True)
    # the published file is never written in place, so a plain copy is consistent
    target = dest / path.name
    shutil.copyfile(path, target)
    target.chmod(FILE_MODE)
    console.print(f"warehouse → {target}", highlight=False)
    url = app_db or get_settings().app_db
    prefix = "sqlite:///"
    if url.startswith(prefix):
        source = Path(url[len(prefix):])
        if source.exists():
            out = dest / source.name
            # SQLite's online backup: consistent even while the server writes
            with sqlite3.connect(source) as src, sqlite3.connect(out) as dst:
                src.backup(dst)
            out.chmod(0o600)
            console.print(f"application database → {out}", highlight=False)
    else:
        console.print(
            "the application database is not SQLite: back it up with its own tools "
            "(PostgreSQL: pg_dump), see docs/operations.md", highlight=False
        )


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A warehouse file (e.g. from `kaoping backup`).")],
    db: DbOption = None,
) -> None:
    """Publish a backed-up warehouse file as the warehouse (the current one is kept among
    the versions)."""
    from kaoping.versions import restore as publish

    path = resolve_db(db)
    check = _describe(source) if source.exists() else ""
    if not source.exists() or check.startswith("unreadable"):
        raise fail(f"{source}: not a readable warehouse file {check}".strip())
    publish(source, path)
    console.print(f"restored {source} as {path}: {check}", highlight=False)
