"""Screenshots of every page in both languages, to look at (not committed).

    python scripts/page_screenshots.py --db kaoping.duckdb --app-db sqlite:///app.db \\
        --user admin --password '…' --out test-artifacts/pages

The pages are the GET routes of the application's routing table (as the untranslated-text
test walks them), each opened in Debian's Chromium (``KAOPING_CHROMIUM`` points
elsewhere) with sample parameters picked from the warehouse: the organ of the user (or
the first province), its first prosecutor, the non-arrest rate, the newest appraisal run.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from fastapi.routing import APIRoute
from playwright.sync_api import sync_playwright

from kaoping.web import create_app
from kaoping.web.server import start


def _samples(db: Path, app_db: str) -> dict[str, str]:
    from kaoping.warehouse import opened

    with opened(db, read_only=True) as con:
        organ = con.execute("SELECT organ_code FROM organs WHERE level = 2 "
                            "ORDER BY 1 LIMIT 1").fetchone()
        prosecutor = con.execute("SELECT prosecutor_id FROM prosecutors ORDER BY 1 "
                                 "LIMIT 1").fetchone()
    out = {"organ_code": str(organ[0]) if organ else "000000", "indicator": "non_arrest_rate",
           "prosecutor_id": str(prosecutor[0]) if prosecutor else ""}
    try:
        import kaoping.appraisal as ap
        from kaoping.appdb import make_engine

        runs = ap.list_runs(make_engine(app_db))
        if runs:
            out["run_id"] = str(runs[0].run_id)
    except Exception:  # no appraisal runs: the run pages are left out
        pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--app-db", required=True)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/pages"))
    parser.add_argument("--only", default="",
                        help="only the pages whose route contains this text, e.g. published")
    args = parser.parse_args()
    app = create_app(db=args.db, app_db=args.app_db,
                     secret=os.environ.get("KAOPING_SECRET_KEY", "screenshots-only"))
    samples = _samples(args.db, args.app_db)
    try:  # FastAPI >= 0.16x keeps included routers nested
        from fastapi.routing import iter_route_contexts

        routes = [c.route for c in iter_route_contexts(app.routes)]
    except ImportError:
        routes = list(app.routes)
    paths = sorted({r.path for r in routes if isinstance(r, APIRoute) and "GET" in (r.methods or ())
                    and not r.path.startswith(("/api", "/static")) and r.path != "/"
                    and args.only in r.path})
    server = start(app)
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("KAOPING_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{server.url}/login")
        page.fill("#username", args.user)
        page.fill("#password", args.password)
        page.click("#login-submit")
        for path in paths:
            names = re.findall(r"{(\w+)}", path)
            if any(n not in samples for n in names):
                print("skipped (no sample):", path)
                continue
            url = path
            for n in names:
                url = url.replace(f"{{{n}}}", samples[n])
            for lang in ("zh", "en"):
                page.goto(f"{server.url}{url}?lang={lang}", timeout=180_000)
                page.wait_for_load_state("load")
                stem = re.sub(r"[^\w]+", "-", path).strip("-") or "home"
                shot = args.out / f"{stem}-{lang}.png"
                page.screenshot(path=str(shot), full_page=True)
                print(shot)
        browser.close()
    server.stop()


if __name__ == "__main__":
    main()
