"""``kaoping users add/list``, ``kaoping serve`` and the login pages: hashed passwords,
sessions, CSRF."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from kaoping.appdb import make_engine, session_scope
from kaoping.cli import app as cli
from kaoping.web.users import Role, User, authenticate, create_user, set_password

from .conftest import PASSWORD, Subjects, page_client


def _users(args: list[str], app_db: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["users", *args, "--app-db", app_db], input=stdin)
    return result.exit_code, result.output


def test_users_add_reads_the_password_from_stdin(
    tmp_path: Path, warehouse: Path, subjects: Subjects
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    code, out = _users(["add", "li", "--role", "officer", "--organ", subjects.province_a,
                        "--db", str(warehouse)], url, "s3cret-password\n")
    assert code == 0, out
    code, out = _users(["add", "wang", "--role", "prosecutor", "--prosecutor",
                        subjects.prosecutor_p, "--db", str(warehouse)], url, "another-pass\n")
    assert code == 0, out
    code, out = _users(["list"], url)
    assert code == 0 and "li" in out and subjects.prosecutor_p in out and "s3cret" not in out
    engine = make_engine(url)
    with session_scope(engine) as s:
        li = s.scalar(select(User).where(User.username == "li"))
        assert li is not None and li.password_hash.startswith("$argon2id$")
        wang = s.scalar(select(User).where(User.username == "wang"))
        assert wang is not None and wang.organ_code == subjects.grassroots_g  # from warehouse
        assert authenticate(s, "li", "s3cret-password") is not None
        assert authenticate(s, "li", "wrong") is None
    engine.dispose()


def test_users_add_explains_its_mistakes(
    tmp_path: Path, warehouse: Path, subjects: Subjects
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db = ["--db", str(warehouse)]
    cases = [
        (["add", "a1", "--role", "boss", *db], "unknown role"),
        (["add", "a2", "--role", "leader", *db], "--organ"),
        (["add", "a3", "--role", "prosecutor", *db], "--prosecutor"),
        (["add", "a4", "--role", "leader", "--organ", "999999", *db], "no organ"),
        (["add", "a5", "--role", "prosecutor", "--prosecutor", "NOPE", *db], "no prosecutor"),
    ]
    for args, words in cases:
        code, out = _users(args, url, "long-enough-password\n")
        assert code == 1 and words in out, (args, out)
    code, out = _users(["add", "short", "--role", "admin", *db], url, "abc\n")
    assert code == 1 and "at least 12" in out
    assert _users(["add", "dup", "--role", "admin", *db], url, "long-password\n")[0] == 0
    code, out = _users(["add", "dup", "--role", "admin", *db], url, "long-password\n")
    assert code == 1 and "exists already" in out


def test_password_change_revokes_tokens(client: TestClient, app: FastAPI) -> None:
    engine = app.state.kp.engine
    with session_scope(engine) as s:
        create_user(s, "temp_user", PASSWORD, Role.ADMIN)
    token = client.post("/api/token", json={"username": "temp_user", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == "temp_user"))
        assert user is not None
        set_password(s, user, "a-new-password")
    r = client.get("/api/me", headers=headers)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_login_page_sets_a_secure_session_cookie(app: FastAPI) -> None:
    c = TestClient(app, raise_server_exceptions=False)
    assert c.get("/", follow_redirects=False).headers["location"].startswith("/login")
    r = c.post("/login", data={"username": "leader_m", "password": "nope"})
    assert r.status_code == 401 and 'id="login-error"' in r.text
    r = c.post("/login", data={"username": "leader_m", "password": PASSWORD,
                               "next": "https://evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_logout_needs_the_csrf_token(app: FastAPI) -> None:
    c = page_client(app, "leader_m")
    assert c.post("/logout", data={"csrf": "forged"}).status_code == 403
    page = c.get("/audit").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    r = c.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_serve_refuses_a_missing_warehouse(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no warehouse" in result.output


def test_serve_answers_over_http(tmp_path: Path, warehouse: Path, app_db: str) -> None:
    """``kaoping serve`` as a user starts it: a process listening on the port it printed."""
    import subprocess
    import sys
    import time

    import httpx

    from kaoping.web.server import free_port

    port = free_port()
    env = {**os.environ, "KAOPING_SECRET_KEY": "cli-test"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kaoping", "serve", "--db", str(warehouse), "--app-db", app_db,
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/token",
                               json={"username": "leader_m", "password": PASSWORD})
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "kaoping serve did not start"
                time.sleep(0.3)
        assert r.status_code == 200 and r.json()["access_token"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_demo_logins_one_per_role(
    tmp_path: Path, warehouse: Path, subjects: Subjects, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What ``kaoping demo`` ends with: a login per role on the busiest chain, then serve."""
    import kaoping.web.server
    from kaoping.cli.web import serve_demo
    from kaoping.web.demo import DEMO_PASSWORD, create_demo_users

    url = f"sqlite:///{tmp_path / 'app.db'}"
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(kaoping.web.server, "serve",
                        lambda app, host, port: served.append((host, port)))
    monkeypatch.setenv("KAOPING_SECRET_KEY", "demo-test")
    serve_demo(warehouse, url, port=8999)
    assert served == [("127.0.0.1", 8999)]
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8999/" in out and DEMO_PASSWORD in out
    users = {u.role: u for u in create_demo_users(warehouse, url)}  # again: no duplicates
    assert set(users) == {"admin", "officer", "leader", "prosecutor"}
    assert users["officer"].organ_code == subjects.province_a
    assert users["leader"].organ_code == subjects.municipal_m
    assert users["prosecutor"].prosecutor_id == subjects.prosecutor_p


def test_demo_without_serving_ends_with_the_logins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kaoping demo --no-serve``, the quick look, end to end (the only test that runs
    the README's first command whole): it ends with a login per role, each of which logs
    in."""
    from typer.testing import CliRunner

    from kaoping.cli import app
    from kaoping.web.demo import DEMO_PASSWORD
    from kaoping.web.users import authenticate

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("KAOPING_SECRET_KEY", "demo-test")
    result = CliRunner().invoke(app, [
        "demo", "--persons", "1000", "--years", "2020", "--no-serve",
        "--data", str(tmp_path / "data"), "--db", str(tmp_path / "k.duckdb"), "--app-db", url,
    ])
    assert result.exit_code == 0, result.output
    tail = result.output[result.output.index("demo logins"):]
    assert DEMO_PASSWORD in tail and "kaoping serve" in tail
    for role in ("admin", "officer", "leader", "prosecutor"):
        assert role in tail
    from kaoping.appdb import make_engine, session_scope

    with session_scope(make_engine(url)) as session:
        logged_in = [authenticate(session, line.split()[1], DEMO_PASSWORD)
                     for line in tail.splitlines()
                     if line.startswith("│") and DEMO_PASSWORD in line]
    assert len(logged_in) == 4 and all(u is not None for u in logged_in), tail
