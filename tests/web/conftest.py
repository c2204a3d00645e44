"""One generated warehouse and one application database, shared by every web test.

The warehouse is built the way a user builds one -- generate, import, compute -- from a
small national dataset (30,000 persons, 2019-2020; every real organ, so the hierarchy is
the real one). To keep the suite quick only the indicators the pages lead with are
computed (:data:`COMPUTED`); everything else is computed on the fly where asked for.
Under pytest-xdist the build happens once, behind a file lock, and every worker reads it.

The users, one per role plus the neighbours the scope tests need, are attached to the
busiest chain of organs (:func:`kaoping.web.demo.pick_demo_subjects`)::

    national (admin)
    ├── province A  (officer_a)         province B (officer_b: A's sibling)
    │   ├── municipal M (leader_m)      municipal M2 (leader_m2: M's sibling)
    │   │   └── grassroots G (leader_g) — prosecutors P (prosecutor) and P2 (prosecutor2)
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.helpers import build_warehouse

PASSWORD = "test-password-1"
SECRET = "web-tests-secret-not-for-production"
PERSONS = 30_000
SEED = 11
COMPUTED = (
    "non_arrest_rate",
    "non_prosecution_rate",
    "pretrial_detention_rate",
    "case_proceeding_ratio",
    "plea_leniency_rate",
    "sentencing_recommendation_adoption_rate",
    "minor_conditional_non_prosecution_rate",
    "persons_prosecuted",
    "avg_prosecution_review_days",
)
INDICATOR = "non_arrest_rate"
PERIOD = "2020"


@dataclass(frozen=True)
class Subjects:
    national: str
    province_a: str
    province_b: str
    municipal_m: str
    municipal_m2: str
    grassroots_g: str
    prosecutor_p: str
    prosecutor_p2: str
    prosecutor_elsewhere: str


def _build(root: Path) -> None:
    build_warehouse(root, persons=PERSONS, seed=SEED, indicators=COMPUTED, years=(2019, 2020),
                    db_name="web.duckdb")
    (root / "subjects.json").write_text(json.dumps(asdict(_subjects(root / "web.duckdb"))))
    (root / "done").write_text("ok")


def _subjects(db: Path) -> Subjects:
    from kaoping.warehouse import opened
    from kaoping.web.demo import pick_demo_subjects

    s = pick_demo_subjects(db)
    with opened(db, read_only=True) as con:
        def child_other_than(parent: str, not_this: str) -> str:
            row = con.execute(
                "SELECT organ_code FROM organs WHERE parent_code = ? AND organ_code <> ? "
                "ORDER BY organ_code LIMIT 1", [parent, not_this]).fetchone()
            assert row is not None, f"organ {parent} has a single child"
            return str(row[0])

        p2 = con.execute(
            "SELECT prosecutor_id FROM prosecutors WHERE organ_code = ? AND prosecutor_id <> ? "
            "ORDER BY 1 LIMIT 1", [s.grassroots, s.prosecutor]).fetchone()
        province_b = child_other_than(s.national, s.province)
        far = con.execute(
            "SELECT p.prosecutor_id FROM persons p WHERE p.organ_code LIKE ? AND "
            "p.prosecutor_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [province_b[:2] + "%"]).fetchone()
        municipal_m2 = child_other_than(s.province, s.municipal)
    assert p2 is not None and far is not None
    return Subjects(s.national, s.province, province_b, s.municipal, municipal_m2,
                    s.grassroots, s.prosecutor, str(p2[0]), str(far[0]))


@pytest.fixture(scope="session")
def web_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory holding the shared warehouse (built once for all xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "kaoping-web"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (shared / "done").exists():
                _build(shared)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return shared


@pytest.fixture(scope="session")
def warehouse(web_root: Path) -> Path:
    return web_root / "web.duckdb"


@pytest.fixture(scope="session")
def subjects(web_root: Path) -> Subjects:
    return Subjects(**json.loads((web_root / "subjects.json").read_text()))


@pytest.fixture(scope="session")
def app_db(tmp_path_factory: pytest.TempPathFactory, subjects: Subjects) -> str:
    """A fresh application database (per worker) with one user per role and neighbours."""
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web.users import create_user

    url = f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'app.db'}"
    s = subjects
    users: list[tuple[str, str, str | None, str | None]] = [
        ("admin", "admin", None, None),
        ("officer_a", "officer", s.province_a, None),
        ("officer_b", "officer", s.province_b, None),
        ("leader_m", "leader", s.municipal_m, None),
        ("leader_m2", "leader", s.municipal_m2, None),
        ("leader_g", "leader", s.grassroots_g, None),
        ("prosecutor", "prosecutor", s.grassroots_g, s.prosecutor_p),
        ("prosecutor2", "prosecutor", s.grassroots_g, s.prosecutor_p2),
    ]
    engine = make_engine(url)
    with session_scope(engine) as session:
        for name, role, organ, pid in users:
            create_user(session, name, PASSWORD, role, organ_code=organ, prosecutor_id=pid)
    engine.dispose()
    return url


@dataclass(frozen=True)
class Runs:
    """Appraisal runs stored in the app DB, and an objection the prosecutor lodged."""

    prosecutors_g: int  # the prosecutors of grassroots organ G
    organs_m: int  # the grassroots organs below municipal organ M
    organs_b: int  # the grassroots organs below province B
    objection: int  # by "prosecutor" against his result in prosecutors_g


def make_runs(app_db: str, warehouse: Path, s: Subjects, *, organs: bool = True) -> Runs:
    """The runs of :class:`Runs` (without ``organs``, only the prosecutors' run: 0 for the
    others) and the prosecutor's objection."""
    import kaoping.appraisal as ap
    from kaoping.appdb import make_engine

    engine = make_engine(app_db)
    try:
        pros = ap.run_appraisal(warehouse, ap.load_scheme("prosecutors"), PERIOD, engine,
                                organ=s.grassroots_g, user="officer_a")
        m = b = 0
        if organs:
            scheme = ap.load_scheme("organs")
            m = ap.run_appraisal(warehouse, scheme, PERIOD, engine, organ=s.municipal_m,
                                 user="officer_a").run_id
            b = ap.run_appraisal(warehouse, scheme, PERIOD, engine, organ=s.province_b,
                                 user="officer_b").run_id
        o = ap.lodge_objection(engine, pros.run_id, s.prosecutor_p, user="prosecutor",
                               reason="my caseload is wrong", indicator=None)
    finally:
        engine.dispose()
    return Runs(pros.run_id, m, b, o.objection_id)


