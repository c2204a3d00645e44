"""The case-management office's month in the browser, end to end (issue 13).

Debian's Chromium, driven by Playwright, over a real HTTP server, each step done by the
role that does it: the officer uploads a GBK export with Chinese headers and two broken
rows, reads the quarantine under his own headers, downloads it, fixes one row with
openpyxl and uploads the workbook again, computes, starts a draft run, enters a bonus
item, runs it again and publishes it; the prosecutor objects; the officer accepts with a
correction and publishes the new run; the prosecutor's scorecard shows the new total.

The warehouse is this module's own (it is written): a few thousand persons, so the walk
takes about a minute. Expected values come from the data the test wrote, not the pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from fastapi import FastAPI

from . import test_browser as _shared
from .conftest import PASSWORD

SHOTS = _shared.SHOTS
# test_browser's fixtures: the browser, and a server of this module's ``app``
browser = _shared.browser
server = _shared.server
_chromium_is_installed = _shared._chromium_is_installed

PERSONS = 3000
BAD_ORGAN, BAD_DATE = 3, 7  # row indexes of the broken rows of the export
EXPORT = "案件导出.csv"


@dataclass(frozen=True)
class Office:
    db: Path
    export: Path
    persons: pd.DataFrame  # the export as written (Chinese headers), broken rows included
    true_date: str  # what the broken date should have been
    organ: str  # the grassroots organ whose prosecutors are appraised
    prosecutor: str


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    """A warehouse with every table but the persons (and figures computed from them, so
    that the upload makes them stale), and the persons as an export."""
    import kaoping
    from kaoping.ingest import import_files
    from kaoping.model.schema import TABLES
    from kaoping.synth import generate_dataset
    from kaoping.warehouse import connect

    root = tmp_path_factory.mktemp("office")
    paths = generate_dataset(root / "data", persons=PERSONS, years=(2019, 2020), seed=5,
                             fmt="csv")
    db = root / "office.duckdb"
    con = connect(db)
    try:
        import_files(con, [p for t, p in paths.items() if t != "persons"])
    finally:
        con.close()
    with kaoping.Warehouse(db) as wh:
        wh.compute(years=[2020], indicators=["persons_prosecuted"])
    df = pd.read_csv(paths["persons"], dtype=str, keep_default_na=False)
    organs = pd.read_csv(paths["organs"], dtype=str, keep_default_na=False)
    grassroots = set(organs.loc[organs["level"] == "4", "organ_code"])
    mine = df[df["organ_code"].isin(grassroots) & (df["prosecutor_id"] != "")]
    mine = mine.drop(index=[BAD_ORGAN, BAD_DATE], errors="ignore")
    busiest = mine.groupby("prosecutor_id").size().sort_values(ascending=False).index[0]
    organ = str(mine.loc[mine["prosecutor_id"] == busiest, "organ_code"].iloc[0])
    true_date = str(df.loc[BAD_DATE, "prosecution_review_concluded"])
    assert true_date, "the row to break has a conclusion date"
    df.loc[BAD_ORGAN, "organ_code"] = "999999"
    df.loc[BAD_DATE, "prosecution_review_concluded"] = "2020-13-45"
    df = df.rename(columns={c.name: c.label_zh for c in TABLES["persons"].columns})
    export = root / EXPORT
    df.to_csv(export, index=False, encoding="gbk")
    return Office(db, export, df, true_date, organ, str(busiest))


@pytest.fixture(scope="module")
def app(office: Office, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """This module's own application (the conftest's is read-only and shared): the
    ``server`` fixture of test_browser serves it."""
    from kaoping.appdb import session_scope
    from kaoping.web import create_app
    from kaoping.web.users import create_user

    url = f"sqlite:///{tmp_path_factory.mktemp('office-app') / 'app.db'}"
    app = create_app(db=office.db, app_db=url, secret="office-tests-secret-not-for-production")
    with session_scope(app.state.kp.engine) as s:
        create_user(s, "admin", PASSWORD, "admin")
        create_user(s, "officer", PASSWORD, "officer", organ_code=office.organ)
        create_user(s, "prosecutor", PASSWORD, "prosecutor", organ_code=office.organ,
                    prosecutor_id=office.prosecutor)
    yield app
    app.state.jobs.shutdown()
    app.state.kp.data.close()


def login(browser: Any, server: str, user: str, password: str = PASSWORD) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    page.goto(f"{server}/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_load_state("load")
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"workflow-{name}.png"), full_page=True)


def finish_job(page: Any) -> dict[str, str]:
    """Wait on a job page until it reloads finished; the job's status and id."""
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"), timeout=30_000)
    page.wait_for_selector("#job[data-finished=yes]", timeout=120_000)
    job = page.query_selector("#job")
    status = str(job.get_attribute("data-status"))
    assert status == "done", page.inner_text("#job")
    return {"status": status}


