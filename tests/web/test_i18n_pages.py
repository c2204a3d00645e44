"""Every page speaks one language: no English left in Chinese mode, no Chinese in English.

The pages are discovered from the application's routing table (every GET route that
answers HTML: not the API, the static files, a redirect or a download), filled with sample
parameters of the shared test warehouse, and opened as an administrator in both
languages, together with the error pages a user meets (an unknown organ, an organ outside
an officer's scope, a malformed period, an out-of-range parameter, a page that does not
exist). A new page is walked without editing this file; a route whose parameters have no
sample fails here until one is added to :func:`samples`.

What counts as untranslated is the text a reader sees (element text and the placeholder,
title and aria-label attributes; not scripts, styles, ``<code>`` (ids, keys, syntax), other
attributes, or user data -- what users typed, their user names and file names -- marked
``data-user-text``):

- in Chinese mode, an English word of three letters or more, unless it is an id or code
  (contains a digit or an underscore), part of an address (/organs/…), a user name, or in
  :data:`ZH_ALLOWED` (product, file-format and encoding names, units, the notation of
  formulas);
- in English mode, a Chinese character outside the names of organs and people (which stay
  as they are registered: a prosecutor's name has no English form) and the language link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from .conftest import INDICATOR, PERIOD, Runs, Subjects, page_client
from .routes import ROUTES, path_params

#: English that may stand in a Chinese page: the product, formats, units, standards
ZH_ALLOWED = frozenset({
    "kaoping", "OpenAPI", "English", "Excel", "Word", "PDF", "xlsx", "docx", "pdf",
    "Markdown", "UTC", "API", "CSV", "GBK", "Parquet",
    # notation of the scoring formulas: functions and the priors' distributions
    "min", "max", "Beta", "Gamma",
    # the name of the false-discovery-rate method the detectors use (docs/detect.md)
    "Benjamini-Hochberg",
})
#: users of the test application database (their names are shown as they are)
USERS = frozenset({"admin", "officer_a", "officer_b", "leader_m", "leader_m2", "leader_g",
                   "prosecutor", "prosecutor2"})

PAGE_ROUTES = sorted({p for m, p, r in ROUTES if m == "GET" and isinstance(r, APIRoute)
                      and getattr(r.response_class, "value", r.response_class) is HTMLResponse
                      and not p.startswith(("/api", "/static"))})
#: GET routes outside the API that are not pages: what each answers instead
NOT_PAGES = {"/": "a redirect to the user's landing page",
             "/data/quarantine.xlsx": "a workbook download"}

#: text users typed (the test fixtures' objection reason), shown as typed
USER_TEXT = ("my caseload is wrong",)


def samples(s: Subjects, runs: Runs, job_id: str = "") -> dict[str, str]:
    """A value for each path parameter of the pages."""
    return {"organ_code": s.municipal_m, "indicator": INDICATOR,
            "prosecutor_id": s.prosecutor_p, "run_id": str(runs.prosecutors_g),
            "subject": s.prosecutor_p, "job_id": job_id}


def _url(path: str, values: dict[str, str]) -> str:
    missing = [p for p in path_params(path) if p not in values]
    assert not missing, f"{path}: no sample value for {missing}; add one to samples()"
    url = path
    for name in path_params(path):
        url = url.replace(f"{{{name}}}", values[name])
    query = {"/search": "q=检察院"}.get(path, f"period={PERIOD}")
    return f"{url}?{query}"


class _Visible(HTMLParser):
    """The text a reader sees, as a list of pieces."""

    HIDDEN = frozenset({"script", "style", "code"})
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                      "meta", "source", "track", "wbr"})
    SHOWN_ATTRS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)

    def _keep(self) -> bool:
        return not any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        typed = any(name == "data-user-text" for name, _ in attrs)  # user data
        if tag not in self.VOID:
            self._stack.append((tag, tag in self.HIDDEN or typed))
        if self._keep():
            self.pieces += [v for n, v in attrs if n in self.SHOWN_ATTRS and v]

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._keep() and data.strip():
            self.pieces.append(data.strip())


def visible_text(page: str) -> list[str]:
    parser = _Visible()
    parser.feed(page)
    return parser.pieces


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’-]*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def english_in_zh(pieces: list[str]) -> list[str]:
    found = []
    for piece in pieces:
        # an address the message quotes (/no/such/page) is a path, not words
        for word in _WORD.findall(re.sub(r"/[\w./-]+", " ", piece)):
            core = word.strip("'’-")
            if (len(core) >= 3 and not re.search(r"[\d_]", core) and core not in ZH_ALLOWED
                    and core not in USERS):
                found.append(f"{core!r} in {piece[:80]!r}")
    return found


def chinese_in_en(pieces: list[str], names: list[str]) -> list[str]:
    found = []
    for piece in pieces:
        rest = piece
        for name in names:  # longest first: a name is not cut by a shorter one inside it
            if name in rest:
                rest = rest.replace(name, " ")
        rest = rest.replace("中文", " ")
        found += [f"{m!r} in {piece[:80]!r}" for m in _CJK.findall(rest)]
    return found


@pytest.fixture(scope="module")
def names(warehouse: Path) -> list[str]:
    """Every organ's Chinese name and every prosecutor's display name, longest first."""
    from kaoping.warehouse import opened

    with opened(warehouse, read_only=True) as con:
        rows = con.execute("SELECT name_zh FROM organs UNION SELECT display_name FROM "
                           "prosecutors").fetchall()
    return sorted({str(r[0]) for r in rows if r[0]}, key=len, reverse=True)


@pytest.fixture(scope="module")
def admin(app: object) -> TestClient:
    return page_client(app, "admin")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def job_id(app: FastAPI, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A finished import job of the administrator's: the job machinery and the importer
    the upload form uses, run on a scratch warehouse (the shared one stays as it is)."""
    from kaoping.synth import generate_dataset
    from kaoping.web.data_work import import_job

    root = tmp_path_factory.mktemp("i18n-job")
    paths = generate_dataset(root / "data", persons=30, years=(2020, 2020), seed=5,
                             fmt="csv")
    files = [paths["organs"], paths["persons"]]
    jobs = app.state.jobs
    job = jobs.wait(jobs.submit("import", "admin", import_job(root / "scratch.duckdb", files,
                                                              "admin"),
                                label=", ".join(f.name for f in files)))
    assert job is not None and job.status == "done", job
    return job.id


