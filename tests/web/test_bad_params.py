"""Bad parameters get a 4xx with a message naming them, never a 500; the schema validates."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from .conftest import INDICATOR, Subjects
from .routes import PROTECTED, fill, query_params, route_id

API_GETS = [r for r in PROTECTED if r[0] == "GET" and r[1].startswith("/api")]
GETS = [r for r in PROTECTED if r[0] == "GET"]

#: values no parameter accepts, per parameter name, with the status expected
BAD_QUERY: dict[str, list[tuple[str, int | tuple[int, ...]]]] = {
    "period": [("2020-Q7", 400), ("20x0", 400), ("2020-13", 400), ("2020-06..2020-01", 400),
               ("9" * 40, 422)],
    "limit": [("0", 422), ("-1", 422), ("abc", 422), ("100000", 422)],
    "offset": [("-5", 422), ("x", 422)],
    "kind": [("decade", 422)],
    "side": [("middle", 422)],
    "bins": [("1", 422), ("1000", 422), ("many", 422)],
    "level": [("0", 422), ("9", 422), ("x", 422)],
    "below": [("perhaps", 422)],
    "done": [("perhaps", 422)],
    "parent": [("no-such-organ", 404)],
    "indicator": [("no_such_indicator", 404), ("bad id!", (404, 422))],
    "status": [("maybe", 422)],
    "lang": [("fr", 422)],
    "format": [("odt", 422), ("", 422)],
    "subject": [("x" * 80, 422)],
    "page": [("0", 422), ("x", 422)],
    "per_page": [("0", 422), ("501", 422), ("many", 422)],
    "q": [("x" * 200, 422)],
    "organ": [("no-such-organ", 404), ("bad code!", 422)],
    # an unknown grade keeps nothing in the API (200, total 0) and is a 400 on the page
    "grade": [("bad grade!", 422)],
    # the workflow pages (issue 13): a file's import id
    "file": [("not-hex!", 422), ("f" * 40, 422)],
    # the what-if (issue 16): schemes by name or run, changes to them
    "a": [("bad scheme!", 422), ("x" * 41, 422)],
    "b": [("bad scheme!", 422), ("x" * 41, 422)],
    "set": [("nonsense", 400)],
    "changes": [("x" * 2001, 422)],
    # breakdowns (issue 15): a categorical column of the indicator's records
    "by": [("no_such_column", 400), ("bad column!", 422), ("x" * 80, 422)],
}


def _values(s: Subjects, request: pytest.FixtureRequest, path: str, **over: str) -> dict[str, str]:
    out = {"organ_code": s.province_a, "prosecutor_id": s.prosecutor_p, "indicator": INDICATOR,
           "job_id": "0" * 32}
    if any(p in path for p in ("{run_id}", "{objection_id}")):
        runs = request.getfixturevalue("runs")
        out.update(run_id=str(runs.prosecutors_g), subject=s.prosecutor_p,
                   objection_id=str(runs.objection))
    return {**out, **over}


def test_openapi_schema_validates(client: TestClient) -> None:
    import openapi_spec_validator as validator

    schema: dict[str, Any] = client.get("/api/openapi.json").json()
    validator.validate(schema)
    paths = schema["paths"]
    assert "/api/token" in paths and "/api/organs/{organ_code}/indicators/{indicator}" in paths
    assert not any(p.startswith("/organs") for p in paths), "pages are not API endpoints"


@pytest.mark.parametrize("item", GETS, ids=route_id)
def test_every_query_parameter_rejects_garbage(
    item: tuple[str, str, APIRoute], client: TestClient, auth: dict[str, dict[str, str]],
    subjects: Subjects, request: pytest.FixtureRequest,
) -> None:
    _, path, route = item
    url = fill(path, _values(subjects, request, path))
    for name in query_params(route):
        for value, status in BAD_QUERY.get(name, []):
            if name == "indicator" and "/organs/" in path and path.endswith("}"):
                continue
            r = client.get(url, params={name: value}, headers=auth["admin"])
            allowed = status if isinstance(status, tuple) else (status,)
            if not path.startswith("/api"):  # a page shows a parameter error as a 400 page
                allowed = tuple(400 if s == 422 else s for s in allowed)
            assert r.status_code in allowed, (url, name, value, r.status_code, r.text[:300])
            if path.startswith("/api"):
                detail = r.json()["detail"]
                assert isinstance(detail, str) and detail, r.text
                if r.status_code == 422:
                    assert name in detail, detail
    names = set(query_params(route)) - set(BAD_QUERY) - {"next"}
    assert not names, f"{path}: add bad values for {names} to BAD_QUERY"


BAD_PATH = [
    ("organ_code", "999999", 404), ("organ_code", "11 OR 1=1", 422),
    ("prosecutor_id", "NO-SUCH-PROSECUTOR", 404), ("prosecutor_id", "x" * 80, 422),
    ("indicator", "no_such_indicator", 404), ("indicator", "drop;table", 422),
    ("run_id", "999999", 404), ("run_id", "abc", 422), ("run_id", "0", 422),
    ("subject", "NOBODY", 404), ("subject", "a b", 422),
    ("objection_id", "999999", 404), ("objection_id", "-1", 422),
    ("job_id", "f" * 32, 404), ("job_id", "not-a-job", 422),
]
PATH_CASES = [
    pytest.param(item, param, value, status, id=f"{route_id(item)} {param}={value[:20]}")
    for item in GETS for param, value, status in BAD_PATH if "{" + param + "}" in item[1]
]


@pytest.mark.parametrize(("item", "param", "value", "status"), PATH_CASES)
def test_every_path_parameter_rejects_unknowns(
    item: tuple[str, str, APIRoute], param: str, value: str, status: int,
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects,
    request: pytest.FixtureRequest,
) -> None:
    _, path, _ = item
    url = fill(path, _values(subjects, request, path, **{param: value}))
    r = client.get(url, headers=auth["admin"])
    # pages show parameter errors as 400 pages, and 404 on an unknown indicator
    expected = {status} if path.startswith("/api") else {400 if status == 422 else status, 404}
    assert r.status_code in expected, (url, r.status_code, r.text[:300])
    if path.startswith("/api"):
        assert r.json()["detail"]


def test_unknown_indicator_suggests_near_misses(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(f"/api/organs/{subjects.province_a}/indicators/non_arest_rate",
                   headers=auth["admin"])
    assert r.status_code == 404 and "non_arrest_rate" in r.json()["detail"]


def test_bad_token_body_is_422_with_the_field(client: TestClient) -> None:
    for body in ({"username": "admin"}, {"user": "a", "password": "b"}, {}):
        r = client.post("/api/token", json=body)
        assert r.status_code == 422 and "body" in r.json()["detail"]
    r = client.post("/api/token", content=b"not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422


def test_unknown_endpoint_is_a_json_404(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    r = client.get("/api/no/such/thing", headers=auth["admin"])
    assert r.status_code == 404 and "no such page or endpoint" in r.json()["detail"]
    r = client.post("/api/me", headers=auth["admin"])
    assert r.status_code == 405


def test_a_period_nobody_computed_is_computed_on_the_fly_not_500(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(f"/api/organs/{subjects.grassroots_g}/indicators/{INDICATOR}",
                   params={"period": "2015"}, headers=auth["admin"])
    assert r.status_code == 200 and r.json()["source"] == "on_the_fly"
    r = client.get(f"/api/organs/{subjects.grassroots_g}/indicators/{INDICATOR}/ranking",
                   params={"period": "2015"}, headers=auth["admin"])
    assert r.status_code == 200 and r.json()["rows"] == []
