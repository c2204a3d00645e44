"""Nothing leaks across scope (issue 17): derived text and fields pass through the scope.

The scan walks every GET route of the routing table -- API and pages, appraisal results
included -- as a prosecutor and as a grassroots leader, and fails if any body names a
prosecutor or an organ the user may not see (his ancestors' path excepted).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kaoping.appraisal.explain import redact_formula
from kaoping.web.views import MIN_BIN, anonymised_bins

from .conftest import INDICATOR, PERIOD, Runs, Subjects, page_client
from .routes import ROUTES, fill, path_params

PROSECUTOR_ID = re.compile(r"(?<![0-9A-Za-z])P\d{10}(?!\d)")
#: six digits after a point are a fraction, not an organ code: the microseconds of an audit
#: entry's time ("…T23:41:07.130406+00:00") once matched a real organ's code
ORGAN_CODE = re.compile(r"(?<![0-9A-Za-z.])\d{6}(?![0-9A-Za-z])")
#: in JSON an organ code is (inside) a string; a bare number value (an audit entry's
#: offset, right after its key's colon) is none
JSON_ORGAN_CODE = re.compile(r"(?<![0-9A-Za-z:.])\d{6}(?![0-9A-Za-z])")
GET_ROUTES = [(m, p) for m, p, _ in ROUTES if m == "GET" and p not in ("/login",)]


def _organs(warehouse: Path) -> dict[str, str | None]:
    from kaoping.warehouse import opened

    with opened(warehouse, read_only=True) as con:
        return {str(c): (None if p is None else str(p))
                for c, p in con.execute("SELECT organ_code, parent_code FROM organs").fetchall()}


def _ancestors(parents: dict[str, str | None], code: str) -> set[str]:
    out = set()
    p = parents.get(code)
    while p is not None:
        out.add(p)
        p = parents.get(p)
    return out


def _below(parents: dict[str, str | None], code: str) -> set[str]:
    out = {code}
    grew = True
    while grew:
        new = {c for c, p in parents.items() if p in out} - out
        out |= new
        grew = bool(new)
    return out


def _prosecutors(warehouse: Path, organ: str) -> set[str]:
    from kaoping.warehouse import opened

    with opened(warehouse, read_only=True) as con:
        return {str(r[0]) for r in con.execute(
            "SELECT prosecutor_id FROM prosecutors WHERE organ_code = ?", [organ]).fetchall()}


def _urls(subjects: Subjects, runs: Runs, prosecutor: bool) -> list[str]:
    """Every GET route filled with the user's own organ, prosecutor, runs and objection."""
    own = subjects.prosecutor_p if prosecutor else subjects.grassroots_g
    out = []
    for _, path in GET_ROUTES:
        params = path_params(path)
        run_ids = [runs.prosecutors_g, runs.organs_m] if "run_id" in params else [0]
        for run in run_ids:
            subject = subjects.prosecutor_p if run == runs.prosecutors_g else (
                subjects.grassroots_g)
            if "subject" in params and prosecutor and run != runs.prosecutors_g:
                continue
            out.append(fill(path, {
                "organ_code": subjects.grassroots_g, "prosecutor_id": subjects.prosecutor_p,
                "indicator": INDICATOR, "run_id": str(run), "subject": subject or own,
                "objection_id": str(runs.objection),
                # a job these users may not see (jobs are officers' and administrators')
                "job_id": "1",
            }))
    return sorted(set(out))


def _text(body: bytes, media_type: str) -> str:
    """What a body says: the content parts of an xlsx or docx report (a zip), else the text.
    The theme and styles parts are left out: their numbers (``satMod="130000"``) are no
    organ codes."""
    if "openxmlformats" in media_type:
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                            if "theme" not in n and "styles" not in n)  # numbers, no ids
    return body.decode("utf-8", "replace")


def _scan(
    client: TestClient, urls: list[str], headers: dict[str, str], allowed_p: set[str],
    allowed_o: set[str], organs: set[str],
) -> tuple[int, list[str]]:
    leaks, seen = [], 0
    for url in urls:
        params: dict[str, Any] = {} if "/history" in url else {"period": PERIOD}
        for extra in ({}, {"lang": "en"}) if not url.startswith("/api") else ({},):
            r = client.get(url, params={**params, **extra}, headers=headers,
                           follow_redirects=False)
            assert r.status_code < 500, (url, r.status_code, r.text[:300])
            if r.status_code != 200:
                continue
            seen += 1
            body = _text(r.content, r.headers.get("content-type", ""))
            for pid in set(PROSECUTOR_ID.findall(body)) - allowed_p:
                leaks.append(f"{url}: prosecutor {pid}")
            json_body = "json" in r.headers.get("content-type", "")
            codes = (JSON_ORGAN_CODE if json_body else ORGAN_CODE).findall(body)
            for code in (set(codes) & organs) - allowed_o:
                leaks.append(f"{url}: organ {code}")
    return seen, leaks


