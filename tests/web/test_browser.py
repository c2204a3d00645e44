"""Browser tests: Debian's Chromium, driven by Playwright, over a real HTTP server.

Each role logs in through the login page, opens each of its pages, checks the figures
shown against the API, draws the charts, switches language, and leaves a screenshot per
page and language in ``test-artifacts/screenshots/``. Chromium comes from Debian
(``scripts/install-system-deps.sh``); ``KAOPING_CHROMIUM`` points elsewhere.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright import sync_api

from kaoping.narrative.numbers import format_value

from .conftest import INDICATOR, PASSWORD, Runs, Subjects

CHROMIUM = Path(os.environ.get("KAOPING_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"



@pytest.fixture(scope="module", autouse=True)
def _chromium_is_installed() -> None:
    # A missing browser is a broken install, not a reason to pass: fail and say how to fix it.
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: run scripts/install-system-deps.sh"


@pytest.fixture(scope="module")
def server(app: FastAPI) -> Iterator[str]:
    from kaoping.web.server import start

    running = start(app)
    yield running.url
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def _token(api: httpx.Client, user: str) -> dict[str, str]:
    r = api.post("/api/token", json={"username": user, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _login(browser: Any, server: str, user: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # read by _open: a script error or a CSP violation fails the test
    page.goto(f"{server}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")
    assert "/login" not in page.url, page.content()[:500]
    return page


def _open(page: Any, url: str) -> float:
    """Open ``url``; wait until its charts are drawn; returns seconds to load."""
    start = time.perf_counter()
    response = page.goto(url)
    page.wait_for_selector("body[data-charts=ready]", state="attached", timeout=15_000)
    took = time.perf_counter() - start
    assert response is not None and response.status == 200, (url, response and response.status)
    for chart in page.query_selector_all("[data-chart]"):
        assert chart.get_attribute("data-rendered") == "1" or not chart.is_visible()
    real = [e for e in page.errors if "status of 403" not in e]
    assert not real, real
    return took


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _text(page: Any, selector: str) -> str:
    el = page.query_selector(selector)
    assert el is not None, selector
    return str(el.inner_text()).strip()


def _switch_language(page: Any, name: str) -> None:
    """Click the switch, check the page turned English, screenshot, and switch back."""
    page.click("#lang-switch")
    page.wait_for_selector("body[data-lang=en]")
    page.wait_for_selector("body[data-charts=ready]", state="attached")
    assert "Log out" in page.content()
    _shot(page, f"{name}-en")
    page.click("#lang-switch")
    page.wait_for_selector("body[data-lang=zh]")


def _check_cards(page: Any, api: httpx.Client, headers: dict[str, str], organ: str,
                 lang: str) -> None:
    cards = api.get(f"/api/organs/{organ}/indicators", headers=headers).json()
    assert cards
    for card in cards:
        v = card["value"]
        shown = _text(page, f'a.card[data-indicator="{v["indicator"]}"] [data-testid=value]')
        assert shown == format_value(v["value"], v["unit"], lang), v["indicator"]
        light = page.query_selector(f'a.card[data-indicator="{v["indicator"]}"] .light')
        assert light is not None
        assert light.get_attribute("data-status") == card["status"]["status"]


@pytest.mark.parametrize("user", ["admin", "officer_a", "leader_m"])
def test_staff_pages(
    user: str, browser: Any, server: str, api: httpx.Client, subjects: Subjects
) -> None:
    top = {"admin": subjects.national, "officer_a": subjects.province_a,
           "leader_m": subjects.municipal_m}[user]
    headers = _token(api, user)
    page = _login(browser, server, user)
    timings = {}

    timings["overview"] = _open(page, f"{server}/organs/{top}")
    _check_cards(page, api, headers, top, "zh")
    assert page.query_selector_all(".card .chart[data-rendered='1']")
    _shot(page, f"{user}-overview")
    _switch_language(page, f"{user}-overview")

    timings["compare"] = _open(page, f"{server}/organs/{top}/compare")
    rows = api.get(f"/api/organs/{top}/indicators/{INDICATOR}/ranking",
                   headers=headers).json()["rows"]
    shown = [r.get_attribute("data-organ") for r in page.query_selector_all("#league tbody tr")]
    assert shown == [r["subject"] for r in rows]
    if rows:
        first = rows[0]
        assert _text(page, f'#league tr[data-organ="{first["subject"]}"] [data-testid=value]') \
            == format_value(first["value"], "rate", "zh")
    _shot(page, f"{user}-compare")
    _switch_language(page, f"{user}-compare")

    timings["indicator"] = _open(page, f"{server}/organs/{top}/indicators/{INDICATOR}")
    value = api.get(f"/api/organs/{top}/indicators/{INDICATOR}", headers=headers).json()
    assert _text(page, "#figure [data-testid=value]") == format_value(value["value"], "rate",
                                                                      "zh")
    assert _text(page, "[data-testid=denominator]") == f"{value['denominator']:,.0f}"
    _shot(page, f"{user}-indicator")
    _switch_language(page, f"{user}-indicator")

    page.click("#drill-numerator")
    page.wait_for_selector("#records")
    total = int(page.get_attribute("#records-total", "data-total"))
    assert total == value["numerator"]
    _shot(page, f"{user}-records")

    timings["appraisal"] = _open(page, f"{server}/appraisal")
    _shot(page, f"{user}-appraisal")
    slow = {k: round(v, 2) for k, v in timings.items() if v > 3.0}
    assert not slow, f"pages should load in well under a second; took {slow}"


def test_league_table_sorts_and_clicks_through(
    browser: Any, server: str, subjects: Subjects
) -> None:
    page = _login(browser, server, "officer_a")
    _open(page, f"{server}/organs/{subjects.province_a}/compare")

    def values() -> list[float]:
        out = []
        for r in page.query_selector_all("#league tbody tr"):
            v = r.get_attribute("data-value")
            out.append(float(v) if v else float("inf"))
        return out

    header = page.query_selector_all("#league thead th")[2]
    header.click()
    ascending = values()
    assert ascending == sorted(ascending)
    header.click()
    descending = [v for v in values() if v != float("inf")]
    assert descending == sorted(descending, reverse=True)
    # a click on a bar opens that organ's overview
    code = page.evaluate(
        """() => {
            const el = document.querySelector('[data-chart=bars]');
            const chart = echarts.getInstanceByDom(el);
            const opt = chart.getOption();
            const i = opt.series[0].data.findIndex(v => v !== null && v > 0);
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [i, opt.series[0].data[i]]);
            const box = el.getBoundingClientRect();
            window.__bar = {x: box.left + x, y: box.top + y + 3};
            return JSON.parse(document.getElementById('chart-data-bars').textContent)
                .league.codes[i];
        }"""
    )
    pos = page.evaluate("() => window.__bar")
    page.mouse.click(pos["x"], pos["y"])
    page.wait_for_url(re.compile(rf"/organs/{code}(\?|$)"))
    assert _text(page, "#organ-name").startswith(page.title().split(" · ")[0])


def test_prosecutor_pages_and_objection(
    browser: Any, server: str, api: httpx.Client, subjects: Subjects, runs: Runs
) -> None:
    headers = _token(api, "prosecutor")
    page = _login(browser, server, "prosecutor")
    p = subjects.prosecutor_p
    assert page.url.endswith(f"/prosecutors/{p}")
    _open(page, f"{server}/prosecutors/{p}?period=2020")
    for row in page.query_selector_all("#prosecutor-figures tbody tr"):
        ind = row.get_attribute("data-indicator")
        v = api.get(f"/api/prosecutors/{p}/indicators/{ind}", headers=headers).json()
        assert row.query_selector("[data-testid=value]").inner_text().strip() == format_value(
            v["value"], v["unit"], "zh")
    result = api.get(f"/api/appraisal/runs/{runs.prosecutors_g}/results/{p}",
                     headers=headers).json()["result"]
    assert _text(page, "#decomposition [data-testid=total]") == f"{result['total']:.2f}"
    _shot(page, "prosecutor-scorecard")
    _switch_language(page, "prosecutor-scorecard")

    # the object button: pick an indicator, give a reason, submit
    page.click(".object-btn >> nth=0")
    chosen = page.input_value("#object-indicator")
    assert chosen
    page.fill("#object-reason", "浏览器测试：请复核此项")
    page.click("#object-submit")
    page.wait_for_selector("#objection-list")
    assert "浏览器测试：请复核此项" in page.content()
    mine = api.get("/api/appraisal/objections", headers=headers).json()
    assert any(o["indicator"] == chosen and o["status"] == "pending" for o in mine)
    _shot(page, "prosecutor-objection")

    # his organ's aggregates, but nobody else's scorecard
    _open(page, f"{server}/organs/{subjects.grassroots_g}")
    _shot(page, "prosecutor-organ-overview")
    r = page.goto(f"{server}/prosecutors/{subjects.prosecutor_p2}")
    assert r is not None and r.status == 403
    assert page.query_selector("#error-message") is not None
