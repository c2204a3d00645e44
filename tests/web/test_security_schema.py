"""The OpenAPI schema says what the server does (issue 17): property-based, by schemathesis.

Every operation of ``/api/openapi.json`` is called with generated values -- valid ones and
invalid ones -- as an administrator and as a prosecutor, and every answer is checked: no
5xx, status codes, media types, headers (``Allow`` of a 405 included) and bodies as the
schema documents them. Bounded: a few examples per operation, about a minute in all. Runs
on its own application database, because the generated POSTs lodge objections and enter
items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

from kaoping.appdb import make_engine, session_scope
from kaoping.web import create_app
from kaoping.web.users import create_user

from .conftest import PASSWORD, SECRET, Subjects, make_runs

#: examples per operation and role: ~30 operations x 2 roles x this stays a few hundred
EXAMPLES = 4


@pytest.fixture(scope="module")
def schema_app(
    tmp_path_factory: pytest.TempPathFactory, warehouse: Path, subjects: Subjects
) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as s:
        create_user(s, "admin", PASSWORD, "admin")
        create_user(s, "prosecutor", PASSWORD, "prosecutor", organ_code=subjects.grassroots_g,
                    prosecutor_id=subjects.prosecutor_p)
    engine.dispose()
    make_runs(url, warehouse, subjects, organs=False)
    app = create_app(db=warehouse, app_db=url, secret=SECRET)
    yield app
    app.state.kp.data.close()
    app.state.kp.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(schema_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", schema_app)


@pytest.fixture(scope="module")
def bearer(schema_app: FastAPI) -> dict[str, dict[str, str]]:
    c = TestClient(schema_app)
    out = {}
    for user in ("admin", "prosecutor"):
        r = c.post("/api/token", json={"username": user, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return out


schema = schemathesis.pytest.from_fixture("api_schema")

_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck),
                     phases=[Phase.explicit, Phase.generate])


_RANGE = re.compile(r"^(\d{4})-(\d{1,2}) ?\.\. ?(\d{4})-(\d{1,2})$")


def _reversed_range(case: Any) -> bool:
    """A range of months that ends before it starts matches the period pattern (a regular
    expression cannot compare dates) and is answered 400 as documented; test_bad_params
    checks that answer, here it would read as a valid value refused."""
    period = str((case.query or {}).get("period") or "")
    m = _RANGE.match(period)
    if m is None:
        return False
    return (int(m[3]), int(m[4])) < (int(m[1]), int(m[2]))


def _nothing_to_compare(case: Any) -> bool:
    """The what-if needs scheme ``b`` or changes ``set``, which a schema cannot require
    (one of two optional parameters): without either it is answered 400 as documented
    (test_compare_page checks that answer)."""
    query = case.query or {}
    return case.path == "/api/appraisal/compare" and not query.get("b") and not query.get("set")


def _call(case: Any, headers: dict[str, str]) -> None:
    if case.path in ("/api/token", "/api/logout"):
        # generated guesses would only lock the accounts, a logout would end the run's
        # token: both are tested in test_security_logins
        return
    if _reversed_range(case) or _nothing_to_compare(case):
        return
    case.call_and_validate(headers=headers)


@schema.parametrize()
@_SETTINGS
def test_the_api_as_an_administrator(case: Any, bearer: dict[str, dict[str, str]]) -> None:
    _call(case, bearer["admin"])


@schema.parametrize()
@_SETTINGS
def test_the_api_as_a_prosecutor(case: Any, bearer: dict[str, dict[str, str]]) -> None:
    _call(case, bearer["prosecutor"])


def test_the_schema_states_the_period_grammar_and_the_report_types(
    schema_app: FastAPI,
) -> None:
    doc = TestClient(schema_app).get("/api/openapi.json").json()
    op = doc["paths"]["/api/organs/{organ_code}/indicators/{indicator}"]["get"]
    period = next(p for p in op["parameters"] if p["name"] == "period")
    pattern = str(period["schema"].get("pattern") or period["schema"]["anyOf"][0]["pattern"])
    for good in ("2020", "2020-H1", "2020-q3", "2020-06", "2020-1", "2020-01..2020-09"):
        assert re.match(pattern, good), good
    for bad in ("2020-Q7", "20x0", "2020-13", "2020-H3", "2020 ", "x", "0000"):
        assert not re.match(pattern, bad), bad
    report = doc["paths"]["/api/organs/{organ_code}/report"]["get"]["responses"]["200"]
    assert set(report["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/pdf",
    }


def test_a_405_lists_every_allowed_method(schema_app: FastAPI) -> None:
    c = TestClient(schema_app, raise_server_exceptions=False)
    r = c.delete("/login")
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD",
                                                                             "POST"}
    r = c.put("/api/token")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.headers["x-frame-options"] == "DENY"


def test_an_unhandled_error_keeps_the_connection_and_the_headers(
    warehouse: Path, tmp_path: Path
) -> None:
    """A bug in a route becomes a 500 with the security headers, and is not re-raised
    (which would close the keep-alive connection)."""
    app = create_app(db=warehouse, app_db=f"sqlite:///{tmp_path / 'app.db'}", secret=SECRET)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    app.add_api_route("/broken", broken)
    try:
        c = TestClient(app, raise_server_exceptions=True)  # a re-raise would fail here
        for path in ("/api/broken", "/broken"):
            r = c.get(path)
            assert r.status_code == 500
            assert "a bug" not in r.text and "internal error" in r.text
            assert r.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers.get("connection") != "close"
    finally:
        app.state.kp.data.close()
