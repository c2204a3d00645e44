"""Appraisal pages and endpoints: runs, decompositions, grades, items and objections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .conftest import PASSWORD, Runs, Subjects, make_runs, page_client


def test_runs_and_grade_distribution(
    client: TestClient, auth: dict[str, dict[str, str]], runs: Runs
) -> None:
    listed = client.get("/api/appraisal/runs", headers=auth["officer_a"]).json()
    assert {runs.prosecutors_g, runs.organs_m} <= {r["run_id"] for r in listed}
    detail = client.get(f"/api/appraisal/runs/{runs.organs_m}", headers=auth["officer_a"]).json()
    assert detail["run"]["subject_type"] == "organ" and detail["results"]
    assert sum(g["count"] for g in detail["grades"]) == len(detail["results"])
    grades = {g["grade"] for g in detail["grades"]}
    assert all(r["grade"] in grades for r in detail["results"])


def test_score_decomposes_point_by_point(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs
) -> None:
    r = client.get(f"/api/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}",
                   headers=auth["prosecutor"]).json()
    res = r["result"]
    assert sum(d["score"] for d in res["dimensions"]) == pytest.approx(res["base"], abs=0.01)
    total = res["base"] + res["bonus"] - res["deduction"] + res["correction"]
    assert res["total"] == pytest.approx(total, abs=0.01)
    for d in res["dimensions"]:
        assert sum(i["points"] for i in d["indicators"]) == pytest.approx(d["score"], abs=0.01)
        assert all(i["formula"] for i in d["indicators"])
    assert r["explanation"] and r["may_object"] is True
    staff = client.get(
        f"/api/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}",
        headers=auth["leader_g"]).json()
    assert staff["may_object"] is False
    # the same figures; only the prosecutor's formulas leave out his peers' (docs/security.md)
    # and he is told how many neighbours overlap him, not who (the leader sees them)
    derived = ("dimensions", "indistinct_from")
    assert {k: v for k, v in staff["result"].items() if k not in derived} == {
        k: v for k, v in res.items() if k not in derived}
    assert set(res["indistinct_from"]) <= {subjects.prosecutor_p}
    assert len(staff["result"]["indistinct_from"]) == res["indistinct_count"]
    assert [[(i["indicator"], i["points"]) for i in d["indicators"]]
            for d in staff["result"]["dimensions"]] == [
        [(i["indicator"], i["points"]) for i in d["indicators"]] for d in res["dimensions"]]


def test_who_may_object(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs
) -> None:
    url = f"/api/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}/objections"
    r = client.post(url, json={"reason": "the leader cannot object for me"},
                    headers=auth["leader_g"])
    assert r.status_code == 403
    r = client.post(url, json={"reason": "a case is missing", "indicator": "weighted_cases"},
                    headers=auth["prosecutor"])
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert r.json()["lodged_by"] == "prosecutor"
    organ = f"/api/appraisal/runs/{runs.organs_m}/results/{subjects.grassroots_g}/objections"
    r = client.post(organ, json={"reason": "our organ's score"}, headers=auth["leader_g"])
    assert r.status_code == 201, r.text
    r = client.post(url, json={"reason": "x", "indicator": "no_such_indicator"},
                    headers=auth["prosecutor"])
    assert r.status_code == 404 and "does not score" in r.json()["detail"]


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": 5}, {"reason": "x", "item_id": "a"},
             {"reason": "x", "extra": 1}],
)
def test_objection_bodies_are_validated(
    body: dict[str, object], client: TestClient, auth: dict[str, dict[str, str]],
    subjects: Subjects, runs: Runs,
) -> None:
    url = f"/api/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}/objections"
    r = client.post(url, json=body, headers=auth["prosecutor"])
    assert r.status_code == 422 and "body" in r.json()["detail"]


def test_items_are_entered_by_officers_in_scope(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs
) -> None:
    body = {"subject_type": "prosecutor", "subject": subjects.prosecutor_p, "period": "2020",
            "category": "excellent_document", "points": 1, "reason": "published as a model",
            "evidence": "SPP circular 12"}
    assert client.post("/api/appraisal/items", json=body,
                       headers=auth["officer_b"]).status_code == 403
    assert client.post("/api/appraisal/items", json=body,
                       headers=auth["leader_g"]).status_code == 403
    r = client.post("/api/appraisal/items", json=body, headers=auth["officer_a"])
    assert r.status_code == 201, r.text
    item = r.json()["item_id"]
    mine = client.get("/api/appraisal/items", headers=auth["prosecutor"]).json()
    assert item in {i["item_id"] for i in mine}
    theirs = client.get("/api/appraisal/items", headers=auth["prosecutor2"]).json()
    assert item not in {i["item_id"] for i in theirs}
    bad = client.post("/api/appraisal/items", json={**body, "points": 99},
                      headers=auth["officer_a"])
    assert bad.status_code == 400 and "at most" in bad.json()["detail"]
    assert client.post("/api/appraisal/items", json={**body, "points": -1},
                       headers=auth["officer_a"]).status_code == 422


def test_review_accepts_with_a_correction_and_reruns(
    tmp_path: Path, warehouse: Path, subjects: Subjects
) -> None:
    """In a database of its own: accepting supersedes the run other tests use."""
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as s:
        create_user(s, "prosecutor", PASSWORD, "prosecutor", organ_code=subjects.grassroots_g,
                    prosecutor_id=subjects.prosecutor_p)
        create_user(s, "officer_a", PASSWORD, "officer", organ_code=subjects.province_a)
        create_user(s, "leader_g", PASSWORD, "leader", organ_code=subjects.grassroots_g)
    engine.dispose()
    runs = make_runs(url, warehouse, subjects, organs=False)
    app: FastAPI = create_app(db=warehouse, app_db=url, secret="review-test")
    try:
        c = TestClient(app, raise_server_exceptions=False)

        def token(user: str) -> dict[str, str]:
            t = c.post("/api/token", json={"username": user, "password": PASSWORD}).json()
            return {"Authorization": f"Bearer {t['access_token']}"}

        review = f"/api/appraisal/objections/{runs.objection}/review"
        body = {"accept": True, "reason": "two cases were missed", "correction": 2}
        assert c.post(review, json=body, headers=token("leader_g")).status_code == 403
        assert c.post(review, json=body, headers=token("prosecutor")).status_code == 403
        r = c.post(review, json=body, headers=token("officer_a"))
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["status"] == "accepted" and out["new_run_id"] and out["correction"] == 2
        old = c.get(f"/api/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}",
                    headers=token("prosecutor")).json()
        new = c.get(f"/api/appraisal/runs/{out['new_run_id']}/results/{subjects.prosecutor_p}",
                    headers=token("prosecutor")).json()
        assert new["run"]["supersedes"] == runs.prosecutors_g
        assert new["result"]["correction"] == pytest.approx(old["result"]["correction"] + 2)
        again = c.post(review, json=body, headers=token("officer_a"))
        assert again.status_code == 409 and "already" in again.json()["detail"]
    finally:
        app.state.kp.data.close()


def test_appraisal_pages(
    app: FastAPI, client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects,
    runs: Runs,
) -> None:
    c = page_client(app, "officer_a")
    home = c.get("/appraisal", params={"lang": "en"})
    assert home.status_code == 200 and f'data-run="{runs.organs_m}"' in home.text
    page = c.get(f"/appraisal/runs/{runs.organs_m}").text
    api = client.get(f"/api/appraisal/runs/{runs.organs_m}", headers=auth["officer_a"]).json()
    for g in api["grades"]:
        assert f'data-grade="{g["grade"]}">{g["count"]}<' in page
    for row in api["results"]:
        m = re.search(rf'data-subject="{row["subject"]}" data-total="([^"]+)"', page)
        assert m and float(m.group(1)) == pytest.approx(row["total"])
    result = c.get(f"/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}")
    assert result.status_code == 200 and 'id="points"' in result.text
    assert 'id="object-form"' not in result.text  # an officer does not object for him


def test_scorecard_object_button(
    app: FastAPI, client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects,
    runs: Runs,
) -> None:
    c = page_client(app, "prosecutor")
    page = c.get(f"/prosecutors/{subjects.prosecutor_p}", params={"period": "2020"}).text
    assert 'id="object-form"' in page and 'class="object-btn"' in page
    assert f'data-run="{runs.prosecutors_g}"' in page
    action = f"/appraisal/runs/{runs.prosecutors_g}/results/{subjects.prosecutor_p}/objections"
    forged = c.post(action, data={"reason": "x", "csrf": "forged"})
    assert forged.status_code == 403
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    r = c.post(action, data={"reason": "efficiency points look low", "csrf": csrf,
                             "indicator": "weighted_cases",
                             "back": f"/prosecutors/{subjects.prosecutor_p}"},
               follow_redirects=False)
    assert r.status_code == 303
    after = c.get(r.headers["location"].split("#")[0]).text
    assert "efficiency points look low" in after and 'data-status="pending"' in after
