"""The web side of issue 10: a period without data, comparisons that are not made, and
indicators that have no figures per prosecutor."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from .conftest import Subjects, show_json

#: the generated data covers 2019-2020 (conftest): 2021 lies after it
AFTER = "2021"


def _cards(page: str) -> list[str]:
    return re.findall(r'<a class="card".*?</a>', page, re.S)


def test_overview_after_the_data_ends_says_there_is_no_data(
    pages: dict[str, TestClient], subjects: Subjects
) -> None:
    # the clients are shared: name the language rather than inherit another test's
    page = pages["admin"].get(f"/organs/{subjects.national}",
                              params={"period": AFTER, "lang": "zh"}).text
    assert 'id="no-data"' in page and "2021年无数据" in page
    cards = _cards(page)
    assert cards
    for card in cards:
        # no zero stated as a figure, no arrow judging a change against nothing
        assert 'data-testid="value">无数据<' in card
        assert "data-arrow" not in card and "100.0%" not in card
    english = pages["admin"].get(f"/organs/{subjects.national}",
                                 params={"period": AFTER, "lang": "en"}).text
    assert "No data for 2021" in english
    pages["admin"].get(f"/organs/{subjects.national}", params={"lang": "zh"})


def test_indicator_page_after_the_data_ends(
    pages: dict[str, TestClient], subjects: Subjects
) -> None:
    page = pages["admin"].get(
        f"/organs/{subjects.national}/indicators/persons_prosecuted",
        params={"period": AFTER, "lang": "zh"},
    ).text
    sentence = re.search(r'id="sentence">(.*?)</p>', page, re.S)
    assert sentence is not None
    assert "无数据" in sentence.group(1) and "0人" not in sentence.group(1)
    assert "data-arrow" not in page.split('id="definition"')[0]


def test_api_figure_after_the_data_ends(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, warehouse: Path
) -> None:
    r = client.get(f"/api/organs/{subjects.national}/indicators/persons_prosecuted",
                   params={"period": AFTER}, headers=auth["admin"])
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["value"], got["numerator"], got["change"]) == (None, None, None)
    assert got["data_note"] == "no_data" and "2021" in got["data_reason_en"]
    assert got == show_json(warehouse, "persons_prosecuted", "--organ", subjects.national,
                            "--period", AFTER)
    cards = client.get(f"/api/organs/{subjects.national}/indicators",
                       params={"period": AFTER}, headers=auth["admin"]).json()
    assert cards and all(c["status"]["arrow"] == "none" for c in cards)


def test_api_refuses_a_prosecutor_figure_not_computed_per_prosecutor(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    p = subjects.prosecutor_p
    for indicator in ("petition_7day_reply_rate", "cases_per_prosecutor"):
        r = client.get(f"/api/prosecutors/{p}/indicators/{indicator}",
                       params={"period": "2020"}, headers=auth["prosecutor"])
        assert r.status_code == 400, r.text
        assert f"`{indicator}` is not computed per prosecutor" in r.json()["detail"]
        r = client.get(f"/api/prosecutors/{p}/indicators/{indicator}/records",
                       params={"period": "2020"}, headers=auth["prosecutor"])
        assert r.status_code == 400, r.text
        assert f"`{indicator}` is not computed per prosecutor" in r.json()["detail"]


def test_scorecard_leaves_out_what_is_not_per_prosecutor(
    pages: dict[str, TestClient], subjects: Subjects
) -> None:
    r = pages["prosecutor"].get(f"/prosecutors/{subjects.prosecutor_p}",
                                params={"period": "2020"})
    assert r.status_code == 200
    assert 'data-indicator="non_arrest_rate"' in r.text
    for indicator in ("petition_7day_reply_rate", "poverty_property_return_rate",
                      "cases_per_prosecutor"):
        assert f'data-indicator="{indicator}"' not in r.text


def test_a_missing_comparison_is_explained_on_the_page(
    client: TestClient, auth: dict[str, dict[str, str]], pages: dict[str, TestClient],
    subjects: Subjects,
) -> None:
    # 2019 is the first year of the data: a year earlier holds no comparable figures
    v = client.get(f"/api/organs/{subjects.national}/indicators/non_arrest_rate",
                   params={"period": "2019"}, headers=auth["admin"]).json()
    assert v["previous"] is None and v["change"] is None
    assert v["previous_note"] in ("previous_year_not_computed", "no_previous_records")
    page = pages["admin"].get(f"/organs/{subjects.national}/indicators/non_arrest_rate",
                              params={"period": "2019"}).text
    assert f'data-note="{v["previous_note"]}"' in page and v["previous_reason_zh"] in page
