"""Screenshot every page in Chinese and English, as each role sees it.

    python scripts/screenshots.py                  # writes test-artifacts/screenshots/pages/
    python scripts/screenshots.py --out DIR --persons 3000

Builds a small warehouse the way an office's month leaves one -- every table imported, an
export with two broken rows in the quarantine, 2020 computed, a prosecutors' run with a
bonus item and an objection, an upload and a computation done from the browser -- starts
the server, and lets Debian's Chromium (Playwright) open each page as the role that uses
it. The screenshots are for people to look at; they are not committed (the directory is
git-ignored). ``KAOPING_CHROMIUM`` points at another Chromium.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "screenshot-password-1"
CHROMIUM = Path(os.environ.get("KAOPING_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def build(root: Path, persons: int) -> dict[str, Any]:
    """The warehouse, the application database and the subjects the pages show."""
    import pandas as pd

    import kaoping
    import kaoping.appraisal as ap
    from kaoping.appdb import make_engine, session_scope
    from kaoping.ingest import import_files
    from kaoping.model.schema import TABLES
    from kaoping.synth import generate_dataset
    from kaoping.warehouse import connect
    from kaoping.web.users import create_user

    paths = generate_dataset(root / "data", persons=persons, years=(2019, 2020), seed=5,
                             fmt="csv")
    df = pd.read_csv(paths["persons"], dtype=str, keep_default_na=False)
    df.loc[3, "organ_code"] = "999999"
    df.loc[7, "prosecution_review_concluded"] = "2020-13-45"
    export = root / "案件导出.csv"
    df.rename(columns={c.name: c.label_zh for c in TABLES["persons"].columns}).to_csv(
        export, index=False, encoding="gbk")
    db = root / "shots.duckdb"
    con = connect(db)
    try:
        import_files(con, [p for t, p in paths.items() if t != "persons"])
        import_files(con, [export], user="officer")
    finally:
        con.close()
    with kaoping.Warehouse(db) as wh:
        wh.compute(years=[2020])
    good = df.drop(index=[3, 7])
    busiest = good[good["prosecutor_id"] != ""].groupby("prosecutor_id").size().idxmax()
    organ = str(good.loc[good["prosecutor_id"] == busiest, "organ_code"].iloc[0])
    app_db = f"sqlite:///{root / 'app.db'}"
    engine = make_engine(app_db)
    with session_scope(engine) as s:
        create_user(s, "admin", PASSWORD, "admin")
        create_user(s, "officer", PASSWORD, "officer", organ_code=organ)
        create_user(s, "prosecutor", PASSWORD, "prosecutor", organ_code=organ,
                    prosecutor_id=str(busiest))
    ap.add_item(engine, subject_type="prosecutor", subject=str(busiest), period="2020",
                category="model_case", points=2, reason="办理的案件入选典型案例",
                evidence="最高检第十批典型案例", user="officer")
    run = ap.run_appraisal(db, ap.load_scheme("prosecutors"), "2020", engine, organ=organ,
                           user="officer")
    ap.lodge_objection(engine, run.run_id, str(busiest), reason="一起案件的权重系数有误",
                       user="prosecutor")
    engine.dispose()
    return {"db": db, "app_db": app_db, "organ": organ, "prosecutor": str(busiest),
            "run": run.run_id, "export": export}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "screenshots"
                        / "pages", help="where the PNG files go")
    parser.add_argument("--persons", type=int, default=3000, help="persons to generate")
    args = parser.parse_args()
    from playwright import sync_api

    from kaoping.web import create_app
    from kaoping.web.server import start

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kaoping-shots-") as tmp:
        s = build(Path(tmp), args.persons)
        app = create_app(db=s["db"], app_db=s["app_db"], secret="screenshots-" + "x" * 30)
        server = start(app)
        try:
            with sync_api.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                            args=ARGS)
                shoot_all(browser, server.url, s, args.out)
                browser.close()
        finally:
            server.stop()
            app.state.jobs.shutdown()
            app.state.kp.data.close()
    print(f"screenshots in {args.out}")


def login(browser: Any, url: str, user: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")
    return page


def shoot(page: Any, url: str, name: str, out: Path) -> None:
    """``url`` in both languages, once its charts are drawn."""
    for lang in ("zh", "en"):
        sep = "&" if "?" in url else "?"
        page.goto(f"{url}{sep}lang={lang}")
        try:
            page.wait_for_selector("body[data-charts=ready]", state="attached", timeout=10_000)
        except Exception:  # a page without the chart script: it is loaded anyway
            page.wait_for_load_state("load")
        page.screenshot(path=str(out / f"{name}-{lang}.png"), full_page=True)
        print(f"{name}-{lang}.png")


def shoot_all(browser: Any, url: str, s: dict[str, Any], out: Path) -> None:
    officer = login(browser, url, "officer")
    # an upload done from the browser, to show its job page and summary
    officer.goto(f"{url}/data")
    officer.set_input_files("#upload-files", str(s["export"]))
    officer.click("#upload-submit")
    officer.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    officer.wait_for_selector("#job[data-finished=yes]", timeout=120_000)
    job = officer.url
    organ, run, pid = s["organ"], s["run"], s["prosecutor"]
    pages = {
        "data": "/data", "job-import": job.replace(url, ""), "imports": "/data/imports",
        "quarantine": "/data/quarantine", "appraisal": "/appraisal",
        "run": f"/appraisal/runs/{run}", "result": f"/appraisal/runs/{run}/results/{pid}",
        "overview": f"/organs/{organ}", "indicators": f"/organs/{organ}/indicators",
        "briefing": f"/organs/{organ}/briefing", "audit": "/audit",
        "password": "/account/password",
    }
    for name, path in pages.items():
        shoot(officer, url + path, f"officer-{name}", out)
    admin = login(browser, url, "admin")
    shoot(admin, f"{url}/admin/users", "admin-logins", out)
    shoot(admin, f"{url}/organs/000000/compare", "admin-compare", out)
    prosecutor = login(browser, url, "prosecutor")
    shoot(prosecutor, f"{url}/prosecutors/{pid}", "prosecutor-scorecard", out)
    page = browser.new_page()
    shoot(page, f"{url}/login", "login", out)


if __name__ == "__main__":
    main()
