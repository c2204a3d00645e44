"""Browser tests of what an officer reads (issue 13): the briefing as a document, the
indicator table, the period selector, the paged warnings, search, and xlsx export.

Same set-up as :mod:`tests.web.test_browser` (Debian's Chromium through Playwright, a
real HTTP server); every figure is checked against the API or the warehouse itself.
Screenshots land in ``test-artifacts/screenshots/``.
"""

# the browser fixtures are imported from test_browser, and named as arguments here
# ruff: noqa: F811

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
import openpyxl

from kaoping.narrative.numbers import format_value

from .conftest import INDICATOR, PERIOD, Subjects
from .test_browser import (  # noqa: F401  (fixtures)
    _chromium_is_installed,
    _login,
    _open,
    _shot,
    _text,
    _token,
    api,
    browser,
    server,
)


def _visible(page: Any, selector: str) -> str:
    return str(page.inner_text(selector))


def _open_slow(page: Any, url: str) -> None:
    """Open a page that computes on request (figures not stored in the small test
    warehouse, the briefing's narrative): minutes on a shared machine, not seconds."""
    response = page.goto(url, timeout=300_000)
    assert response is not None and response.status == 200, url
    page.wait_for_selector("body[data-charts=ready]", state="attached")


def test_briefing_is_a_formatted_document(
    browser: Any, server: str, subjects: Subjects, tmp_path: Path
) -> None:
    page = _login(browser, server, "officer_a")
    # the briefing is written on request (the narrative and, without a stored run, the
    # appraisal): slower than the other pages on a shared machine
    _open_slow(page, f"{server}/organs/{subjects.province_a}/briefing?period={PERIOD}")
    doc = _visible(page, "#briefing")
    # rendered, not Markdown source: no heading marks, pipes, comments or commands
    assert "##" not in doc and "|---" not in doc and "<!--" not in doc
    assert "kaoping show" not in doc
    headings = [h.inner_text() for h in page.query_selector_all("#briefing h2")]
    assert len(headings) >= 3 and headings[0].startswith("一、")
    assert page.query_selector_all("#briefing table tbody tr")
    charts = page.query_selector_all("[data-testid=briefing-chart]")
    assert charts and all(c.get_attribute("data-rendered") == "1" for c in charts)
    # the provenance is there, folded away, and names the commands
    assert "kaoping show" in (page.text_content("#provenance ul") or "")
    _shot(page, "officer_a-briefing")
    # printed: the page chrome goes, the document stays
    page.emulate_media(media="print")
    assert not page.is_visible("header.top") and not page.is_visible("#period-form")
    assert page.is_visible("#briefing-title")
    pdf = tmp_path / "briefing-print.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 10_000
    page.emulate_media(media="screen")


def test_indicator_table_shows_every_indicator_with_its_figures(
    browser: Any, server: str, api: httpx.Client, subjects: Subjects
) -> None:
    top = subjects.province_a
    headers = _token(api, "officer_a")
    page = _login(browser, server, "officer_a")
    _open_slow(page, f"{server}/organs/{top}/indicators?period={PERIOD}")
    definitions = api.get("/api/indicators", headers=headers).json()
    rows = page.query_selector_all("#indicator-table tbody tr")
    assert sorted(r.get_attribute("data-indicator") for r in rows) == sorted(
        d["id"] for d in definitions)
    for indicator in (INDICATOR, "persons_prosecuted"):
        v = api.get(f"/api/organs/{top}/indicators/{indicator}", params={"period": PERIOD},
                    headers=headers).json()
        row = f'#indicator-table tr[data-indicator="{indicator}"]'
        assert _text(page, f"{row} [data-testid=value]") == format_value(v["value"], v["unit"],
                                                                        "zh")
        assert _text(page, f"{row} [data-testid=previous]") == format_value(
            v["previous"], v["unit"], "zh")
        rank = _text(page, f"{row} [data-testid=rank]")
        assert rank == (f"{v['rank']}/{v['peers']}" if v["rank"] else "—")
    _shot(page, "officer_a-indicators")
    # sorting by value puts the largest count first (descending on a second click)
    head = page.query_selector_all("#indicator-table thead th")[3]
    head.click()
    head.click()
    values = [float(r.get_attribute("data-value") or "-inf")
              for r in page.query_selector_all("#indicator-table tbody tr")]
    assert values[0] == max(values)


