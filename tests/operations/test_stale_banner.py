"""After an import the pages and the API say the figures are older than the data; after
the computation they say nothing. Checked in Debian's Chromium over a real server."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright import sync_api
from tests.operations.ops import compute_args, run

from kaoping.synth import generate_dataset

CHROMIUM = Path(os.environ.get("KAOPING_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "stale-banner-password-1"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def test_banner_and_field_follow_import_and_compute(tmp_path: Path) -> None:
    import pandas as pd

    from kaoping.web.app import create_app
    from kaoping.web.server import start

    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: run scripts/install-system-deps.sh"
    files = generate_dataset(tmp_path / "data", persons=2000, years=(2019, 2020), seed=8,
                             fmt="parquet")
    db = tmp_path / "kaoping.duckdb"
    app_db = f"sqlite:///{tmp_path / 'app.db'}"
    run(db, "import", *[str(p) for p in files.values()])
    run(db, *compute_args())
    run(db, "users", "add", "officer", "--role", "officer", "--organ", "000000", app_db=app_db,
        input=PASSWORD + "\n")
    persons = pd.read_parquet(files["persons"]).head(20)
    persons["sentence_months"] = persons["sentence_months"].fillna(0) + 2
    fix = tmp_path / "fix" / "persons.parquet"
    fix.parent.mkdir()
    persons.to_parquet(fix, index=False)

    server = start(create_app(db=db, app_db=app_db, secret="stale-banner-test"))
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                        args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "officer")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            banner = page.locator("[data-testid=stale-banner]")
            assert banner.count() == 0, "a banner before any import since the computation"

            run(db, "import", str(fix))
            page.reload()
            assert banner.count() == 1
            text = banner.inner_text()
            assert "请重新计算" in text and "导入" in text, text
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "stale-banner-zh.png"))
            page.goto(page.url.split("?")[0] + "?lang=en")
            assert "older than the data" in banner.inner_text()
            token = httpx.post(f"{server.url}/api/token",
                               json={"username": "officer", "password": PASSWORD})
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            r = httpx.get(f"{server.url}/api/organs/000000/indicators/persons_prosecuted",
                          params={"period": "2020"}, headers=bearer)
            assert r.headers["x-kaoping-stale"] == "true"
            assert r.json()["freshness"]["stale"] is True

            run(db, *compute_args())
            page.reload()
            assert banner.count() == 0, "the banner stayed after the computation"
            r = httpx.get(f"{server.url}/api/organs/000000/indicators/persons_prosecuted",
                          params={"period": "2020"}, headers=bearer)
            assert r.headers["x-kaoping-stale"] == "false"
            assert r.json()["freshness"]["stale"] is False
            browser.close()
    finally:
        server.stop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_freshness_message_names_both_times(lang: str) -> None:
    import datetime as dt

    from kaoping.engine.freshness import Freshness

    f = Freshness(3, 2, True, dt.datetime(2020, 12, 2, 9, 5), dt.datetime(2020, 12, 1, 18, 30))
    assert f.stale
    text = f.message(lang)
    if lang == "zh":
        assert "2020年12月2日 09:05" in text and "2020年12月1日 18:30" in text
    else:
        assert "2020-12-02 09:05" in text and "2020-12-01 18:30" in text
    fresh = Freshness(2, 2, True, None, None)
    assert not fresh.stale and fresh.message(lang) == ""
    never = Freshness(1, None, False, None, None)
    assert not never.stale  # nothing stored: nothing to be stale
