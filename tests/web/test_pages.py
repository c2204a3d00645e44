"""Every page, for every role, in both languages, showing the numbers ``kaoping show`` prints.

These run without a browser (the HTML as served); tests/web/test_browser.py drives
Chromium over the same pages for what needs JavaScript: charts, sorting, clicks.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kaoping.narrative.numbers import format_value

from .conftest import INDICATOR, Subjects, show_json


def _attr(page: str, tag_attr: str, key: str) -> str:
    """The inner text of the element carrying ``tag_attr="key"`` ... data-testid=value."""
    m = re.search(rf'{tag_attr}="{re.escape(key)}".*?data-testid="value">([^<]*)<', page, re.S)
    assert m, f"no {tag_attr}={key} in page"
    return html.unescape(m.group(1)).strip()


def _pages_for(role: str, s: Subjects) -> list[str]:
    if role == "prosecutor":
        p, g = s.prosecutor_p, s.grassroots_g
        return [f"/prosecutors/{p}", f"/organs/{g}", f"/organs/{g}/indicators/{INDICATOR}",
                f"/prosecutors/{p}/indicators/{INDICATOR}/records"]
    top = {"admin": s.national, "officer_a": s.province_a, "leader_m": s.municipal_m}[role]
    return [f"/organs/{top}", f"/organs/{top}/compare", f"/organs/{top}/indicators",
            f"/organs/{top}/indicators/{INDICATOR}",
            f"/organs/{s.grassroots_g}/indicators/{INDICATOR}/records", "/audit"]


@pytest.mark.parametrize("role", ["admin", "officer_a", "leader_m", "prosecutor"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_for_every_role(
    role: str, lang: str, pages: dict[str, TestClient], subjects: Subjects
) -> None:
    c = pages[role]
    for url in _pages_for(role, subjects):
        r = c.get(url, params={"lang": lang})
        assert r.status_code == 200, (role, url, r.status_code, r.text[:500])
        assert f'data-lang="{lang}"' in r.text
        assert "Traceback" not in r.text
        word = {"zh": "退出", "en": "Log out"}[lang]
        assert word in r.text, (url, lang)


def test_home_sends_each_role_to_its_page(
    pages: dict[str, TestClient], subjects: Subjects
) -> None:
    expect = {"admin": f"/organs/{subjects.national}",
              "officer_a": f"/organs/{subjects.province_a}",
              "leader_m": f"/organs/{subjects.municipal_m}",
              "prosecutor": f"/prosecutors/{subjects.prosecutor_p}"}
    for role, where in expect.items():
        assert pages[role].get("/", follow_redirects=False).headers["location"] == where


def test_language_switch_sticks(app: object, subjects: Subjects) -> None:
    from .conftest import page_client

    c = page_client(app, "leader_m")  # type: ignore[arg-type]
    url = f"/organs/{subjects.municipal_m}"
    assert "概览" in c.get(url).text
    r = c.get(url, params={"lang": "en"})
    assert "Overview" in r.text and 'hreflang="zh"' in r.text
    assert "Overview" in c.get(url).text  # the cookie remembers
    assert "概览" in c.get(url, params={"lang": "zh"}).text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_numbers_equal_kaoping_show(
    lang: str, pages: dict[str, TestClient], subjects: Subjects, warehouse: Path
) -> None:
    organ = subjects.province_a
    page = pages["officer_a"].get(f"/organs/{organ}", params={"lang": lang}).text
    for ind in ("non_arrest_rate", "pretrial_detention_rate", "persons_prosecuted"):
        shown = show_json(warehouse, ind, "--organ", organ, "--period", "2020")
        assert _attr(page, "data-indicator", ind) == format_value(
            shown["value"], shown["unit"], lang)  # type: ignore[arg-type]


def test_indicator_page_numbers_equal_kaoping_show(
    pages: dict[str, TestClient], subjects: Subjects, warehouse: Path
) -> None:
    organ = subjects.municipal_m
    for period in ("2020", "2019-H2"):
        page = pages["leader_m"].get(f"/organs/{organ}/indicators/{INDICATOR}",
                                     params={"period": period, "lang": "en"}).text
        shown = show_json(warehouse, INDICATOR, "--organ", organ, "--period", period)
        assert _attr(page, 'id', "figure") == format_value(shown["value"], "rate", "en")
        num = re.search(r'data-testid="numerator">([^<]*)<', page)
        den = re.search(r'data-testid="denominator">([^<]*)<', page)
        assert num and den
        assert num.group(1) == f"{shown['numerator']:,.0f}"
        assert den.group(1) == f"{shown['denominator']:,.0f}"
        assert shown["name_en"] in page


def test_compare_page_is_the_ranking(
    pages: dict[str, TestClient], subjects: Subjects, auth: dict[str, dict[str, str]],
    client: TestClient,
) -> None:
    organ = subjects.province_a
    page = pages["officer_a"].get(f"/organs/{organ}/compare",
                                  params={"indicator": "non_prosecution_rate", "lang": "en"}).text
    api = client.get(f"/api/organs/{organ}/indicators/non_prosecution_rate/ranking",
                     headers=auth["officer_a"]).json()["rows"]
    shown = re.findall(r'<tr data-organ="(\w+)"', page)
    assert shown == [r["subject"] for r in api]
    for row in api[:5]:
        assert _attr(page, "data-organ", row["subject"]) == format_value(row["value"], "rate",
                                                                         "en")


def test_scorecard_numbers_equal_the_api(
    pages: dict[str, TestClient], subjects: Subjects, auth: dict[str, dict[str, str]],
    client: TestClient,
) -> None:
    p = subjects.prosecutor_p
    page = pages["prosecutor"].get(f"/prosecutors/{p}", params={"lang": "en"}).text
    page = page[page.index('id="prosecutor-figures"'):]  # not the appraisal above it
    indicators = re.findall(r'<tr data-indicator="(\w+)"', page)
    assert INDICATOR in indicators
    for ind in indicators:
        v = client.get(f"/api/prosecutors/{p}/indicators/{ind}", headers=auth["prosecutor"])
        body = v.json()
        assert _attr(page, "data-indicator", ind) == format_value(body["value"], body["unit"],
                                                                  "en")


def test_records_page_is_logged_and_pseudonymous(
    pages: dict[str, TestClient], subjects: Subjects, auth: dict[str, dict[str, str]],
    client: TestClient,
) -> None:
    g = subjects.grassroots_g
    page = pages["leader_m"].get(f"/organs/{g}/indicators/{INDICATOR}/records",
                                 params={"side": "denominator", "period": "2020"}).text
    total = re.search(r'data-total="(\d+)"', page)
    value = client.get(f"/api/organs/{g}/indicators/{INDICATOR}", params={"period": "2020"},
                       headers=auth["leader_m"]).json()
    assert total and int(total.group(1)) == value["denominator"]
    log = client.get("/api/audit/drilldowns", headers=auth["leader_m"]).json()
    assert any(e["channel"] == "page" and e["username"] == "leader_m" and e["subject"] == g
               for e in log)


def test_error_pages_are_pages(pages: dict[str, TestClient], subjects: Subjects) -> None:
    r = pages["leader_m"].get(f"/organs/{subjects.province_b}")
    assert r.status_code == 403 and 'id="error-message"' in r.text
    r = pages["leader_m"].get(f"/organs/{subjects.municipal_m}", params={"period": "2020-Q9"})
    assert r.status_code == 400 and "invalid period" in r.text
    r = pages["leader_m"].get("/no/such/page")
    assert r.status_code == 404 and 'id="error-message"' in r.text


def test_briefing_page_quotes_the_same_figures(
    app: object, subjects: Subjects, warehouse: Path
) -> None:
    from .conftest import page_client

    c = page_client(app, "leader_g")  # type: ignore[arg-type]
    g = subjects.grassroots_g
    page = c.get(f"/organs/{g}/briefing", params={"period": "2020", "lang": "en"})
    assert page.status_code == 200 and 'id="briefing"' in page.text
    shown = show_json(warehouse, INDICATOR, "--organ", g, "--period", "2020")
    assert format_value(shown["value"], "rate", "en") in html.unescape(page.text)
    prosecutor = page_client(app, "prosecutor")  # type: ignore[arg-type]
    assert prosecutor.get(f"/organs/{g}/briefing").status_code == 403
