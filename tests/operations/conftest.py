"""A throwaway PostgreSQL server for the tests that run kaoping on PostgreSQL.

kaoping keeps its application state (users, appraisal runs, objections, audit) in
SQLite by default and in PostgreSQL when ``KAOPING_APP_DB`` says so; the PostgreSQL path
is tested against a real server, started here in a temporary directory from Debian's
``postgresql`` package (``scripts/install-system-deps.sh`` installs it) and stopped at
the end of the session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kaoping.web.server import free_port


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: run scripts/install-system-deps.sh")
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="kaoping-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_postgres: list[str] = []
    if os.getuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def pg(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=120)

    pg(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "kaoping", "--no-sync")
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
       str(root / "log"), "start")
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=kaoping dbname=postgres",
                             autocommit=True) as con:
            con.execute("CREATE DATABASE kaoping_test")
        yield f"postgresql+psycopg://kaoping@127.0.0.1:{port}/kaoping_test"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