def _cases() -> Iterator[object]:
    for path in PAGE_ROUTES:
        for lang in ("zh", "en"):
            yield pytest.param(path, lang, id=f"{lang} {path}")


def _check(page: str, lang: str, names: list[str], where: str) -> None:
    pieces = [p for p in visible_text(page) if p not in USER_TEXT]
    bad = english_in_zh(pieces) if lang == "zh" else chinese_in_en(pieces, names)
    assert not bad, f"{where} ({lang}): untranslated: " + "; ".join(bad[:15])


@pytest.mark.parametrize(("path", "lang"), list(_cases()))
def test_page_has_no_untranslated_text(
    path: str, lang: str, admin: TestClient, subjects: Subjects, runs: Runs, names: list[str],
    job_id: str,
) -> None:
    url = _url(path, samples(subjects, runs, job_id))
    r = admin.get(f"{url}&lang={lang}")
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    _check(r.text, lang, names, url)


def test_every_route_outside_the_api_is_a_page_or_says_what_it_is() -> None:
    """A page that forgot to declare it answers HTML would drop out of the walk unseen."""
    others = {p for m, p, r in ROUTES if m == "GET" and isinstance(r, APIRoute)
              and not p.startswith(("/api", "/static")) and p not in PAGE_ROUTES}
    assert others == set(NOT_PAGES), "declare response_class=HTMLResponse, or list it"


