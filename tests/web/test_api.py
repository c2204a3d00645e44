"""The HTTP API answers what the engine computes, in the shapes scripts rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import INDICATOR, PASSWORD, Subjects, show_json


def test_token_has_the_fixed_shape(client: TestClient) -> None:
    r = client.post("/api/token", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body["access_token"], str) and body["token_type"] == "bearer"


@pytest.mark.parametrize(
    "body",
    [{"username": "admin", "password": "wrong-password"},
     {"username": "nobody", "password": PASSWORD}],
)
def test_wrong_login_is_401_without_saying_which_part(
    client: TestClient, body: dict[str, str]
) -> None:
    r = client.post("/api/token", json=body)
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong user name or password"


def test_forged_and_cross_kind_tokens_are_refused(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    token = auth["admin"]["Authorization"].split()[1]
    payload, sig = token.split(".")
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + sig
    r = client.get("/api/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    # an API token is not a session cookie
    c = TestClient(client.app, raise_server_exceptions=False)
    c.cookies.set("kaoping_session", token)
    assert c.get("/api/me").status_code == 401
    r = client.get("/api/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]


def test_me(client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects) -> None:
    me = client.get("/api/me", headers=auth["leader_m"]).json()
    assert me["role"] == "leader" and me["organ_code"] == subjects.municipal_m
    assert client.get("/api/me", headers=auth["admin"]).json()["organ_code"] == subjects.national


@pytest.mark.parametrize("period", ["2020", "2020-H1", "2019-Q3", "2020-01..2020-09"])
@pytest.mark.parametrize("where", ["national", "province_a", "grassroots_g"])
def test_organ_figure_equals_kaoping_show(
    period: str, where: str, client: TestClient, auth: dict[str, dict[str, str]],
    subjects: Subjects, warehouse: Path,
) -> None:
    organ = getattr(subjects, where)
    r = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}", params={"period": period},
                   headers=auth["admin"])
    assert r.status_code == 200, r.text
    assert r.json() == show_json(warehouse, INDICATOR, "--organ", organ, "--period", period)


def test_prosecutor_figure_equals_kaoping_show(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, warehouse: Path
) -> None:
    p = subjects.prosecutor_p
    r = client.get(f"/api/prosecutors/{p}/indicators/non_prosecution_rate",
                   params={"period": "2020"}, headers=auth["prosecutor"])
    assert r.status_code == 200
    expected = show_json(warehouse, "non_prosecution_rate", "--prosecutor", p, "--period",
                         "2020")
    assert r.json() == expected


def test_several_figures_equal_one_by_one(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    h, organ = auth["officer_a"], subjects.province_a
    cards = client.get(f"/api/organs/{organ}/indicators", params={"period": "2020-H1"},
                       headers=h).json()
    assert len(cards) >= 5
    for card in cards:
        one = client.get(f"/api/organs/{organ}/indicators/{card['value']['indicator']}",
                         params={"period": "2020-H1"}, headers=h).json()
        assert card["value"] == one
        assert card["status"]["status"] in ("red", "amber", "green", "none")


def test_history_holds_the_stored_values(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    h, organ = auth["admin"], subjects.province_a
    hist = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}/history",
                      params={"kind": "year"}, headers=h).json()
    by_period = {p["period"]: p for p in hist["points"]}
    assert {"2019", "2020"} <= set(by_period)
    now = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}", params={"period": "2020"},
                     headers=h).json()
    assert by_period["2020"]["value"] == pytest.approx(now["value"])
    quarters = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}/history",
                          headers=h).json()["points"]
    assert [p["period"] for p in quarters][:4] == ["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"]


def test_ranking_is_the_engines_league_table(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    h, organ = auth["officer_a"], subjects.province_a
    rows = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}/ranking",
                      params={"period": "2020"}, headers=h).json()["rows"]
    ranks = [r["rank_in_parent"] for r in rows if r["rank_in_parent"] is not None]
    assert ranks == sorted(ranks) and ranks[0] == 1
    first = rows[0]
    one = client.get(f"/api/organs/{first['subject']}/indicators/{INDICATOR}",
                     params={"period": "2020"}, headers=h).json()
    assert one["value"] == pytest.approx(first["value"]) and one["rank"] == 1


def test_distribution_counts_every_peer_once(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    d = client.get(f"/api/organs/{subjects.province_a}/indicators/{INDICATOR}/distribution",
                   headers=auth["officer_a"]).json()
    assert d["level"] == 2 and sum(d["counts"]) == d["peers"] > 20
    b = d["organ_bin"]
    assert d["edges"][b] <= d["organ_value"] <= d["edges"][b + 1]


def test_warnings_are_flagged_figures(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    rows = client.get(f"/api/organs/{subjects.province_a}/warnings",
                      params={"below": "true", "period": "2020"}, headers=auth["officer_a"]).json()
    assert rows, "the generated data should raise some warnings"
    assert all(r["flags"] for r in rows)


def test_records_are_pseudonymous_and_add_up(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    h, organ = auth["leader_m"], subjects.grassroots_g
    value = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}", params={"period": "2020"},
                       headers=h).json()
    num = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}/records",
                     params={"period": "2020", "limit": 5}, headers=h).json()
    den = client.get(f"/api/organs/{organ}/indicators/{INDICATOR}/records",
                     params={"period": "2020", "side": "denominator", "offset": 2, "limit": 3},
                     headers=h).json()
    assert num["total"] == value["numerator"] and den["total"] == value["denominator"]
    assert len(num["records"]) == min(5, num["total"]) and den["offset"] == 2
    allowed = {"person_id", "case_id", "organ_code", "prosecutor_id", "value"}
    for page in (num, den):
        extra = set(page["columns"]) - allowed
        assert all(c.endswith(("_concluded", "_date", "received")) for c in extra), extra
        assert all(r["organ_code"] == organ for r in page["records"])


def test_a_first_page_of_records_reads_as_the_pages_after_it(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    """The first page is read with its count in one query, the others after the count:
    the same rows, in the same order and form (dates as dates)."""
    h, organ = auth["leader_m"], subjects.grassroots_g
    url = f"/api/organs/{organ}/indicators/{INDICATOR}/records"

    def page(offset: int, limit: int) -> dict[str, Any]:
        got: dict[str, Any] = client.get(
            url, params={"period": "2020", "side": "denominator", "offset": offset,
                         "limit": limit}, headers=h).json()
        return got

    whole, first, second = page(0, 4), page(0, 2), page(2, 2)
    assert whole["total"] == first["total"] == second["total"] >= 4
    assert whole["records"] == first["records"] + second["records"]
    dates = [c for c in whole["columns"] if c.endswith(("_concluded", "_date", "received"))]
    assert dates and all(
        len(r[c]) == 10 for r in whole["records"] + second["records"] for c in dates if r[c]
    )


def test_prosecutor_records_are_his_own(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    p = subjects.prosecutor_p
    page = client.get(f"/api/prosecutors/{p}/indicators/{INDICATOR}/records",
                      params={"period": "2020", "side": "denominator"},
                      headers=auth["prosecutor"]).json()
    assert page["records"] and {r["prosecutor_id"] for r in page["records"]} == {p}


def test_drilldown_is_logged_with_who_when_what(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    organ = subjects.municipal_m
    client.get(f"/api/organs/{organ}/indicators/pretrial_detention_rate/records",
               params={"period": "2020-Q2", "limit": 2}, headers=auth["leader_m"])
    log = client.get("/api/audit/drilldowns", headers=auth["officer_a"]).json()
    entry = next(e for e in log if e["indicator"] == "pretrial_detention_rate"
                 and e["subject"] == organ)
    assert entry["username"] == "leader_m" and entry["period"] == "2020-Q2"
    assert entry["channel"] == "api" and entry["at"]


def test_definitions(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    defs = client.get("/api/indicators", headers=auth["prosecutor"]).json()
    ids = {d["id"] for d in defs}
    assert INDICATOR in ids
    one = client.get(f"/api/indicators/{INDICATOR}", headers=auth["prosecutor"]).json()
    assert one["definition_zh"] and one["numerator"]["table"] == "persons"


def test_periods(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    p = client.get("/api/periods", headers=auth["leader_g"]).json()
    assert p["default"] == "2020" and "2019-Q3" in p["periods"]


def test_prosecutors_of_an_organ(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    rows = client.get(f"/api/organs/{subjects.grassroots_g}/prosecutors",
                      headers=auth["leader_g"]).json()
    assert subjects.prosecutor_p in {r["prosecutor_id"] for r in rows}


def test_briefing_is_markdown_for_staff(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    g = subjects.grassroots_g
    r = client.get(f"/api/organs/{g}/briefing", params={"period": "2020"},
                   headers=auth["leader_g"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["organ"] == g and body["markdown"].startswith("# ")
    assert "kaoping show non_arrest_rate" in body["markdown"]  # every figure is traceable
    assert client.get(f"/api/organs/{g}/briefing",
                      headers=auth["prosecutor"]).status_code == 403


def test_report_downloads_are_real_files_of_the_organ(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects
) -> None:
    import io

    from openpyxl import load_workbook

    base = f"/api/organs/{subjects.province_a}/report?period=2020-H1"
    xlsx = client.get(f"{base}&format=xlsx", headers=auth["officer_a"])
    assert xlsx.status_code == 200, xlsx.text[:300]
    assert "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert subjects.province_a in texts  # the organ's own row is there
    pdf = client.get(f"{base}&format=pdf&lang=en", headers=auth["officer_a"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    bad = client.get(f"{base}&format=odt", headers=auth["officer_a"])
    assert bad.status_code == 422 and "format" in bad.text
