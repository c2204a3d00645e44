"""The workflow pages' rules, without a browser: who may do what, CSRF, bad uploads, and the
quarantine read as its user wrote it (the end-to-end walk is test_workflows_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kaoping.web.quarantine_text import reason_zh, user_header, warning_zh

from .conftest import PASSWORD

# --- the quarantine in the user's words ------------------------------------------------


@pytest.mark.parametrize(("reason", "zh"), [
    ("required value is empty", "必填项为空"),
    ("no organs row with organ_code '999999'", "检察院表中没有院代码为 '999999' 的记录"),
    ("expected a date (YYYY-MM-DD), got '2020-13-45'",
     "应为日期（年-月-日，如 2020-06-30），实为 '2020-13-45'"),
    ("expected a whole number, got 'abc'", "应为整数，实为 'abc'"),
    ("duplicate key 'S1', first at row 4", "重复的记录 'S1'，首次出现在第 4 行"),
    ("prosecution_review_concluded 2020-01-02 is earlier than prosecution_review_received "
     "2020-03-04", "审查起诉审结日期 2020-01-02 早于审查起诉受理日期 2020-03-04"),
    ("new record: required column organ_code (院代码) is not in the file",
     "新记录缺少必填列“院代码”（文件中没有该列）"),
])
def test_reasons_read_in_chinese(reason: str, zh: str) -> None:
    assert reason_zh(reason, "persons") == zh


def test_a_reason_no_pattern_knows_is_shown_as_recorded() -> None:
    assert reason_zh("something new went wrong", "persons") == "something new went wrong"


def test_import_warnings_read_in_chinese() -> None:
    assert warning_zh("ignored columns that are not in persons: 原行号, 备注") == (
        "已忽略不属于犯罪嫌疑人表的列：原行号, 备注")
    assert warning_zh("something else") == "something else"


def test_the_header_is_the_one_the_file_used() -> None:
    assert user_header("persons", "organ_code", {"嫌疑人编号": "S1", "院代码": "x"}) == "院代码"
    assert user_header("persons", "organ_code", {"单位代码": "x"}) == "单位代码"
    assert user_header("persons", "organ_code", {"organ_code": "x"}) == "organ_code"
    # a column the file lacks: its Chinese label
    assert user_header("persons", "organ_code", {"嫌疑人编号": "S1"}) == "院代码"


# --- who may do what ------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str, str]]:
    """A small imported and computed warehouse, one user per role; (app, organ,
    prosecutor)."""
    from kaoping.appdb import session_scope
    from kaoping.ingest import import_files
    from kaoping.synth import generate_dataset
    from kaoping.warehouse import connect, opened
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    root = tmp_path_factory.mktemp("workflows")
    paths = generate_dataset(root / "data", persons=800, years=(2019, 2020), seed=9,
                             fmt="parquet")
    db = root / "w.duckdb"
    con = connect(db)
    try:
        import_files(con, list(paths.values()))
    finally:
        con.close()
    import kaoping
    import kaoping.appraisal as ap

    with kaoping.Warehouse(db) as wh:  # what the prosecutors' scheme reads, 2020 only
        wh.compute(years=[2020], indicators=ap.load_scheme("prosecutors").indicator_ids(),
                   prosecutor_periods=["year"])
    with opened(db, read_only=True) as con:
        row = con.execute("SELECT organ_code, prosecutor_id FROM persons WHERE prosecutor_id "
                          "IS NOT NULL ORDER BY 2 LIMIT 1").fetchone()
    assert row is not None
    organ, prosecutor = str(row[0]), str(row[1])
    app = create_app(db=db, app_db=f"sqlite:///{root / 'app.db'}",
                     secret="workflow-tests-secret-not-for-production")
    with session_scope(app.state.kp.engine) as s:
        create_user(s, "admin", PASSWORD, "admin")
        create_user(s, "officer", PASSWORD, "officer", organ_code=organ)
        create_user(s, "leader", PASSWORD, "leader", organ_code=organ)
        create_user(s, "prosecutor", PASSWORD, "prosecutor", organ_code=organ,
                    prosecutor_id=prosecutor)
    yield app, organ, prosecutor
    app.state.jobs.shutdown()
    app.state.kp.data.close()


def _client(app: FastAPI, user: str) -> tuple[TestClient, str]:
    """A logged-in page client and the CSRF token its pages carry."""
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/login", data={"username": user, "password": PASSWORD},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    m = re.search(r'name="csrf" value="([^"]+)"', c.get("/account/password").text)
    assert m is not None
    return c, m[1]


@pytest.mark.parametrize(("user", "path", "status"), [
    ("prosecutor", "/data", 403), ("leader", "/data", 403), ("officer", "/data", 200),
    ("admin", "/data", 200), ("leader", "/data/quarantine", 403),
    ("officer", "/data/quarantine", 200), ("leader", "/data/imports", 200),
    ("prosecutor", "/data/imports", 403), ("officer", "/admin/users", 403),
    ("leader", "/admin/users", 403), ("admin", "/admin/users", 200),
])
def test_who_opens_which_page(small: tuple[FastAPI, str, str], user: str, path: str,
                              status: int) -> None:
    c, _ = _client(small[0], user)
    assert c.get(path).status_code == status


def test_a_leader_cannot_upload_or_start_a_run(small: tuple[FastAPI, str, str]) -> None:
    app, organ, _ = small
    c, csrf = _client(app, "leader")
    r = c.post("/data/upload", data={"csrf": csrf},
               files=[("files", ("persons.csv", b"person_id\nS1\n", "text/csv"))])
    assert r.status_code == 403
    r = c.post("/appraisal/runs", data={"csrf": csrf, "scheme": "prosecutors",
                                        "period": "2020", "organ": organ})
    assert r.status_code == 403
    r = c.post("/data/compute", data={"csrf": csrf})
    assert r.status_code == 403


def test_forms_need_the_pages_csrf_token(small: tuple[FastAPI, str, str]) -> None:
    app, _, _ = small
    officer, _ = _client(app, "officer")
    r = officer.post("/data/upload", data={"csrf": "forged"},
                     files=[("files", ("persons.csv", b"person_id\nS1\n", "text/csv"))])
    assert r.status_code == 403 and "reload the page" in r.text
    admin, _ = _client(app, "admin")
    r = admin.post("/admin/users/officer/disable", data={"csrf": "forged"})
    assert r.status_code == 403
    assert "data-user=\"officer\" data-active=\"yes\"" in admin.get("/admin/users").text


@pytest.mark.parametrize(("name", "said"), [
    ("notes.txt", "expected a CSV"), (".hidden.csv", "use a plain name"),
])
def test_a_file_the_importer_cannot_read_is_refused_by_name(
    small: tuple[FastAPI, str, str], name: str, said: str,
) -> None:
    c, csrf = _client(small[0], "officer")
    r = c.post("/data/upload", data={"csrf": csrf},
               files=[("files", (name, b"x\n1\n", "text/plain"))])
    assert r.status_code == 400 and said in r.text and name in r.text


def test_an_unreadable_upload_fails_its_job_with_the_importers_message(
    small: tuple[FastAPI, str, str],
) -> None:
    app, _, _ = small
    c, csrf = _client(app, "officer")
    r = c.post("/data/upload", data={"csrf": csrf}, follow_redirects=False,
               files=[("files", ("persons.csv", b"nothing,useful\n1,2\n", "text/csv"))])
    assert r.status_code == 303
    job_id = r.headers["location"].rsplit("/", 1)[1]
    job = app.state.jobs.wait(job_id)
    assert job is not None and job.status == "failed"
    assert "persons.csv" in (job.error or "") and "嫌疑人编号" in (job.error or "")
    assert c.get(f"/api/jobs/{job_id}").json()["status"] == "failed"
    other, _ = _client(app, "leader")  # another user's job is not his to read
    assert other.get(f"/api/jobs/{job_id}").status_code == 404
    admin, _ = _client(app, "admin")
    assert admin.get(f"/jobs/{job_id}").status_code == 200


def test_an_administrator_cannot_lock_himself_out(small: tuple[FastAPI, str, str]) -> None:
    c, csrf = _client(small[0], "admin")
    r = c.post("/admin/users/admin/disable", data={"csrf": csrf})
    assert r.status_code == 400 and "your own login" in r.text


def test_a_new_user_must_belong_to_an_organ_that_exists(
    small: tuple[FastAPI, str, str],
) -> None:
    c, csrf = _client(small[0], "admin")
    r = c.post("/admin/users", data={"csrf": csrf, "username": "someone", "role": "officer",
                                     "organ": "999999", "password": "a long pass phrase"})
    assert r.status_code == 400 and "数据中没有院代码为 999999 的检察院" in r.text
    assert 'value="someone"' in r.text  # what was typed comes back
    r = c.post("/admin/users?lang=en", data={
        "csrf": csrf, "username": "someone", "role": "officer", "organ": "999999",
        "password": "a long pass phrase"})
    assert r.status_code == 400 and "no organ &#39;999999&#39; in the warehouse" in r.text


def test_only_the_appraising_organs_officers_publish(
    small: tuple[FastAPI, str, str],
) -> None:
    import kaoping.appraisal as ap

    app, organ, _ = small
    engine = app.state.kp.engine
    run = ap.run_appraisal(app.state.kp.config.db, ap.load_scheme("prosecutors"), "2020",
                           engine, organ=organ, user="officer")
    prosecutor, csrf = _client(app, "prosecutor")
    assert prosecutor.post(f"/appraisal/runs/{run.run_id}/publish",
                           data={"csrf": csrf}).status_code == 403
    officer, csrf = _client(app, "officer")
    r = officer.post(f"/appraisal/runs/{run.run_id}/publish", data={"csrf": csrf})
    assert r.status_code == 200 and ap.load_run(engine, run.run_id).status == "published"
    r = officer.post(f"/appraisal/runs/{run.run_id}/publish", data={"csrf": csrf})
    assert r.status_code == 409 and "already published" in r.text


def test_an_officer_withdraws_an_item_from_the_result_page(
    small: tuple[FastAPI, str, str],
) -> None:
    """An item entered by mistake is withdrawn in the browser, with a reason; the
    prosecutor cannot, and another subject's item is not reachable through this page."""
    app, organ, prosecutor = small
    officer, csrf = _client(app, "officer")
    r = officer.post("/appraisal/runs", data={"csrf": csrf, "scheme": "prosecutors",
                                              "period": "2020", "organ": organ},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    run_id = app.state.jobs.wait(r.headers["location"].rsplit("/", 1)[1]).result["run_id"]
    page = f"/appraisal/runs/{run_id}/results/{prosecutor}"
    r = officer.post(f"{page}/items", data={
        "csrf": csrf, "category": "model_case", "points": "2",
        "reason": "误录：应为另一名检察官", "evidence": "典型案例通报"})
    assert r.status_code == 200, r.text
    item = re.search(r'class="inline-form withdraw-form" data-item="(\d+)"', r.text)
    assert item is not None, "the item table offers no withdraw form"
    item_id = item[1]

    lodger, lodger_csrf = _client(app, "prosecutor")
    r = lodger.post(f"{page}/items/{item_id}/withdraw",
                    data={"csrf": lodger_csrf, "reason": "不同意"})
    assert r.status_code == 403
    r = officer.post(f"{page}/items/{item_id}/withdraw", data={"csrf": csrf, "reason": " "})
    assert r.status_code == 400
    r = officer.post(f"{page}/items/999999/withdraw", data={"csrf": csrf, "reason": "x"})
    assert r.status_code == 404

    r = officer.post(f"{page}/items/{item_id}/withdraw",
                     data={"csrf": csrf, "reason": "录入错误"})
    assert r.status_code == 200, r.text
    row = r.text.split(f'<tr data-item="{item_id}">')[1].split("</tr>")[0]
    assert "已撤销: 录入错误" in row and "withdraw-form" not in row
    r = officer.post(f"{page}/items/{item_id}/withdraw", data={"csrf": csrf, "reason": "again"})
    assert r.status_code == 409