def test_a_prosecutor_receives_no_id_outside_his_scope(
    app: FastAPI, client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects,
    runs: Runs, warehouse: Path,
) -> None:
    parents = _organs(warehouse)
    allowed_o = {subjects.grassroots_g} | _ancestors(parents, subjects.grassroots_g)
    urls = _urls(subjects, runs, prosecutor=True)
    api = [u for u in urls if u.startswith("/api")]
    pages = [u for u in urls if not u.startswith("/api")]
    n1, leaks = _scan(client, api, auth["prosecutor"], {subjects.prosecutor_p}, allowed_o,
                      set(parents))
    n2, more = _scan(page_client(app, "prosecutor"), pages, {}, {subjects.prosecutor_p},
                     allowed_o, set(parents))
    assert not leaks + more, "\n".join(leaks + more)
    assert n1 > 15 and n2 > 5  # the scan really read bodies
    result = client.get(f"/api/appraisal/runs/{runs.prosecutors_g}/results/"
                        f"{subjects.prosecutor_p}", headers=auth["prosecutor"]).json()
    text = str(result)
    assert "peer_max " not in text or "not shown" in text
    assert re.search(r"peer_(max|mean|median) \d", text) is None
    assert re.search(r"mean attainment of [1-4] reliable peer", text) is None


def test_a_grassroots_leader_receives_no_id_outside_his_scope(
    app: FastAPI, client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects,
    runs: Runs, warehouse: Path,
) -> None:
    parents = _organs(warehouse)
    g = subjects.grassroots_g
    allowed_o = _below(parents, g) | _ancestors(parents, g)
    allowed_p = _prosecutors(warehouse, g)
    urls = _urls(subjects, runs, prosecutor=False)
    api = [u for u in urls if u.startswith("/api")]
    pages = [u for u in urls if not u.startswith("/api")]
    n1, leaks = _scan(client, api, auth["leader_g"], allowed_p, allowed_o, set(parents))
    n2, more = _scan(page_client(app, "leader_g"), pages, {}, allowed_p, allowed_o,
                     set(parents))
    assert not leaks + more, "\n".join(leaks + more)
    assert n1 > 20 and n2 > 8
    r = client.get(f"/api/appraisal/runs/{runs.organs_m}/results/{g}",
                   headers=auth["leader_g"]).json()
    assert r["result"]["indistinct_count"] >= len(r["result"]["indistinct_from"])


def test_an_officer_above_still_reads_the_whole_comparison(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, runs: Runs,
) -> None:
    """Redaction is by scope: who sees every peer of the group reads them all."""
    r = client.get(f"/api/appraisal/runs/{runs.organs_m}/results/{subjects.grassroots_g}",
                   headers=auth["officer_a"]).json()
    assert r["result"]["indistinct_count"] == len(r["result"]["indistinct_from"])
    mine = client.get(f"/api/appraisal/runs/{runs.organs_m}/results/{subjects.grassroots_g}",
                      headers=auth["leader_g"]).json()
    assert mine["result"]["indistinct_count"] == r["result"]["indistinct_count"]
    assert mine["result"]["total"] == r["result"]["total"]  # the figures are the same


def test_formulas_lose_the_peers_figures() -> None:
    assert redact_formula("min(1, 3.5 / peer_max 3.9)") == (
        "min(1, 3.5 / peer_max (the peers' figure, not shown))")
    assert "4.2" not in redact_formula("min(1, peer_median 4.2 / 3)")
    text = redact_formula("unreliable (x): neutral = mean attainment of 1 reliable peers")
    assert " 1 " not in text and "fewer than 5" in text
    keep = "unreliable (x): neutral = mean attainment of 12 reliable peers"
    assert redact_formula(keep) == keep


def test_the_province_distribution_has_no_thin_bins(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, warehouse: Path,
) -> None:
    d = client.get(f"/api/organs/{subjects.province_a}/indicators/{INDICATOR}/distribution",
                   params={"bins": 50, "period": PERIOD}, headers=auth["officer_a"]).json()
    assert d["peers"] >= 30 and sum(d["counts"]) == d["peers"]
    assert all(c >= MIN_BIN for c in d["counts"]), d["counts"]
    assert len(d["counts"]) <= d["peers"] // MIN_BIN
    values = client.get(f"/api/organs/{subjects.national}/indicators/{INDICATOR}/ranking",
                        params={"period": PERIOD}, headers=auth["admin"]).json()["rows"]
    exact = {r["value"] for r in values if r["value"] is not None}
    assert min(exact) not in d["edges"] and max(exact) not in d["edges"]
    assert d["edges"][0] < min(exact) and max(exact) < d["edges"][-1]


@pytest.mark.parametrize("n", [1, 3, 4, 9, 32, 500])
def test_bins_hold_at_least_five(n: int) -> None:
    values = np.random.default_rng(n).normal(0.4, 0.15, n)
    edges, counts, _ = anonymised_bins(values, 50)
    assert sum(counts) == n and len(edges) == len(counts) + 1
    assert len(counts) == 1 or all(c >= MIN_BIN for c in counts)
    assert edges[0] <= values.min() and values.max() < edges[-1]
    assert values.min() not in edges and values.max() not in edges