def cells(page: Any, selector: str) -> list[str]:
    return [str(c.inner_text()).strip() for c in page.query_selector_all(selector)]


def upload(page: Any, server: str, path: Path) -> None:
    page.goto(f"{server}/data")
    page.set_input_files("#upload-files", str(path))
    page.click("#upload-submit")
    finish_job(page)


def test_a_month_of_work_in_the_browser(browser: Any, server: str, office: Office) -> None:
    officer = login(browser, server, "officer")
    rows = len(office.persons)

    # upload -> the summary counts what the export holds
    upload(officer, server, office.export)
    shot(officer, "import-summary")
    assert cells(officer, "#import-summary [data-testid=inserted]") == [f"{rows - 2:,}"]
    assert cells(officer, "#import-summary [data-testid=quarantined]") == ["2"]
    assert "gb" in officer.inner_text("#import-summary").lower()  # read as GBK

    # the quarantine: spreadsheet rows, the headers as typed, reasons in Chinese
    officer.click("#to-quarantine")
    shot(officer, "quarantine")
    assert cells(officer, "#quarantine tbody td:nth-child(2)") == [str(BAD_ORGAN + 2),
                                                                   str(BAD_DATE + 2)]
    assert cells(officer, "#quarantine .q-header") == ["院代码", "审查起诉审结日期"]
    reasons = cells(officer, "#quarantine .q-reason")
    assert "检察院表中没有院代码为 '999999' 的记录" in reasons[0]
    assert reasons[1].startswith("应为日期")
    officer.click("#lang-switch")
    officer.wait_for_selector("body[data-lang=en]")
    assert cells(officer, "#quarantine .q-header") == ["院代码", "审查起诉审结日期"]
    assert "no organs row with organ_code '999999'" in cells(officer, "#quarantine .q-reason")[0]
    officer.click("#lang-switch")
    officer.wait_for_selector("body[data-lang=zh]")

    # download, fix the date with openpyxl, upload the workbook again
    with officer.expect_download() as download:
        officer.click(".export-fix")
    fixed = Path(office.db.parent / download.value.suggested_filename)
    download.value.save_as(fixed)
    book = openpyxl.load_workbook(fixed)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    by_row = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert sorted(by_row) == [BAD_ORGAN + 2, BAD_DATE + 2]
    date_cell = by_row[BAD_DATE + 2][header.index("审查起诉审结日期")]
    assert date_cell.value == "2020-13-45" and date_cell.comment is not None
    date_cell.value = office.true_date
    book.save(fixed)
    upload(officer, server, fixed)
    shot(officer, "reimport-summary")
    assert cells(officer, "#import-summary [data-testid=inserted]") == ["1"]
    assert cells(officer, "#import-summary [data-testid=quarantined]") == ["1"]
    assert "已忽略不属于犯罪嫌疑人表的列：原行号" in officer.inner_text("#import-summary")
    officer.goto(f"{server}/data/quarantine")
    assert cells(officer, "#quarantine tbody td:nth-child(1)") == [fixed.name]
    assert cells(officer, "#quarantine .q-header") == ["院代码"]
    assert officer.get_attribute("#quarantine-count", "data-total") == "1"
    officer.goto(f"{server}/data/imports")
    assert len(officer.query_selector_all("#imports tbody tr")) == 2 + 9  # 9 tables at setup

    # compute; the stale banner goes away
    officer.goto(f"{server}/data")
    assert officer.query_selector("[data-testid=stale-banner]") is not None
    officer.fill("#compute-form input[name=years]", "2020")
    officer.click("#compute-submit")
    finish_job(officer)
    shot(officer, "compute-done")
    officer.goto(f"{server}/data")
    assert officer.query_selector("[data-testid=stale-banner]") is None

    # a draft run of the organ's prosecutors
    officer.goto(f"{server}/appraisal")
    officer.select_option("#run-scheme", "prosecutors")
    officer.fill("#run-period", "2020")
    officer.fill("#run-organ", office.organ)
    officer.click("#start-run")
    finish_job(officer)
    officer.click("#to-run")
    shot(officer, "draft-run")
    assert "草稿" in officer.inner_text("#run-title")
    first = officer.url
    total = float(officer.get_attribute(f"#results tr[data-subject={office.prosecutor}]",
                                        "data-total"))

    # a bonus item for the prosecutor, then the run again: the item counts
    officer.click(f"#results tr[data-subject={office.prosecutor}] a")
    officer.select_option("#item-category", "model_case")
    officer.fill("#item-points", "2")
    officer.fill("#item-reason", "办理的案件入选典型案例")
    officer.fill("#item-evidence", "最高检第十批典型案例")
    officer.click("#item-submit")
    assert "最高检第十批典型案例" in officer.inner_text("#items")
    officer.goto(first)
    assert officer.query_selector("#items-since") is not None
    officer.click("#rerun")
    finish_job(officer)
    officer.click("#to-run")
    second = officer.url
    assert second != first
    row = f"#results tr[data-subject={office.prosecutor}]"
    assert float(officer.get_attribute(row, "data-total")) == pytest.approx(total + 2, abs=0.01)
    officer.click("#publish")
    assert "已发布" in officer.inner_text("#run-title")

    # the prosecutor objects on his scorecard
    prosecutor = login(browser, server, "prosecutor")
    prosecutor.goto(f"{server}/prosecutors/{office.prosecutor}?period=2020")
    assert float(prosecutor.inner_text("#decomposition [data-testid=total]")) == pytest.approx(
        total + 2, abs=0.01)
    prosecutor.fill("#object-reason", "一起案件的权重系数有误")
    prosecutor.click("#object-submit")
    # the form posts and the scorecard comes back with the objection: wait for it (on a
    # loaded machine the reload can outlast the click's own wait)
    prosecutor.wait_for_selector("#objection-list .status-badge")
    assert cells(prosecutor, "#objection-list .status-badge") == ["待复核"]
    shot(prosecutor, "objection-lodged")

    # the officer accepts it with a correction, and publishes the run it makes
    officer.goto(f"{second.split('?')[0]}/results/{office.prosecutor}")
    officer.fill(".review-form input[name=reason]", "核实后权重系数确有错误")
    officer.fill(".review-form input[name=correction]", "1.5")
    officer.click(".review-form button[value=accept]")
    assert cells(officer, "#objection-list .status-badge") == ["已采纳"]
    officer.click("#objection-list a[href^='/appraisal/runs/']:not([href*=results])")
    assert "草稿" in officer.inner_text("#run-title")
    officer.click("#publish")
    shot(officer, "corrected-run")

    # the prosecutor's scorecard quotes the corrected run
    prosecutor.goto(f"{server}/prosecutors/{office.prosecutor}?period=2020")
    assert float(prosecutor.inner_text("#decomposition [data-testid=total]")) == pytest.approx(
        total + 2 + 1.5, abs=0.01)
    assert cells(prosecutor, "#objection-list .status-badge") == ["已采纳"]
    shot(prosecutor, "scorecard-updated")
    for page in (officer, prosecutor):
        assert not [e for e in page.errors if "status of 4" not in e], page.errors


