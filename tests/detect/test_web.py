"""Detections through the API and on the organ page: scoped, staff only, as the core says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kaoping.detect import detect
from kaoping.synth import gaming_plan

from .conftest import SEED

PASSWORD = "detect-test-password-1"


def _province(con: duckdb.DuckDBPyConnection, organ: str) -> str:
    code = organ
    while True:
        row = con.execute(
            "SELECT parent_code, level FROM organs WHERE organ_code = ?", [code]
        ).fetchone()
        assert row is not None
        if row[1] == 2:
            return code
        code = row[0]


@pytest.fixture(scope="module")
def web(
    planted_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    from kaoping.appdb import make_engine, session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    relabelled = sorted(gaming_plan(SEED).planted("relabel"))[0]
    with duckdb.connect(str(planted_db), read_only=True) as con:
        province = _province(con, relabelled)
        other = con.execute(
            "SELECT min(organ_code) FROM organs WHERE level = 2 AND organ_code <> ?", [province]
        ).fetchone()
        prosecutor = con.execute(
            "SELECT min(prosecutor_id) FROM persons WHERE organ_code = ?", [relabelled]
        ).fetchone()
    assert other is not None and prosecutor is not None
    url = f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'app.db'}"
    engine = make_engine(url)
    with session_scope(engine) as session:
        create_user(session, "admin", PASSWORD, "admin")
        create_user(session, "leader", PASSWORD, "leader", organ_code=province)
        create_user(
            session,
            "prosecutor",
            PASSWORD,
            "prosecutor",
            organ_code=relabelled,
            prosecutor_id=prosecutor[0],
        )
    engine.dispose()
    app = create_app(db=planted_db, app_db=url, secret="detect-tests-secret")
    yield app, {"province": province, "other": other[0], "relabelled": relabelled}
    app.state.kp.data.close()


def _auth(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/api/token", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_api_answers_what_the_core_detects_within_the_scope(
    web: tuple[FastAPI, dict[str, str]], planted: duckdb.DuckDBPyConnection
) -> None:
    app, codes = web
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/api/detections", params={"period": "2020"}, headers=_auth(client, "leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    province_organs = {
        row[0]
        for row in planted.execute(
            "SELECT organ_code FROM organs WHERE organ_code LIKE ?", [codes["province"][:2] + "%"]
        ).fetchall()
    }
    expected = {
        (d.detector, d.organ_code, d.measure)
        for d in detect(planted, "2020")
        if d.organ_code in province_organs
    }
    assert {(d["detector"], d["organ_code"], d["measure"]) for d in body} == expected
    assert ("relabel", codes["relabelled"], None) in expected
    relabel = next(d for d in body if d["detector"] == "relabel")
    assert relabel["record_ids"] and relabel["figures"]["non_arrest_rate"] > 0.4


def test_api_refuses_other_provinces_and_prosecutors(web: tuple[FastAPI, dict[str, str]]) -> None:
    app, codes = web
    client = TestClient(app, raise_server_exceptions=False)
    leader = _auth(client, "leader")
    outside = client.get(
        "/api/detections", params={"period": "2020", "organ": codes["other"]}, headers=leader
    )
    assert outside.status_code == 403
    assert (
        client.get(
            "/api/detections", params={"period": "2020"}, headers=_auth(client, "prosecutor")
        ).status_code
        == 403
    )
    assert client.get("/api/detections", params={"period": "2020"}).status_code == 401
    assert client.get(
        "/api/detections", params={"period": "2020-13"}, headers=leader
    ).status_code in (400, 422)


def test_detections_are_in_the_openapi_schema(web: tuple[FastAPI, dict[str, str]]) -> None:
    app, _ = web
    schema = TestClient(app).get("/api/openapi.json").json()
    assert "/api/detections" in schema["paths"]
    assert "Detection" in schema["components"]["schemas"]


def test_organ_page_section_lists_the_detections(web: tuple[FastAPI, dict[str, str]]) -> None:
    from kaoping.web.detect_routes import _for_page

    _, codes = web
    from kaoping.web.pages import TEMPLATES

    section_zh = _for_page(None, codes["province"], "2020", "zh")
    assert section_zh["shown"] is False  # no scope (anonymous): nothing shown
    html = TEMPLATES.get_template("possible_gaming.html").render(
        possible_gaming=lambda *a: {
            "shown": True,
            "title": "可能的数据异常",
            "note": "n",
            "none": "无",
            "rows": [
                {
                    "detector": "relabel",
                    "name": "决定换标签",
                    "organ_code": "X1",
                    "organ_name": "某院",
                    "summary": "s",
                    "q": "0.01",
                    "records": "r",
                    "record_count": 3,
                }
            ],
        },
        scope=None,
        organ={"organ_code": "X"},
        period="2020",
        lang="zh",
    )
    assert 'id="possible-gaming"' in html and 'data-detector="relabel"' in html
    assert "决定换标签" in html and "<h2>可能的数据异常</h2>" in html
    assert "Possible gaming" not in html  # a page speaks one language (test_i18n_pages)


def test_organ_page_does_not_wait_for_the_detectors_the_first_time(
    web: tuple[FastAPI, dict[str, str]], planted: duckdb.DuckDBPyConnection
) -> None:
    import re

    from kaoping.web.detect_routes import _for_page, detections_kept
    from kaoping.web.pages import TEMPLATES

    app, codes = web
    client = TestClient(app, raise_server_exceptions=False)
    r = client.post("/login", data={"username": "leader", "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    period = "2020-H2"  # no other test asks for its detections
    data = app.state.kp.data
    assert not detections_kept(data, period)

    class Staff:  # what _for_page reads of a leader's scope
        is_staff = True
        ctx = app.state.kp

    # not made yet: the section names its fragment and lists nothing
    pending = _for_page(Staff(), codes["province"], period, "zh")  # type: ignore[arg-type]
    assert pending["shown"] and pending["rows"] == []
    url = pending["pending"]
    assert url == f"/organs/{codes['province']}/possible-gaming?period={period}&lang=zh"
    html = TEMPLATES.get_template("possible_gaming.html").render(
        possible_gaming=lambda *a: pending, scope=None, organ={"organ_code": "X"},
        period=period, lang="zh")
    escaped = url.replace("&", "&amp;")
    assert f'data-fragment="{escaped}"' in html and 'id="gaming-pending"' in html
    assert f'href="{escaped}"' in html  # without the script, a link to it
    # the fragment waits for the detectors: the section alone, no page around it
    fragment = client.get(url)
    assert fragment.status_code == 200, fragment.text[:500]
    assert fragment.text.lstrip().startswith('<section id="possible-gaming">')
    assert "<html" not in fragment.text and "data-fragment" not in fragment.text
    province = {r[0] for r in planted.execute(
        "SELECT organ_code FROM organs WHERE organ_code LIKE ?", [codes["province"][:2] + "%"]
    ).fetchall()}
    expected = {(d.detector, d.organ_code) for d in detect(planted, period)
                if d.organ_code in province}
    shown = set(re.findall(r'data-detector="([^"]+)" data-organ="([^"]+)"', fragment.text))
    assert shown == expected
    # made once, kept: the page now lists them itself
    assert detections_kept(data, period)
    assert "pending" not in _for_page(Staff(), codes["province"], period, "zh")  # type: ignore[arg-type]
    # the fragment is the organ page's: outside the leader's scope it is refused
    outside = client.get(f"/organs/{codes['other']}/possible-gaming", params={"period": period})
    assert outside.status_code == 403


def test_the_detectors_run_off_the_serving_process(
    web: tuple[FastAPI, dict[str, str]], planted: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """They take seconds of pandas, which in the serving process held its GIL from every
    other request: the render process runs them (a detector that fails here is not the
    one that answers)."""
    import kaoping.detect
    from kaoping.web import detect_routes

    app, _ = web
    want = {(d.detector, d.organ_code, d.measure) for d in detect(planted, "2020-H1")}

    def not_here(*_: object, **__: object) -> None:
        raise AssertionError("the detectors ran in the serving process")

    monkeypatch.setattr(kaoping.detect, "detect", not_here)
    monkeypatch.setattr(detect_routes, "detect", not_here, raising=False)
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/api/detections", params={"period": "2020-H1"},
                   headers=_auth(client, "admin"))
    assert r.status_code == 200, r.text
    assert {(d["detector"], d["organ_code"], d["measure"]) for d in r.json()} == want
