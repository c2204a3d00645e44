"""The what-if comparison in the API and on its page: scope, OpenAPI, both languages, and
the figures agreeing with the library's comparison on the same warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import PERIOD, Subjects

CHANGE = "weight.non_arrest_rate=3"


def test_api_compares_a_scheme_with_a_changed_weight(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, warehouse: Path
) -> None:
    from kaoping.appraisal import load_scheme
    from kaoping.appraisal.compare import apply_overrides, compare_schemes

    r = client.get("/api/appraisal/compare", params={
        "a": "organs", "set": CHANGE, "period": PERIOD, "organ": subjects.municipal_m},
        headers=auth["leader_m"])
    assert r.status_code == 200, r.text
    out = r.json()
    a = load_scheme("organs")
    expected = compare_schemes(warehouse, a, apply_overrides(a, [CHANGE]), PERIOD,
                               organ=subjects.municipal_m)
    assert out["subjects_compared"] == len(expected.subjects)
    assert out["rank_changes"] == expected.rank_changes
    assert out["changes"] == [CHANGE]
    drivers = {d["indicator"]: d for d in out["drivers"]}
    # weight 2 -> 3 of the dimension's 11.5 -> 12.5: non_arrest_rate's share grows
    assert drivers["non_arrest_rate"]["max_points_a"] == pytest.approx(25 * 2 / 11.5, abs=1e-3)
    assert drivers["non_arrest_rate"]["max_points_b"] == pytest.approx(25 * 3 / 12.5, abs=1e-3)
    assert len(out["sensitivity"]) == len(a.items())
    assert all(s["subject"].startswith(subjects.municipal_m[:4]) for s in out["subjects"])


def test_api_keeps_to_the_scope_and_checks_its_input(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    url = "/api/appraisal/compare"
    outside = client.get(url, params={"set": CHANGE, "period": PERIOD,
                                      "organ": subjects.municipal_m2}, headers=auth["leader_m"])
    assert outside.status_code == 403
    prosecutor = client.get(url, params={"set": CHANGE, "period": PERIOD},
                            headers=auth["prosecutor"])
    assert prosecutor.status_code == 403
    bad = client.get(url, params={"set": "weight.nope=2", "period": PERIOD,
                                  "organ": subjects.municipal_m}, headers=auth["leader_m"])
    assert bad.status_code == 400 and "nope" in bad.json()["detail"]
    path = client.get(url, params={"a": "../etc/passwd", "set": CHANGE},
                      headers=auth["leader_m"])
    assert path.status_code == 422
    nothing = client.get(url, params={"period": PERIOD, "organ": subjects.municipal_m},
                         headers=auth["leader_m"])
    assert nothing.status_code == 400


def test_api_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    op = schema["paths"]["/api/appraisal/compare"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"a", "b", "set", "period", "organ"}
    assert "/appraisal/compare" not in schema["paths"]


@pytest.mark.parametrize("lang,title", [("zh", "方案比较（试算）"),
                                        ("en", "Compare schemes (what-if)")])
def test_page_renders_in_both_languages(
    pages: dict[str, TestClient], subjects: Subjects, lang: str, title: str
) -> None:
    r = pages["leader_m"].get("/appraisal/compare", params={
        "changes": CHANGE, "period": PERIOD, "organ": subjects.municipal_m, "lang": lang})
    assert r.status_code == 200, r.text
    assert title in r.text
    assert 'id="drivers"' in r.text and 'data-indicator="non_arrest_rate"' in r.text
    home = pages["leader_m"].get("/appraisal", params={"lang": lang})
    assert 'href="/appraisal/compare"' in home.text
