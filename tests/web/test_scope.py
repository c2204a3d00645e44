"""Scope is enforced in one place, and tested for every endpoint and page.

The rules (docs/web.md): a user sees his own organ and those below it -- never a sibling,
never a parent or a parent's other children; a prosecutor sees his own figures and his
organ's aggregates, never another prosecutor's. Each test below runs for every route of
the application whose path names an organ or a prosecutor, so a new endpoint is covered
the day it is added.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from kaoping.web.admin_pages import admin_scope
from kaoping.web.data_pages import job_in_scope
from kaoping.web.scope import (
    get_scope,
    item_in_scope,
    objection_in_scope,
    organ_in_scope,
    prosecutor_in_scope,
    result_in_scope,
    run_in_scope,
)

from .conftest import INDICATOR, PERIOD, Runs, Subjects
from .routes import PROTECTED, dependency_calls, fill, path_params, route_id

ORGAN_ROUTES = [r for r in PROTECTED if path_params(r[1]) and "organ_code" in path_params(r[1])]
PROSECUTOR_ROUTES = [r for r in PROTECTED if "prosecutor_id" in path_params(r[1])]
RUN_ROUTES = [r for r in PROTECTED if "run_id" in path_params(r[1])]
OBJECTION_ROUTES = [r for r in PROTECTED if "objection_id" in path_params(r[1])]
#: path parameter -> the scope dependency that must check it
CHECKS = {"organ_code": organ_in_scope, "prosecutor_id": prosecutor_in_scope,
          "run_id": run_in_scope, "subject": result_in_scope,
          "objection_id": objection_in_scope, "job_id": job_in_scope,
          "item_id": item_in_scope,
          "username": admin_scope, "action": admin_scope}


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    if method == "GET":
        return client.get(url, headers=headers, params={"period": PERIOD},
                          follow_redirects=False)
    return client.request(method, url, headers=headers, json={}, follow_redirects=False)


def _values(
    organ: str = "", prosecutor: str = "", run: int = 1, subject: str = "", objection: int = 1
) -> dict[str, str]:
    return {"organ_code": organ, "prosecutor_id": prosecutor, "indicator": INDICATOR,
            "run_id": str(run), "subject": subject or prosecutor, "objection_id": str(objection),
            "job_id": "0" * 32, "username": "nobody", "action": "revoke", "item_id": "1"}


@pytest.mark.parametrize("item", PROTECTED, ids=route_id)
def test_every_route_depends_on_the_scope(item: tuple[str, str, APIRoute]) -> None:
    """The single scope module guards every route; path parameters are checked by it."""
    _, path, route = item
    calls = set(dependency_calls(route.dependant))
    assert get_scope in calls, f"{path} does not depend on kaoping.web.scope.get_scope"
    params = path_params(path)
    for param, check in CHECKS.items():
        if param in params:
            assert check in calls, f"{path}: {{{param}}} is not checked by {check.__name__}"
    unknown = set(params) - set(CHECKS) - {"indicator"}
    assert not unknown, f"{path}: add a scope check and test for path parameters {unknown}"


@pytest.mark.parametrize("item", PROTECTED, ids=route_id)
def test_every_route_needs_a_login(
    item: tuple[str, str, APIRoute], client: TestClient, subjects: Subjects
) -> None:
    method, path, _ = item
    url = fill(path, _values(subjects.province_a, subjects.prosecutor_p))
    r = _call(client, method, url, {})
    if path.startswith("/api"):
        assert r.status_code == 401, (url, r.status_code, r.text)
        assert r.headers.get("www-authenticate") == "Bearer"
        assert "log in" in r.json()["detail"]
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), url


@pytest.mark.parametrize("item", ORGAN_ROUTES, ids=route_id)
@pytest.mark.parametrize(
    ("user", "target"),
    [
        ("officer_a", "province_b"),  # a sibling province
        ("leader_m", "municipal_m2"),  # a sibling municipal organ
        ("leader_m", "province_a"),  # his parent
        ("leader_m", "province_b"),  # his parent's sibling
        ("leader_g", "municipal_m"),  # his parent
        ("leader_g", "national"),
        ("prosecutor", "municipal_m"),  # a prosecutor's organ's parent
        ("officer_b", "grassroots_g"),  # deep inside another province
    ],
)
def test_organ_outside_the_scope_is_refused(
    item: tuple[str, str, APIRoute], user: str, target: str, client: TestClient,
    auth: dict[str, dict[str, str]], subjects: Subjects,
) -> None:
    method, path, _ = item
    url = fill(path, _values(getattr(subjects, target), subjects.prosecutor_p))
    r = _call(client, method, url, auth[user])
    assert r.status_code in (403, 404), (user, url, r.status_code, r.text[:300])
    if path.startswith("/api"):
        assert "outside your scope" in r.json()["detail"]


#: routes that take seconds (the briefing runs an appraisal when none is stored); their
#: control is in test_api.py / test_pages.py
SLOW = ("/briefing",)
INSIDE = [("admin", "province_b"), ("officer_a", "grassroots_g"), ("leader_m", "grassroots_g"),
          ("leader_g", "grassroots_g")]


@pytest.mark.parametrize(
    ("item", "user", "target"),
    [
        pytest.param(r, u, t, id=f"{route_id(r)}-{u}-{t}")
        for r in ORGAN_ROUTES if r[0] == "GET"
        for u, t in ([] if r[1].endswith(SLOW) else INSIDE)
    ],
)
def test_organ_inside_the_scope_is_served(
    item: tuple[str, str, APIRoute], user: str, target: str, client: TestClient,
    auth: dict[str, dict[str, str]], subjects: Subjects,
) -> None:
    """The control: the same routes answer for an organ the user may see."""
    method, path, _ = item
    url = fill(path, _values(getattr(subjects, target), subjects.prosecutor_p))
    r = _call(client, method, url, auth[user])
    assert r.status_code == 200, (user, url, r.status_code, r.text[:300])


@pytest.mark.parametrize("item", PROSECUTOR_ROUTES, ids=route_id)
@pytest.mark.parametrize(
    ("user", "target"),
    [
        ("prosecutor", "prosecutor_p2"),  # a colleague in the same organ
        ("prosecutor2", "prosecutor_p"),
        ("prosecutor", "prosecutor_elsewhere"),
        ("officer_b", "prosecutor_p"),  # staff of another province
        ("leader_m2", "prosecutor_p"),  # staff of a sibling municipal organ
    ],
)
def test_another_prosecutor_is_refused(
    item: tuple[str, str, APIRoute], user: str, target: str, client: TestClient,
    auth: dict[str, dict[str, str]], subjects: Subjects,
) -> None:
    method, path, _ = item
    url = fill(path, _values(subjects.grassroots_g, getattr(subjects, target)))
    r = _call(client, method, url, auth[user])
    assert r.status_code in (403, 404), (user, url, r.status_code, r.text[:300])


@pytest.mark.parametrize(
    "item", [r for r in PROSECUTOR_ROUTES if r[0] == "GET"], ids=route_id
)
@pytest.mark.parametrize("user", ["prosecutor", "leader_g", "leader_m", "officer_a", "admin"])
def test_own_or_subordinate_prosecutor_is_served(
    item: tuple[str, str, APIRoute], user: str, client: TestClient,
    auth: dict[str, dict[str, str]], subjects: Subjects,
) -> None:
    method, path, _ = item
    url = fill(path, _values(subjects.grassroots_g, subjects.prosecutor_p))
    r = _call(client, method, url, auth[user])
    assert r.status_code == 200, (user, url, r.status_code, r.text[:300])


def test_prosecutor_sees_his_organs_aggregates_but_not_its_records(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    g = subjects.grassroots_g
    h = auth["prosecutor"]
    assert client.get(f"/api/organs/{g}/indicators/{INDICATOR}", headers=h).status_code == 200
    r = client.get(f"/api/organs/{g}/indicators/{INDICATOR}/records", headers=h)
    assert r.status_code == 403 and "own figures" in r.json()["detail"]
    assert client.get(f"/api/organs/{g}/prosecutors", headers=h).status_code == 403
    assert client.get("/api/audit/drilldowns", headers=h).status_code == 403


def test_organ_list_is_the_scope(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    codes = {o["organ_code"] for o in client.get("/api/organs", headers=auth["leader_m"]).json()}
    assert subjects.municipal_m in codes and subjects.grassroots_g in codes
    assert not codes & {subjects.province_a, subjects.municipal_m2, subjects.national}
    mine = client.get("/api/organs", headers=auth["prosecutor"]).json()
    assert [o["organ_code"] for o in mine] == [subjects.grassroots_g]
    r = client.get("/api/organs", params={"parent": subjects.province_b},
                   headers=auth["officer_a"])
    assert r.status_code == 403


def test_organ_detail_path_stops_at_the_top_of_the_scope(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(f"/api/organs/{subjects.grassroots_g}", headers=auth["leader_m"]).json()
    assert [o["organ_code"] for o in r["path"]] == [subjects.municipal_m, subjects.grassroots_g]


def test_ranking_lists_only_organs_in_scope(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(f"/api/organs/{subjects.province_a}/indicators/{INDICATOR}/ranking",
                   headers=auth["officer_a"]).json()
    children = {o["organ_code"] for o in client.get(
        "/api/organs", params={"parent": subjects.province_a}, headers=auth["officer_a"]
    ).json()}
    assert {row["subject"] for row in r["rows"]} <= children
    assert subjects.municipal_m in {row["subject"] for row in r["rows"]}


def test_distribution_names_no_peer(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(f"/api/organs/{subjects.municipal_m}/indicators/{INDICATOR}/distribution",
                   headers=auth["leader_m"])
    text = r.text
    assert r.status_code == 200
    assert subjects.municipal_m2 not in text and subjects.province_a not in text


def test_drilldown_log_shows_only_the_scope(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    client.get(f"/api/organs/{subjects.province_b}/indicators/{INDICATOR}/records",
               headers=auth["officer_b"], params={"limit": 1})
    seen = client.get("/api/audit/drilldowns", headers=auth["officer_a"]).json()
    assert all(e["organ_code"] != subjects.province_b for e in seen)
    admin = client.get("/api/audit/drilldowns", headers=auth["admin"]).json()
    assert any(e["organ_code"] == subjects.province_b and e["username"] == "officer_b"
               for e in admin)


@pytest.mark.parametrize("item", RUN_ROUTES, ids=route_id)
@pytest.mark.parametrize(
    ("user", "run", "subject"),
    [
        ("officer_b", "prosecutors_g", "prosecutor_p"),  # a run in another province
        ("leader_m2", "prosecutors_g", "prosecutor_p"),  # a run below a sibling organ
        ("leader_m2", "organs_m", "grassroots_g"),
        ("officer_a", "organs_b", "province_b"),  # a sibling province's run
        ("prosecutor2", "prosecutors_g", "prosecutor_p"),  # a colleague's result
        ("prosecutor", "prosecutors_g", "prosecutor_p2"),
    ],
)
def test_run_or_result_outside_the_scope_is_refused(
    item: tuple[str, str, APIRoute], user: str, run: str, subject: str, client: TestClient,
    auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs,
) -> None:
    method, path, _ = item
    code = getattr(subjects, subject)
    url = fill(path, _values(run=getattr(runs, run), subject=_first_below(code, subjects)))
    r = _call(client, method, url, auth[user])
    if "{subject}" not in path and user.startswith("prosecutor"):
        # a prosecutor may open his organ's run, but it must list his own result only
        assert r.status_code in (200, 403, 404), (user, url, r.status_code, r.text[:300])
        assert code not in r.text, (user, url, "a colleague's result is visible")
        return
    assert r.status_code in (403, 404), (user, url, r.status_code, r.text[:300])


def _first_below(code: str, s: Subjects) -> str:
    """A subject of the organ runs is a grassroots organ: G for M's run, any for B's."""
    return s.grassroots_g if code in (s.grassroots_g, s.municipal_m) else code


@pytest.mark.parametrize("item", OBJECTION_ROUTES, ids=route_id)
@pytest.mark.parametrize("user", ["prosecutor2", "officer_b", "leader_m2"])
def test_objection_outside_the_scope_is_refused(
    item: tuple[str, str, APIRoute], user: str, client: TestClient,
    auth: dict[str, dict[str, str]], runs: Runs,
) -> None:
    method, path, _ = item
    url = fill(path, _values(objection=runs.objection))
    r = _call(client, method, url, auth[user])
    assert r.status_code in (403, 404), (user, url, r.status_code, r.text[:300])


def test_a_prosecutor_sees_only_his_line_of_his_organs_run(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs
) -> None:
    r = client.get(f"/api/appraisal/runs/{runs.prosecutors_g}", headers=auth["prosecutor"])
    assert [x["subject"] for x in r.json()["results"]] == [subjects.prosecutor_p]
    staff = client.get(f"/api/appraisal/runs/{runs.prosecutors_g}", headers=auth["leader_g"])
    assert len(staff.json()["results"]) > 1


def test_lists_of_runs_objections_and_items_are_scoped(
    client: TestClient, auth: dict[str, dict[str, str]], runs: Runs
) -> None:
    seen = {r["run_id"] for r in client.get("/api/appraisal/runs",
                                            headers=auth["officer_a"]).json()}
    assert runs.prosecutors_g in seen and runs.organs_m in seen and runs.organs_b not in seen
    seen_b = {r["run_id"] for r in client.get("/api/appraisal/runs",
                                              headers=auth["officer_b"]).json()}
    assert seen_b == {runs.organs_b} | (seen_b - {runs.prosecutors_g, runs.organs_m})
    for user, sees in (("officer_a", True), ("leader_g", True), ("prosecutor", True),
                       ("prosecutor2", False), ("officer_b", False), ("leader_m2", False)):
        ids = {o["objection_id"] for o in client.get("/api/appraisal/objections",
                                                     headers=auth[user]).json()}
        assert (runs.objection in ids) is sees, user
