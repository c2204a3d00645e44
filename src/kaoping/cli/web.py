"""``kaoping serve`` and ``kaoping users``: the web dashboard and its logins.

Thin: the application is :func:`kaoping.web.create_app`, users are
:mod:`kaoping.web.users`. A password is read from standard input when it is not a
terminal (``echo secret | kaoping users add ...``), else asked for twice, hidden.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kaoping.cli.app import DbOption, app, console, fail, resolve_db

AppDbOption = Annotated[
    str | None,
    typer.Option(
        "--app-db",
        help="SQLAlchemy URL of the application database "
        "[env: KAOPING_APP_DB; default sqlite:///kaoping-app.db]",
    ),
]

users_app = typer.Typer(help="Manage the logins of the web dashboard.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8457,
    db: DbOption = None,
    app_db: AppDbOption = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each reads the warehouse).")
    ] = 1,
) -> None:
    """Start the web dashboard and HTTP API (http://127.0.0.1:8457 by default).

    It keeps serving while `kaoping import` and `kaoping compute` run: each request reads
    the version published when it arrived (see docs/operations.md)."""
    import os

    from kaoping.settings import get_settings
    from kaoping.web.app import create_app
    from kaoping.web.config import SECRET_ENV, resolve_secret
    from kaoping.web.server import serve as run
    from kaoping.web.server import serve_workers

    path = resolve_db(db)
    if not path.exists():
        raise fail(f"no warehouse at {path}: run `kaoping demo` (or import and compute) first, "
                   "or pass --db FILE")
    if workers > 1:
        url = app_db or get_settings().app_db
        # every worker builds its app from the environment; the secret is settled here so
        # that the workers do not race to create its file
        os.environ.update({"KAOPING_DB": str(path.resolve()), "KAOPING_APP_DB": url,
                           SECRET_ENV: resolve_secret(url).decode()})
        create_app(db=path, app_db=url)  # creates the application tables once
        console.print(f"kaoping web on [bold]http://{host}:{port}/[/] with {workers} workers "
                      f"(warehouse {path}; Ctrl-C stops)")
        serve_workers(workers, host=host, port=port)
        return
    application = create_app(db=path, app_db=app_db)
    console.print(f"kaoping web on [bold]http://{host}:{port}/[/]  (warehouse {path}; "
                  "API schema at /api/openapi.json; Ctrl-C stops)")
    run(application, host=host, port=port)


def demo_logins(db: Path, app_db: str | None = None) -> list[Any]:
    """One login per role for the demo, created (or reset) and printed as a table."""
    from kaoping.web.demo import create_demo_users
    from kaoping.web.users import UserError

    try:
        users = create_demo_users(db, app_db)
    except UserError as exc:
        raise fail(str(exc)) from None
    table = Table("user", "password", "role", "organ", "prosecutor",
                  title="demo logins (synthetic data only)")
    for u in users:
        table.add_row(u.username, u.password, u.role, u.organ_code or "(national)",
                      u.prosecutor_id or "")
    console.print(table)
    return list(users)


def serve_demo(
    db: Path, app_db: str | None = None, *, host: str = "127.0.0.1", port: int = 8457
) -> None:
    """The last step of ``kaoping demo``: one login per role, printed, then the server."""
    from kaoping.web.app import create_app
    from kaoping.web.server import serve as run

    users = demo_logins(db, app_db)
    application = create_app(db=db, app_db=app_db)
    console.print(f"Open [bold]http://{host}:{port}/[/] and log in as [bold]{users[1].username}"
                  f"[/] / [bold]{users[1].password}[/] (Ctrl-C stops the server).")
    run(application, host=host, port=port)


def _read_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _check_subjects(db: Path, organ: str | None, prosecutor: str | None) -> str | None:
    """Check organ and prosecutor against the warehouse; returns the prosecutor's organ."""
    from kaoping.warehouse import opened

    if not db.exists():
        console.print(f"[yellow]warning:[/] no warehouse at {db}: organ and prosecutor not "
                      "checked")
        return organ
    with opened(db, read_only=True) as con:
        if organ is not None:
            row = con.execute("SELECT 1 FROM organs WHERE organ_code = ?", [organ]).fetchone()
            if row is None:
                raise fail(f"no organ {organ!r} in the warehouse {db}")
        if prosecutor is not None:
            row = con.execute("SELECT organ_code FROM prosecutors WHERE prosecutor_id = ?",
                              [prosecutor]).fetchone()
            if row is None:
                raise fail(f"no prosecutor {prosecutor!r} in the warehouse {db}")
            if organ is not None and organ != row[0]:
                raise fail(f"prosecutor {prosecutor!r} belongs to organ {row[0]!r}, "
                           f"not {organ!r}")
            return str(row[0])
    return organ


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help="admin, officer, leader or prosecutor.")],
    organ: Annotated[
        str | None, typer.Option("--organ", help="The user's organ (officer, leader).")
    ] = None,
    prosecutor: Annotated[
        str | None,
        typer.Option("--prosecutor", help="The prosecutor id (role prosecutor)."),
    ] = None,
    db: DbOption = None,
    app_db: AppDbOption = None,
) -> None:
    """Create a user; the password comes from standard input (or a hidden prompt)."""
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web.users import Role, UserError, create_user

    if role not in {r.value for r in Role}:
        raise fail(f"unknown role {role!r}: use admin, officer, leader or prosecutor")
    organ = _check_subjects(resolve_db(db), organ, prosecutor)
    password = _read_password()
    engine = make_engine(app_db)
    try:
        with session_scope(engine) as session:
            user = create_user(session, name, password, role, organ_code=organ,
                               prosecutor_id=prosecutor)
            where = user.organ_code or "national"
    except UserError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    console.print(f"created user [bold]{name}[/] ({role}, organ {where})")