def test_period_selector_offers_months_and_year_to_date(
    browser: Any, server: str, subjects: Subjects
) -> None:
    page = _login(browser, server, "leader_m")
    _open(page, f"{server}/organs/{subjects.municipal_m}")
    options = [o.get_attribute("value") for o in page.query_selector_all("#period option")]
    groups = [g.get_attribute("label") for g in page.query_selector_all("#period optgroup")]
    assert {"2020", "2020-H1", "2020-Q3", "2020-06", "2020-01..2020-09"} <= set(options)
    assert groups[:5] == ["年度", "半年", "季度", "1至N月累计", "月度"]
    page.select_option("#period", "2020-01..2020-09")
    page.wait_for_url(re.compile(r"period=2020-01\.\.2020-09"))
    page.wait_for_selector("body[data-charts=ready]", state="attached")
    assert "2020年1-9月" in _text(page, "#organ-name")
    assert page.eval_on_selector("#period", "e => e.value") == "2020-01..2020-09"


def _flagged_count(warehouse: Path, period: str) -> int:
    """Flagged organ figures of ``period``, counted in the warehouse itself."""
    from kaoping.warehouse import opened

    with opened(warehouse, read_only=True) as con:
        row = con.execute(
            "SELECT count(*) FROM indicator_values_organ WHERE subject_type = 'organ' "
            "AND period = ? AND coalesce(flags, '') <> ''", [period]).fetchone()
    assert row is not None
    return int(row[0])


def _severity(flags: str) -> int:
    weights = {"out_of_range": 4, "yoy_swing": 2, "small_denominator": 1}
    return sum(weights.get(f, 0) for f in flags.split(",") if f)


def test_warnings_are_complete_paged_and_most_severe_first(
    browser: Any, server: str, subjects: Subjects, warehouse: Path
) -> None:
    page = _login(browser, server, "admin")
    _open(page, f"{server}/organs/{subjects.national}?period={PERIOD}")
    expected = _flagged_count(warehouse, PERIOD)
    assert f"{expected}" in _text(page, "#all-warnings")
    with page.expect_navigation(timeout=120_000):
        page.click("#all-warnings")
    page.wait_for_url(re.compile(r"/warnings\?"))
    page.wait_for_selector("#warnings")
    total = int(page.get_attribute("[data-testid=pager] .count", "data-total"))
    assert total == expected > 50
    first = [r.get_attribute("data-flags") for r in page.query_selector_all("#warnings tbody tr")]
    assert len(first) == 50
    page.click("[data-testid=pager] .next-page")
    page.wait_for_url(re.compile(r"offset=50"))
    page.wait_for_selector("#warnings")
    second = [r.get_attribute("data-flags") for r in page.query_selector_all("#warnings tbody tr")]
    seen = [_severity(f or "") for f in first + second]
    assert seen == sorted(seen, reverse=True)
    assert "offset=50" in page.url
    _shot(page, "admin-warnings")


def test_search_finds_organs_and_prosecutors_within_scope(
    browser: Any, server: str, api: httpx.Client, subjects: Subjects
) -> None:
    page = _login(browser, server, "officer_a")
    page.fill("#search-q", subjects.grassroots_g)
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    page.wait_for_selector("#found-organs")
    assert page.query_selector(f'#found-organs tr[data-organ="{subjects.grassroots_g}"]')
    _shot(page, "officer_a-search")
    page.click(f'#found-organs tr[data-organ="{subjects.grassroots_g}"] a')
    page.wait_for_url(re.compile(rf"/organs/{subjects.grassroots_g}"))
    page.wait_for_selector("#organ-name")
    assert page.get_attribute("#organ-name", "data-organ") == subjects.grassroots_g
    # the API answers the same, and never outside the scope
    headers = _token(api, "officer_a")
    found = api.get("/api/search", params={"q": subjects.prosecutor_p}, headers=headers).json()
    assert [p["prosecutor_id"] for p in found["prosecutors"]] == [subjects.prosecutor_p]
    other = api.get("/api/search", params={"q": subjects.province_b}, headers=headers).json()
    assert other["organs"] == []
    assert api.get("/api/search", params={"q": ""}, headers=headers).status_code == 422