@pytest.mark.parametrize(("user", "which"), [
    ("admin", "prosecutors"), ("admin", "organs"), ("prosecutor", "prosecutors"),
])
def test_appraisal_explanations_are_translated(
    user: str, which: str, app: object, subjects: Subjects, runs: Runs, names: list[str]
) -> None:
    """A score's decomposition in Chinese, formulas included: they are shown as code but
    read as sentences ("within [0.7, 1]: full marks"), so here their text counts too. The
    prosecutor sees his own, with his peers' figures left out (other sentences)."""
    run, subject = ((runs.prosecutors_g, subjects.prosecutor_p) if which == "prosecutors"
                    else (runs.organs_m, subjects.grassroots_g))
    c = page_client(app, user)  # type: ignore[arg-type]
    r = c.get(f"/appraisal/runs/{run}/results/{subject}?lang=zh")
    assert r.status_code == 200, r.text[:300]
    page = re.sub(r"</?code>", "", r.text)
    assert "<pre id=\"explanation\">" in page and "总分" in page
    _check(page, "zh", names, f"{user} run {run} {subject}")


def test_the_explanation_with_its_records_reads_in_chinese(
    app_db: str, warehouse: Path, subjects: Subjects, runs: Runs, names: list[str]
) -> None:
    """What ``kaoping appraise explain --lang zh`` prints, the records behind each value
    and the weighted cases included (the pages leave the records out). The command that
    lists all records is a command line: it stays as typed."""
    from kaoping.appdb import make_engine
    from kaoping.appraisal import explain_score, render_explanation

    engine = make_engine(app_db)
    try:
        expl = explain_score(engine, runs.prosecutors_g, subjects.prosecutor_p, records=2,
                             warehouse=warehouse)
    finally:
        engine.dispose()
    text = render_explanation(expl, "zh")
    assert "记录：" in text and "案件 " in text  # records and weighted cases were listed
    lines = [re.sub(r"kaoping explain .*$", "", line) for line in text.splitlines()]
    bad = english_in_zh([line for line in lines if line.strip()])
    assert not bad, "untranslated: " + "; ".join(bad[:15])


def _error_urls(s: Subjects) -> list[tuple[str, str, int]]:
    """(user, url, status) of the errors a user meets on the pages."""
    return [
        ("admin", "/organs/999999", 404),
        ("admin", f"/organs/{s.municipal_m}?period=2020-Q9", 400),
        ("admin", f"/organs/{s.municipal_m}/warnings?offset=-1", 400),
        ("admin", "/no/such/page", 404),
        ("admin", "/prosecutors/P9999999999", 404),
        ("admin", f"/organs/{s.municipal_m}/indicators/no_such_indicator", 404),
        ("officer_a", f"/organs/{s.province_b}", 403),
        ("leader_m", f"/prosecutors/{s.prosecutor_elsewhere}", 403),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_error_pages_have_no_untranslated_text(
    lang: str, app: object, subjects: Subjects, names: list[str]
) -> None:
    clients: dict[str, TestClient] = {}
    for user, url, status in _error_urls(subjects):
        c = clients.setdefault(user, page_client(app, user))  # type: ignore[arg-type]
        r = c.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert r.status_code == status, (user, url, r.status_code)
        _check(r.text, lang, names, f"{user} {url}")


def test_the_check_finds_what_it_should() -> None:
    """The detectors themselves: an English phrase in zh, Chinese in en, ids allowed."""
    assert english_in_zh(["within [0.7, 1]: full marks"])
    assert not english_in_zh(["non_arrest_rate 2020-H1 P1100000001 下载 PDF 版"])
    assert not english_in_zh(["没有这个页面：/no/such/page"])
    assert chinese_in_en(["Grade: 良好"], ["广东省人民检察院"])
    assert not chinese_in_en(["广东省人民检察院 ranks 3"], ["广东省人民检察院"])


@pytest.mark.parametrize(("recorded", "zh"), [
    ("retry after 30 s", "30 秒后可重试"), ("locked for 900 s", "锁定 900 秒"),
    ("by admin on the logins page", "由 admin 在用户管理页操作"),
    ("wrong current password on password change", "修改密码时当前密码错误"),
    ("something new", "something new"),
])
def test_login_event_details_read_in_chinese(recorded: str, zh: str) -> None:
    from kaoping.web.admin_pages import _detail

    assert _detail(recorded, "zh") == zh
    assert _detail(recorded, "en") == recorded
