"""The API's published figures: suppressed, scoped, and the internal figures untouched."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

import kaoping
from kaoping.publication.public import public_table

from .conftest import Subjects


def test_published_figures_are_the_suppressed_subtree(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, warehouse: Path
) -> None:
    code = subjects.province_a
    r = client.get(f"/api/organs/{code}/published/persons_prosecuted",
                   params={"period": "2020-Q2"}, headers=auth["admin"])
    assert r.status_code == 200, r.text
    body = r.json()
    with kaoping.Warehouse(warehouse) as wh:
        expected = public_table(wh, "persons_prosecuted", "2020-Q2", organ=code).records("zh")
        below = set(wh.hierarchy.descendants(code))
        internal = wh.values("persons_prosecuted", "2020-Q2").set_index("organ_code")
    assert body["rows"] == expected
    assert {row["organ_code"] for row in body["rows"]} == below
    hidden = [row for row in body["rows"] if row["suppressed"]]
    assert hidden and all(row["numerator"] is None for row in hidden)
    assert "不予公布" in body["footnote"]
    # what staff see through the figure endpoint is the internal figure, not suppressed
    small = next(row for row in hidden if not row["own"] and row["suppression"] == "primary")
    figure = client.get(f"/api/organs/{small['organ_code']}/indicators/persons_prosecuted",
                        params={"period": "2020-Q2"}, headers=auth["admin"]).json()
    assert figure["numerator"] == internal.loc[small["organ_code"], "numerator"]
    assert 1 <= figure["numerator"] <= 4


def test_published_figures_follow_the_scope_and_language(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    r = client.get(f"/api/organs/{subjects.province_b}/published/non_arrest_rate",
                   headers=auth["officer_a"])
    assert r.status_code == 403
    r = client.get(f"/api/organs/{subjects.grassroots_g}/published/non_arrest_rate",
                   params={"lang": "en"}, headers=auth["prosecutor"])
    assert r.status_code == 200, r.text
    assert {row["organ_code"] for row in r.json()["rows"]} == {subjects.grassroots_g}
    assert "not published" in r.json()["footnote"]


def test_the_published_page_marks_hidden_cells_and_leads_down(
    app: object, subjects: Subjects, warehouse: Path
) -> None:
    from .conftest import page_client

    browser = page_client(app, "officer_a")  # type: ignore[arg-type]
    code = subjects.province_a
    r = browser.get(f"/organs/{code}/published/persons_prosecuted", params={"period": "2020-Q2"})
    assert r.status_code == 200, r.text
    html = r.text
    with kaoping.Warehouse(warehouse) as wh:
        table = public_table(wh, "persons_prosecuted", "2020-Q2", organ=code).rows
        children = wh.hierarchy.organs.query("parent_code == @code")["organ_code"].tolist()
    for child in children:
        assert f'href="/organs/{child}/published/persons_prosecuted?period=2020-Q2"' in html
    hidden_children = table[table["organ_code"].isin(children) & ~table["own"]
                            & table["suppressed"].notna()]["organ_code"].tolist()
    for child in hidden_children:
        row = html.split(f'data-organ="{child}" data-own="false"')[1].split("</tr>")[0]
        assert '<td class="num">*</td>' in row
    assert "不予公布" in html
    r = browser.get(f"/organs/{code}/indicators/persons_prosecuted", params={"period": "2020-Q2"})
    assert f'/organs/{code}/published/persons_prosecuted?period=2020-Q2' in r.text