def test_an_administrator_manages_logins(browser: Any, server: str, office: Office) -> None:
    admin = login(browser, server, "admin")
    admin.goto(f"{server}/admin/users")
    admin.fill("#add-user-form input[name=username]", "officer2")
    admin.select_option("#add-user-form select[name=role]", "officer")
    admin.fill("#add-user-form input[name=organ]", office.organ)
    admin.fill("#add-user-form input[name=password]", "password1234")
    admin.click("#add-user-submit")
    assert "最常见的密码" in admin.inner_text("#admin-error")  # the policy, in Chinese
    assert admin.input_value("#add-user-form input[name=username]") == "officer2"
    admin.fill("#add-user-form input[name=password]", "a long enough pass phrase")
    admin.click("#add-user-submit")
    assert admin.query_selector("tr[data-user=officer2][data-active=yes]") is not None
    shot(admin, "logins")

    newcomer = login(browser, server, "officer2", "a long enough pass phrase")
    assert "/login" not in newcomer.url
    admin.click("tr[data-user=officer2] .disable-user")
    assert admin.query_selector("tr[data-user=officer2][data-active=no]") is not None
    newcomer.goto(f"{server}/data")
    assert "/login" in newcomer.url  # his session ended with the account
    assert "/login" in login(browser, server, "officer2", "a long enough pass phrase").url

    admin.click("tr[data-user=officer2] .enable-user")
    admin.fill("tr[data-user=officer2] .passwd-form input[name=password]", "another pass phrase")
    admin.click("tr[data-user=officer2] .passwd-user")
    assert admin.query_selector("#admin-done") is not None
    assert "/login" in login(browser, server, "officer2", "a long enough pass phrase").url
    assert "/login" not in login(browser, server, "officer2", "another pass phrase").url
    admin.goto(f"{server}/admin/users")
    events = {str(r.get_attribute("data-event")) for r in admin.query_selector_all(
        "#login-events tr[data-event]")}
    assert {"disabled", "enabled", "password_changed"} <= events