@pytest.fixture(scope="session")
def runs(app_db: str, warehouse: Path, subjects: Subjects) -> Runs:
    return make_runs(app_db, warehouse, subjects)


@pytest.fixture(scope="session")
def app(warehouse: Path, app_db: str) -> Iterator[FastAPI]:
    from kaoping.web import create_app

    application = create_app(db=warehouse, app_db=app_db, secret=SECRET)
    yield application
    application.state.kp.data.close()


@pytest.fixture(scope="session")
def client(app: FastAPI) -> TestClient:
    """An anonymous client; pass ``headers=auth[...]`` per request."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    """Bearer headers per user name."""
    out = {}
    for name in ("admin", "officer_a", "officer_b", "leader_m", "leader_m2", "leader_g",
                 "prosecutor", "prosecutor2"):
        r = client.post("/api/token", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return out


def page_client(app: FastAPI, username: str) -> TestClient:
    """A browser-like client logged in through the login form (session cookie)."""
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/login", data={"username": username, "password": PASSWORD},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


@pytest.fixture(scope="session")
def pages(app: FastAPI) -> dict[str, TestClient]:
    return {n: page_client(app, n) for n in ("admin", "officer_a", "leader_m", "prosecutor")}


def show_json(warehouse: Path, *args: str) -> dict[str, Any]:
    """``kaoping show ... --json`` through the real command line."""
    from typer.testing import CliRunner

    from kaoping.cli import app as cli

    result = CliRunner().invoke(cli, ["show", *args, "--json", "--db", str(warehouse)],
                                env={**os.environ})
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out