@users_app.command("list")
def users_list(app_db: AppDbOption = None) -> None:
    """List the users: name, role, organ, prosecutor id (never passwords)."""
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web.users import list_users

    engine = make_engine(app_db)
    table = Table("user", "role", "organ", "prosecutor", "active")
    try:
        with session_scope(engine) as session:
            for u in list_users(session):
                table.add_row(u.username, u.role, u.organ_code or "(national)",
                              u.prosecutor_id or "", "yes" if u.active else "no")
    finally:
        engine.dispose()
    console.print(table)


def _account(name: str, app_db: str | None, action: str, event: str) -> None:
    """Apply one account change (``action``: passwd, disable, enable, remove, revoke) to
    user ``name`` and record it in the login audit trail."""
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web.audit import log_auth
    from kaoping.web.users import UserError, change_account

    password = _read_password() if action == "passwd" else ""
    engine = make_engine(app_db)
    try:
        with session_scope(engine) as session:
            change_account(session, name, action, password)
        log_auth(engine, event, name, channel="cli", detail=f"kaoping users {action}")
    except UserError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="Login name.")], app_db: AppDbOption = None
) -> None:
    """Set a new password (standard input or a hidden prompt); every token and session of
    the user is revoked."""
    _account(name, app_db, "passwd", "password_changed")
    console.print(f"new password set for [bold]{name}[/]; every login of it was ended")


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="Login name.")], app_db: AppDbOption = None
) -> None:
    """Refuse the user's logins and revoke his tokens and sessions at once."""
    _account(name, app_db, "disable", "disabled")
    console.print(f"disabled [bold]{name}[/]; every login of it was ended")


@users_app.command("enable")
def users_enable(
    name: Annotated[str, typer.Argument(help="Login name.")], app_db: AppDbOption = None
) -> None:
    """Allow a disabled user to log in again (old tokens stay revoked)."""
    _account(name, app_db, "enable", "enabled")
    console.print(f"enabled [bold]{name}[/]")


@users_app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument(help="Login name.")], app_db: AppDbOption = None
) -> None:
    """Delete the user; his tokens and sessions stop working at once."""
    _account(name, app_db, "remove", "removed")
    console.print(f"removed [bold]{name}[/]")


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="Login name.")], app_db: AppDbOption = None
) -> None:
    """End every session and revoke every API token of the user (a stolen token, a lost
    laptop) without changing his password."""
    _account(name, app_db, "revoke", "tokens_revoked")
    console.print(f"revoked every token and session of [bold]{name}[/]")