def test_organ_page_lists_its_prosecutors_with_links(
    browser: Any, server: str, subjects: Subjects, warehouse: Path
) -> None:
    from kaoping.warehouse import opened

    with opened(warehouse, read_only=True) as con:
        ids = [str(r[0]) for r in con.execute(
            "SELECT prosecutor_id FROM prosecutors WHERE organ_code = ? ORDER BY 1",
            [subjects.grassroots_g]).fetchall()]
    page = _login(browser, server, "leader_g")
    _open(page, f"{server}/organs/{subjects.grassroots_g}")
    shown = [r.get_attribute("data-prosecutor")
             for r in page.query_selector_all("#prosecutors tbody tr")]
    assert shown == ids[:50]
    page.click(f'#prosecutors tr[data-prosecutor="{ids[0]}"] a')
    page.wait_for_url(re.compile(rf"/prosecutors/{ids[0]}"))
    page.wait_for_selector("#prosecutor-name")
    assert page.get_attribute("#prosecutor-name", "data-prosecutor") == ids[0]


def test_every_table_exports_to_xlsx(
    browser: Any, server: str, subjects: Subjects
) -> None:
    page = _login(browser, server, "officer_a")
    _open_slow(page, f"{server}/organs/{subjects.province_a}/indicators?period={PERIOD}")
    header = [th.inner_text().strip()
              for th in page.query_selector_all("#indicator-table thead th")]
    rows = page.query_selector_all("#indicator-table tbody tr")
    value = _text(page, f'#indicator-table tr[data-indicator="{INDICATOR}"] '
                        "[data-testid=value]")
    with page.expect_download() as info:
        page.click('a[data-export="indicator-table"]')
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    sheet = book.worksheets[0]
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert [str(h) for h in cells[0]] == header
    assert len(cells) - 1 == len(rows)
    name = _text(page, f'#indicator-table tr[data-indicator="{INDICATOR}"] td:nth-child(2)')
    exported = next(r for r in cells if r[1] == name)
    shown = float(value.rstrip("%")) / 100
    assert exported[3] == shown  # a rate is a number in Excel, formatted as a percentage
    # the warnings table of the overview too: every on-screen table has its link
    _open(page, f"{server}/organs/{subjects.province_a}?period={PERIOD}")
    links = {a.get_attribute("data-export") for a in page.query_selector_all("a[data-export]")}
    tables = {t.get_attribute("id") for t in page.query_selector_all("table.grid")}
    assert tables and tables <= links


def test_breakdown_bars_are_labelled_as_the_table_prints_them(
    browser: Any, server: str, subjects: Subjects
) -> None:
    """The value at the end of each bar is the table's figure: average days to one
    decimal (not the chart's two), counts whole with separators."""
    page = _login(browser, server, "officer_a")
    for indicator in ("avg_prosecution_review_days", "persons_prosecuted"):
        _open_slow(page, f"{server}/organs/{subjects.province_a}/indicators/{indicator}"
                         f"?period={PERIOD}")
        labels = page.evaluate(
            """() => {
                const el = document.querySelector('[data-chart=breakdown]');
                const s = echarts.getInstanceByDom(el).getOption().series[0];
                return s.data.map(v => s.label.formatter({value: v}));
            }"""
        )
        cells = page.query_selector_all("#breakdown-table tbody tr td:nth-child(2)")
        table = [c.inner_text().strip() for c in cells]
        assert labels and len(labels) == len(table), (indicator, labels, table)
        for label, shown in zip(labels, table, strict=True):
            if label == "—":  # a category without records: no figure either way
                assert shown in ("—", "无数据"), (indicator, shown)
                continue
            # the table prints days with their unit word; the bar only the number
            assert shown.startswith(label), (indicator, label, shown)
        assert sum(label != "—" for label in labels) >= 2, (indicator, labels)


def test_the_gaming_section_comes_in_after_the_page(
    browser: Any, server: str, api: httpx.Client, subjects: Subjects
) -> None:
    # a period no other test asks the detectors about: the page does not wait for them
    period = "2019-05"
    page = _login(browser, server, "officer_a")
    response = page.goto(f"{server}/organs/{subjects.province_a}?period={period}",
                         timeout=120_000)
    assert response is not None and response.status == 200
    served = response.text()
    assert 'id="gaming-pending"' in served and "data-fragment=" in served
    # the script puts the section in its place, listing what the API detects
    page.wait_for_selector("#possible-gaming:not([data-fragment])", timeout=300_000)
    assert page.locator("#gaming-pending").count() == 0
    found = api.get("/api/detections", params={"organ": subjects.province_a, "period": period},
                    headers=_token(api, "officer_a"))
    assert found.status_code == 200, found.text
    rows = page.locator("#gaming-table tbody tr")
    if found.json():
        assert rows.count() == len(found.json())
    else:
        assert rows.count() == 0 and page.locator("#no-gaming").count() == 1
