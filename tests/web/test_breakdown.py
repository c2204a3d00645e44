"""Breakdowns on the web: the API answers what ``kaoping show --by --json`` prints, and the
indicator page shows the chart, the table and the column selector in both languages."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from .conftest import INDICATOR, PERIOD, Subjects, show_json


def _url(organ: str, indicator: str = INDICATOR) -> str:
    return f"/api/organs/{organ}/indicators/{indicator}/breakdown"


def test_api_is_show_by_json(client: TestClient, auth: dict[str, dict[str, str]],
                             subjects: Subjects, warehouse: Path) -> None:
    r = client.get(_url(subjects.province_a), params={"period": PERIOD, "by": "crime_chapter"},
                   headers=auth["officer_a"])
    assert r.status_code == 200, r.text
    cli = show_json(warehouse, INDICATOR, "--organ", subjects.province_a, "--period", PERIOD,
                    "--by", "crime_chapter")
    assert r.json() == cli
    body = r.json()
    assert [c["code"] for c in body["categories"]][-1] is None  # unknown / other comes last
    assert body["categories"][4]["label_zh"] == "侵犯财产罪"
    assert sum(c["denominator"] for c in body["categories"]) == body["total"]["denominator"]
    assert body["check"]["ok"] is True


def test_api_defaults_to_the_first_declared_breakdown(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(_url(subjects.grassroots_g), params={"period": PERIOD},
                   headers=auth["leader_g"])
    assert r.status_code == 200, r.text
    assert r.json()["by"] == r.json()["offered"][0] == "crime_chapter"


def test_api_names_the_valid_columns(client: TestClient, auth: dict[str, dict[str, str]],
                                     subjects: Subjects) -> None:
    r = client.get(_url(subjects.province_a), params={"by": "sex"}, headers=auth["admin"])
    assert r.status_code == 400
    assert "unknown column `sex`" in r.json()["detail"] and "is_minor" in r.json()["detail"]
    r = client.get(_url(subjects.province_a, "case_proceeding_ratio"), headers=auth["admin"])
    assert r.status_code == 404 and "declares no breakdowns" in r.json()["detail"]


def test_api_refuses_an_organ_outside_the_scope(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(_url(subjects.province_b), params={"by": "is_minor"},
                   headers=auth["officer_a"])
    assert r.status_code == 403 and "outside your scope" in r.json()["detail"]


def test_page_shows_chart_table_and_selector(pages: dict[str, TestClient],
                                             subjects: Subjects) -> None:
    url = f"/organs/{subjects.province_a}/indicators/{INDICATOR}"
    zh = pages["officer_a"].get(url, params={"period": PERIOD, "by": "is_minor", "lang": "zh"})
    assert zh.status_code == 200, zh.text[:300]
    html = zh.text
    assert 'id="breakdown-table"' in html and 'data-chart="breakdown"' in html
    assert "分类统计" in html and "不详或其他" in html and "合计" in html
    assert '<option value="is_minor" selected>是否未成年人</option>' in html
    assert '<option value="crime_chapter">罪名所属章（刑法分则）</option>' in html
    assert 'name="by" value="is_minor"' in html  # the period form keeps the column
    en = pages["officer_a"].get(url, params={"period": PERIOD, "by": "crime_chapter",
                                             "lang": "en"})
    assert en.status_code == 200
    assert "Breakdown" in en.text and "Property crimes" in en.text
    assert "Unknown or other" in en.text and "侵犯财产罪" not in en.text


def test_page_with_a_bad_column_is_a_400_page(pages: dict[str, TestClient],
                                              subjects: Subjects) -> None:
    url = f"/organs/{subjects.province_a}/indicators/{INDICATOR}"
    r = pages["officer_a"].get(url, params={"by": "sentence_months"})
    assert r.status_code == 400 and "not a categorical one" in r.text


def test_page_without_declared_breakdowns_has_no_section(
    pages: dict[str, TestClient], subjects: Subjects
) -> None:
    r = pages["officer_a"].get(f"/organs/{subjects.province_a}/indicators/case_proceeding_ratio")
    assert r.status_code == 200 and 'id="breakdown"' not in r.text


def test_the_definition_lists_the_declared_breakdowns(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    r = client.get(f"/api/indicators/{INDICATOR}", headers=auth["officer_a"])
    assert r.status_code == 200
    assert r.json()["breakdowns"] == ["crime_chapter", "is_minor", "enterprise_related",
                                      "difficulty"]
