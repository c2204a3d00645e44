"""A run page with thousands of results: paged, searchable, filtered by organ and grade,
the comparison group shown by name (issues 12 and 13); the API's opt-in counterpart."""

from __future__ import annotations

import html
import math
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kaoping.web.i18n import STRINGS

from .conftest import Runs, Subjects, page_client

#: the strings the paged run page added, each shown in both languages
NEW_KEYS = ("search", "search_placeholder", "all_organs", "all_grades", "per_page",
            "apply_filters", "clear_filters", "pages_nav", "sort_page_hint")


@pytest.fixture(scope="module")
def admin_page(app: FastAPI) -> TestClient:
    return page_client(app, "admin")


def _api_results(client: TestClient, headers: dict[str, str], run_id: int,
                 **params: Any) -> dict[str, Any]:
    r = client.get(f"/api/appraisal/runs/{run_id}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _subjects_shown(page: str) -> list[str]:
    return re.findall(r'<tr data-subject="([^"]+)"', page)


def _count(page: str) -> tuple[int, int, int]:
    m = re.search(r'id="results-count" data-total="(\d+)" data-page="(\d+)" '
                  r'data-pages="(\d+)"', page)
    assert m, "the page does not say how many results it has"
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def _links(page: str) -> list[str]:
    nav = page[page.index('id="run-pager"'):]
    nav = nav[:nav.index("</nav>")]
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', nav)]


def test_pages_hold_consecutive_slices_of_the_run(
    admin_page: TestClient, client: TestClient, auth: dict[str, dict[str, str]], runs: Runs,
) -> None:
    everything = [r["subject"] for r in _api_results(
        client, auth["admin"], runs.prosecutors_g)["results"]]
    assert len(everything) >= 5, "the test needs a run of a few subjects"
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    first = admin_page.get(url, params={"per_page": 2}).text
    second = admin_page.get(url, params={"per_page": 2, "page": 2}).text
    assert _subjects_shown(first) == everything[0:2]
    assert _subjects_shown(second) == everything[2:4]
    total, page, pages = _count(second)
    assert (total, page, pages) == (len(everything), 2, math.ceil(len(everything) / 2))
    # past the end: the last page, not an empty one
    last = admin_page.get(url, params={"per_page": 2, "page": 10_000}).text
    assert _count(last)[1] == pages and _subjects_shown(last) == everything[2 * (pages - 1):]


def test_per_page_defaults_and_caps(
    admin_page: TestClient, client: TestClient, auth: dict[str, dict[str, str]], runs: Runs,
) -> None:
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    total = len(_api_results(client, auth["admin"], runs.prosecutors_g)["results"])
    default = admin_page.get(url).text
    assert len(_subjects_shown(default)) == min(total, 50)
    assert _count(default) == (total, 1, math.ceil(total / 50))
    for n in (1, 3):
        page = admin_page.get(url, params={"per_page": n}).text
        assert len(_subjects_shown(page)) == n
        assert _count(page)[2] == math.ceil(total / n)
    assert admin_page.get(url, params={"per_page": 501}).status_code == 400
    assert admin_page.get(url, params={"page": 0}).status_code == 400


def test_search_finds_a_subject_by_code_or_name(
    admin_page: TestClient, client: TestClient, auth: dict[str, dict[str, str]],
    subjects: Subjects, runs: Runs,
) -> None:
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    needle = subjects.prosecutor_p.lower()  # case-insensitive
    found = _subjects_shown(admin_page.get(url, params={"q": needle}).text)
    assert subjects.prosecutor_p in found
    assert all(needle in s.lower() for s in found)
    row = next(r for r in _api_results(client, auth["admin"], runs.organs_m)["results"])
    by_name = _subjects_shown(admin_page.get(f"/appraisal/runs/{runs.organs_m}",
                                             params={"q": row["name_zh"]}).text)
    assert row["subject"] in by_name
    none = admin_page.get(url, params={"q": "no-such-subject-xyz", "lang": "en"}).text
    assert _subjects_shown(none) == [] and 'id="no-results"' in none
    assert _count(none) == (0, 1, 1)


def test_organ_filter_keeps_the_subjects_under_the_organ(
    app: FastAPI, admin_page: TestClient, client: TestClient,
    auth: dict[str, dict[str, str]], runs: Runs,
) -> None:
    data = app.state.kp.data
    results = _api_results(client, auth["admin"], runs.organs_b)["results"]
    municipal = results[0]["group"]  # grassroots organs are compared under their parent
    expected = [r["subject"] for r in results if municipal in data.ancestors(r["organ_code"])]
    assert 0 < len(expected) < len(results), "the test needs a run over several organs"
    page = admin_page.get(f"/appraisal/runs/{runs.organs_b}",
                          params={"organ": municipal, "per_page": 500}).text
    assert _subjects_shown(page) == expected
    assert f'<option value="{municipal}" selected>' in page
    api = _api_results(client, auth["admin"], runs.organs_b, organ=municipal)
    assert [r["subject"] for r in api["results"]] == expected and api["total"] == len(expected)
    assert sum(g["count"] for g in api["grades"]) == len(expected)


def test_organ_filter_outside_the_scope_is_refused(
    app: FastAPI, client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects,
    runs: Runs,
) -> None:
    c = page_client(app, "officer_a")
    url = f"/appraisal/runs/{runs.organs_m}"
    assert c.get(url, params={"organ": subjects.province_b}).status_code == 403
    assert c.get(url, params={"organ": "999999999"}).status_code == 404
    assert c.get(url, params={"organ": subjects.municipal_m}).status_code == 200
    api = f"/api/appraisal/runs/{runs.organs_m}"
    assert client.get(api, params={"organ": subjects.province_b},
                      headers=auth["officer_a"]).status_code == 403
    assert client.get(api, params={"organ": "999999999"},
                      headers=auth["officer_a"]).status_code == 404
    # the filter offers only organs in the scope
    page = c.get(url).text
    select = page[page.index('id="organ-filter"'):]
    offered = set(re.findall(r'<option value="(\w+)"', select[:select.index("</select>")]))
    assert subjects.municipal_m in offered and subjects.province_b not in offered
    assert offered <= set(app.state.kp.data.descendants(subjects.province_a))


def test_page_links_keep_the_filters(
    admin_page: TestClient, client: TestClient, auth: dict[str, dict[str, str]], runs: Runs,
) -> None:
    results = _api_results(client, auth["admin"], runs.organs_b)["results"]
    municipal = results[0]["group"]
    grade = results[0]["grade"]
    kept = [r for r in results if r["group"] == municipal and r["grade"] == grade]
    params = {"organ": municipal, "grade": grade, "per_page": 1}
    page = admin_page.get(f"/appraisal/runs/{runs.organs_b}", params=params).text
    assert _count(page) == (len(kept), 1, len(kept))
    if len(kept) < 2:
        pytest.skip("the first group holds a single result of its grade")
    links = _links(page)
    assert links and 'id="next-page"' in page
    for href in links:
        query = parse_qs(urlsplit(href).query)
        assert urlsplit(href).path == f"/appraisal/runs/{runs.organs_b}"
        assert query["organ"] == [municipal] and query["grade"] == [grade]
        assert query["per_page"] == ["1"] and "page" in query
    following = admin_page.get(links[-1]).text  # "next"
    assert _subjects_shown(following) == [kept[1]["subject"]]


def test_page_numbers_and_count(admin_page: TestClient, runs: Runs) -> None:
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    total = _count(admin_page.get(url).text)[0]
    page = admin_page.get(url, params={"per_page": 1, "page": 3, "lang": "zh"}).text
    assert _count(page) == (total, 3, total)
    numbers = [int(n) for n in re.findall(r'data-page="(\d+)">\d+</a>', page)]
    assert 1 in numbers and total in numbers and 3 not in numbers  # the current is no link
    assert {2, 4} <= set(numbers)
    assert f"共 {total:,} 条，第 3/{total} 页" in page


def test_comparison_group_is_shown_by_name(
    app: FastAPI, admin_page: TestClient, subjects: Subjects, runs: Runs
) -> None:
    organ = app.state.kp.data.organ(subjects.municipal_m)
    for lang, name in (("zh", organ["name_zh"]), ("en", organ["name_en"] or organ["name_zh"])):
        page = admin_page.get(f"/appraisal/runs/{runs.organs_m}", params={"lang": lang}).text
        cells = re.findall(r'data-group="([^"]+)">\s*<td class="group-name">([^<]*)</td>', page)
        assert cells and all(g == subjects.municipal_m for g, _ in cells)
        assert all(html.unescape(text) == name for _, text in cells)
    page = admin_page.get(f"/appraisal/runs/{runs.prosecutors_g}", params={"lang": "zh"}).text
    grassroots = app.state.kp.data.organ(subjects.grassroots_g)["name_zh"]
    assert f'<td class="group-name">{html.escape(grassroots)}</td>' in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_languages_render_the_new_strings(
    lang: str, admin_page: TestClient, runs: Runs
) -> None:
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    page = admin_page.get(url, params={"lang": lang, "per_page": 2, "q": "0"}).text
    i = 0 if lang == "zh" else 1
    for key in NEW_KEYS:
        assert html.escape(STRINGS[key][i], quote=False) in page, key
    total, _, pages = _count(page)
    assert html.escape(STRINGS["results_count"][i].format(
        n=f"{total:,}", p=1, pages=pages), quote=False) in page
    text = re.sub(r"(?s)<script.*?</script>|<[^>]+>", " ", page)  # what a reader sees
    for key in (*NEW_KEYS, "results_count", "no_matching_results", "group_all"):
        assert all(STRINGS[key]), key
        assert not re.search(rf"(?<![\w-]){key}(?![\w-])", text), f"untranslated {key}"


def test_api_is_unchanged_by_default_and_pages_on_request(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs,
) -> None:
    whole = _api_results(client, auth["admin"], runs.prosecutors_g)
    subjects_all = [r["subject"] for r in whole["results"]]
    assert whole["total"] == len(subjects_all) and whole["page"] is None
    paged = _api_results(client, auth["admin"], runs.prosecutors_g, page=2, per_page=2)
    assert [r["subject"] for r in paged["results"]] == subjects_all[2:4]
    assert (paged["total"], paged["page"], paged["per_page"], paged["pages"]) == (
        len(subjects_all), 2, 2, math.ceil(len(subjects_all) / 2))
    assert paged["grades"] == whole["grades"]  # the distribution is of every kept result
    beyond = _api_results(client, auth["admin"], runs.prosecutors_g, page=10_000)
    assert beyond["results"] == [] and beyond["total"] == len(subjects_all)
    found = _api_results(client, auth["admin"], runs.prosecutors_g,
                         q=subjects.prosecutor_p.lower())
    assert subjects.prosecutor_p in [r["subject"] for r in found["results"]]
    r = client.get(f"/api/appraisal/runs/{runs.prosecutors_g}", params={"per_page": 501},
                   headers=auth["admin"])
    assert r.status_code == 422 and "per_page" in r.json()["detail"]
    # a prosecutor's run page still holds his own result only
    mine = _api_results(client, auth["prosecutor"], runs.prosecutors_g, per_page=10)
    assert [r["subject"] for r in mine["results"]] == [subjects.prosecutor_p]
    assert mine["total"] == 1


def test_a_national_sized_run_is_paged(
    app: FastAPI, admin_page: TestClient, runs: Runs, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """28,748 results (a national prosecutors' run), spread over every organ: the page
    holds 50 rows and at most 300 organs in its filter, whatever the size of the run."""
    from dataclasses import replace

    from kaoping.web import appraisal_data as ad

    load = ad.load
    data = app.state.kp.data
    organs = sorted(data.descendants(data.root()))
    made: dict[str, tuple[Any, ...]] = {}

    def national(engine: Any, run_id: int) -> Any:
        run = load(engine, run_id)
        if "results" not in made:
            base = run.results
            made["results"] = tuple(
                replace(base[i % len(base)], subject=f"P{i:010d}",
                        organ_code=organs[i % len(organs)], group=organs[i % len(organs)])
                for i in range(28_748))
        return replace(run, results=made["results"])

    monkeypatch.setattr(ad, "load", national)
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    admin_page.get(url)  # templates compiled, organs read
    page = admin_page.get(url, params={"page": 300})
    assert page.status_code == 200
    assert _count(page.text) == (28_748, 300, 575)
    assert _subjects_shown(page.text) == [f"P{i:010d}" for i in range(299 * 50, 300 * 50)]
    select = page.text[page.text.index('id="organ-filter"'):]
    assert select[:select.index("</select>")].count("<option") <= 301
    assert len(page.text) < 200_000
    # how long a page takes is for benchmarks/web_latency.py (about 50 ms), not a test
    found = admin_page.get(url, params={"q": "p0000012345"}).text
    assert _subjects_shown(found) == ["P0000012345"]


def test_an_unknown_grade_is_a_mistake_on_the_page_and_an_empty_filter_in_the_api(
    admin_page: TestClient, client: TestClient, auth: dict[str, dict[str, str]], runs: Runs,
) -> None:
    url = f"/appraisal/runs/{runs.prosecutors_g}"
    page = admin_page.get(url, params={"grade": "no_such_grade", "lang": "en"})
    assert page.status_code == 400 and "no_such_grade" in page.text
    api = client.get(f"/api{url}", params={"grade": "no_such_grade"}, headers=auth["admin"])
    assert api.status_code == 200 and api.json()["total"] == 0
