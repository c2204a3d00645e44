"""The server-rendered pages (Jinja2), with ECharts for the charts and a zh / en switch.

Each page handler gets its organ or prosecutor already checked by :mod:`kaoping.web.scope`
and its figures from :mod:`kaoping.web.views` -- the same functions the API returns -- so
pages add presentation only. State-changing forms carry a CSRF token bound to the session.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from kaoping.narrative.numbers import format_change, format_value
from kaoping.web import appraisal_data, auth, views
from kaoping.web.audit import log_auth, log_drilldown, recent_drilldowns
from kaoping.web.context import ContextDep
from kaoping.web.errors import Forbidden, NotFound, WebError
from kaoping.web.i18n import LANG_COOKIE, Lang, pick_lang, scoring_text, translate
from kaoping.web.scope import (
    DrilldownOrgan,
    OrganInScope,
    ProsecutorInScope,
    Scope,
    ScopeDep,
    StaffScope,
)
from kaoping.web.status import level_range
from kaoping.web.users import Role

__all__ = ["render_error", "router"]

#: what a dict's ``.name`` in a template may mean besides its item ``name``
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment with a quicker ``row.column`` on a dict.

    Jinja resolves ``x.name`` by trying the attribute first and the item after the
    ``AttributeError`` -- for a dict, whose items are all a page's rows carry, one raised
    and caught exception per cell (0.4 us against 0.04: a sixth of the serving process's
    GIL under load). A name that is not one of dict's attributes can only mean the item,
    so it is looked up first; the answer is Jinja's in every case."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


TEMPLATES = Jinja2Templates(env=_Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(),  # what Jinja2Templates(directory=...) sets
))

_CODE_WORD = re.compile(
    r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])")


def _codes(text: str | None, lang: str = "zh") -> Markup:
    """A Chinese text that names codes (tables, columns, enumeration values: persons,
    arrest_decision, not_approved) with each code set as code: they are identifiers the
    export files carry, not words to translate. Applied to the Chinese definitions and
    record descriptions, which quote the catalogue's expressions."""
    if not text:
        return Markup("")
    if lang == "en":  # English text: its words are words
        return Markup(escape(text))
    out, last = [], 0
    for m in _CODE_WORD.finditer(text):
        out += [str(escape(text[last:m.start()])), f"<code>{escape(m.group(0))}</code>"]
        last = m.end()
    return Markup("".join([*out, str(escape(text[last:]))]))


TEMPLATES.env.filters["codes"] = _codes
router = APIRouter(include_in_schema=False)

PeriodQuery = Annotated[str | None, Query(max_length=32)]
IndicatorQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
ByQuery = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
_SELECTABLE_KINDS = ("year", "half", "quarter")


# --- rendering -------------------------------------------------------------------------


def _name(row: dict[str, Any] | None, lang: Lang) -> str:
    if not row:
        return ""
    return str(row.get("name_en" if lang == "en" else "name_zh") or row.get("name_zh") or "")


_SUFFIXES = ("人民检察院", " People's Procuratorate", "People's Procuratorate of ")


def _short(row: dict[str, Any] | None, lang: Lang) -> str:
    """An organ's name without "People's Procuratorate": for chart axes, where space is short."""
    name = _name(row, lang)
    for s in _SUFFIXES:
        name = name.replace(s, "")
    return name.strip() or _name(row, lang)


def _period_name(label: str, lang: Lang) -> str:
    """A period in words ("2020年1-9月", "January to September 2020")."""
    from kaoping.engine.periods import PeriodError, parse_period

    try:
        period = parse_period(label)
    except PeriodError:
        return label
    return period.label_zh if lang == "zh" else period.label_en


def _column_label(column: str, lang: Lang) -> str:
    """A record column's heading: its Chinese label in the data format (院代码 for
    organ_code, the header an export carries), its name in words in English."""
    from kaoping.model.schema import TABLES

    if lang == "en":
        return column.replace("_", " ").capitalize()
    for table in TABLES.values():
        for col in table.columns:
            if col.name == column:
                return col.label_zh
    return column


def _grade_name(grade: str | None, lang: Lang) -> str:
    """A grade's name from its id (the bundled schemes' grades); the id if unknown."""
    if not grade:
        return "—"
    text = translate(f"grade_{grade}", lang)
    return grade if text == f"grade_{grade}" else text


def _lang_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def _globals(request: Request, lang: Lang, scope: Scope | None) -> dict[str, Any]:
    def t(key: str, **kw: Any) -> str:
        text = translate(key, lang)
        return text.format(**kw) if kw else text

    def fmt(x: float | None, unit: str) -> str:
        return format_value(x, unit, lang)

    def fmt_change(change: float | None, change_unit: str | None) -> str:
        if change_unit is None:
            return "—" if change is None else f"{change:+.1f}"
        return format_change(change, change_unit, lang) or "—"

    def fmt_exact(x: float | None, unit: str) -> str:
        """Like fmt, but a fractional count (a weighted caseload) keeps its decimals."""
        if unit == "count" and x is not None and not float(x).is_integer():
            return f"{x:,.2f}"
        return format_value(x, unit, lang)

    out: dict[str, Any] = {
        "request": request, "lang": lang, "t": t, "fmt": fmt, "fmt_change": fmt_change,
        "fmt_exact": fmt_exact,
        "name": lambda row: _name(row, lang),
        "period_name": lambda label: _period_name(label, lang),
        "dept": lambda code: translate(f"dept_{code}", lang) if code else "",
        "grade_name": lambda gid: _grade_name(gid, lang),
        "scoring_text": lambda text: scoring_text(text, lang),
        "column_label": lambda column: _column_label(column, lang),
        "other_lang": "en" if lang == "zh" else "zh",
        "lang_url": _lang_url(request, "en" if lang == "zh" else "zh"),
        "scope": scope, "user": scope.principal if scope else None, "csrf": "",
    }
    if scope is not None:
        out["stale_message"] = _stale_message(scope, lang)
        out["csrf"] = auth.csrf_token(scope.ctx, scope.principal)
        out["role_label"] = translate(f"role_{scope.principal.role.value}", lang)
        if scope.top:
            out["top_organ"] = scope.ctx.data.organ(scope.top)
    return out


def _stale_message(scope: Scope, lang: Lang) -> str:
    """The banner saying the figures are older than the data ('' when they are not)."""
    try:
        fresh = scope.ctx.data.freshness()
    except WebError:  # no warehouse: the page itself says so
        return ""
    return "" if fresh is None else fresh.message(lang)


def render(
    request: Request, template: str, scope: Scope | None, status_code: int = 200,
    **context: Any,
) -> Response:
    lang = pick_lang(request)
    response = TEMPLATES.TemplateResponse(
        request, template, {**_globals(request, lang, scope), **context},
        status_code=status_code,
    )
    if request.query_params.get("export") == "xlsx" and status_code == 200 and scope:
        return _export(request, bytes(response.body).decode())
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def _export(request: Request, html: str) -> Response:
    """The page's tables (or the one named by ``table=``) as an xlsx download."""
    from kaoping.reports import MEDIA_TYPES
    from kaoping.web.export import tables_in, workbook_bytes

    wanted = request.query_params.get("table")
    tables = [t for t in tables_in(html) if wanted in (None, "", t.table_id)]
    if not tables:
        raise NotFound(f"this page has no table {wanted!r} to export")
    stem = "-".join(x for x in request.url.path.strip("/").split("/") if x) or "kaoping"
    name = f"{stem}-{wanted}" if wanted else stem
    return Response(workbook_bytes(tables, name), media_type=MEDIA_TYPES["xlsx"],
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def render_error(request: Request, status_code: int, message: str) -> Response:
    """An error as a page, its message in the page's language (kaoping/web/messages.py)."""
    from kaoping.web.messages import localise

    scope = getattr(request.state, "scope", None)
    return render(request, "error.html", scope, status_code=status_code,
                  status=status_code, message=localise(message, pick_lang(request)),
                  detail=message)


#: the selector's groups, in order: (period kind, message key of its heading)
_PERIOD_GROUPS = (("year", "period_years"), ("half", "period_halves"),
                  ("quarter", "period_quarters"), ("ytd", "period_ytd"),
                  ("month", "period_months"), ("range", "period_other"))


def _periods(scope: Scope, current: str, lang: Lang) -> list[dict[str, Any]]:
    """The periods a selector offers, grouped by kind (years, halves, quarters, 1-N months
    cumulative, months), each labelled in words ("2020年1-9月"), the current one included
    even when it is not stored (a range typed into the address)."""
    from kaoping.engine.periods import parse_period

    stored = scope.ctx.data.periods()
    labels = stored if current in stored else [current, *stored]
    by_kind: dict[str, list[dict[str, str]]] = {}
    for label in labels:
        period = parse_period(label)
        by_kind.setdefault(str(period.kind), []).append(
            {"value": label, "label": period.label_zh if lang == "zh" else period.label_en})
    return [
        {"label": translate(key, lang), "options": by_kind[kind]}
        for kind, key in _PERIOD_GROUPS if kind in by_kind
    ]


def _organ_nav(scope: Scope, organ_code: str) -> list[dict[str, Any]]:
    data = scope.ctx.data
    return [data.organ(c) for c in scope.visible(data.ancestors(organ_code))]


# --- logging in and out ----------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: Annotated[str, Query(max_length=500)] = "/"
) -> Response:
    return render(request, "login.html", None, next=_safe_next(next), failed=False)


def _safe_next(target: str) -> str:
    """Only local paths: a login link must not bounce the user to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _same_origin(request: Request) -> bool:
    """Whether a form post comes from one of our own pages (login CSRF).

    Browsers send ``Origin`` with every cross-origin POST (``Referer`` where an old one does
    not); either must name this server's host. A request with neither is not a browser's
    cross-site form, so it passes. The scheme is not compared: behind a TLS proxy the
    server sees http while the browser says https.
    """
    host = request.headers.get("host", "")
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value:
            return bool(host) and urlsplit(value).netloc == host
    return True


def _locked_page(request: Request, wait: int, next: str, username: str) -> Response:
    lang = pick_lang(request)
    until = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%H:%M:%S")
    message = translate("login_locked", lang).format(seconds=wait, at=until)
    response = render(request, "login.html", None, status_code=429, next=_safe_next(next),
                      failed=False, locked=message, username=username)
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    ctx: ContextDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if not _same_origin(request):
        raise Forbidden(translate("cross_site_login", pick_lang(request)))
    try:
        user = auth.login(ctx, username, password, address=auth.client_address(request),
                          channel="page")
    except auth.LoginThrottled as exc:
        return _locked_page(request, exc.retry_after, next, username)
    if user is None:
        return render(request, "login.html", None, status_code=401, next=_safe_next(next),
                      failed=True, username=username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    auth.start_session(ctx, response, user)
    return response


def check_csrf(scope: Scope, token: str) -> None:
    """Forms posted with a session cookie must carry the page's CSRF token."""
    if scope.principal.via == "cookie" and token != auth.csrf_token(scope.ctx, scope.principal):
        raise Forbidden("the form has expired: reload the page and try again")


@router.post("/logout")
def logout(
    request: Request, scope: ScopeDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """End the session on the server (the cookie is useless from now on) and drop it."""
    check_csrf(scope, csrf)
    auth.end_session(scope.ctx, scope.principal)
    log_auth(scope.ctx.engine, "logout", scope.principal.username,
             address=auth.client_address(request), channel="page")
    response = RedirectResponse("/login", status_code=303)
    auth.clear_session(response)
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, scope: ScopeDep, done: bool = False) -> Response:
    """The logged-in user's password change: current password, new one twice."""
    return render(request, "account_password.html", scope, error="", done=done)


@router.post("/account/password", response_class=HTMLResponse)
def password_submit(
    request: Request,
    scope: ScopeDep,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
    confirm: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Change the password: every session and token of the user is revoked (the epoch is
    bumped), and this browser gets a new session. A wrong current password counts as a
    failed login, so a stolen cookie cannot be used to guess the password unthrottled."""
    from kaoping.appdb import session_scope
    from kaoping.web import throttle
    from kaoping.web.users import get_user, password_problem, set_password, verify_password

    check_csrf(scope, csrf)
    ctx, p, lang = scope.ctx, scope.principal, pick_lang(request)
    address = auth.client_address(request)

    def again(key: str, status: int = 400, **fields: Any) -> Response:
        return render(request, "account_password.html", scope, status_code=status,
                      error=translate(key, lang).format(**fields), done=False)

    wait = throttle.check(ctx.engine, p.username, address)
    if wait:
        until = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%H:%M:%S")
        response = again("login_locked", 429, seconds=wait, at=until)
        response.headers["Retry-After"] = str(wait)
        return response
    if new != confirm:
        return again("pw_mismatch")
    with session_scope(ctx.engine) as session:
        user = get_user(session, p.user_id)
        assert user is not None  # identify() has just read it
        if not verify_password(user, current):
            throttle.failed(ctx.engine, p.username, address)
            log_auth(ctx.engine, "login_failed", p.username, address=address,
                     channel="page", detail="wrong current password on password change")
            return again("pw_wrong_current")
        problem = password_problem(new, user.username)
        if problem is not None:
            return again(f"pw_{problem}")
        set_password(session, user, new)
    log_auth(ctx.engine, "password_changed", p.username, address=address, channel="page")
    # the old cookie is revoked with the epoch: this browser continues on a new session
    response = RedirectResponse("/account/password?done=true", status_code=303)
    with session_scope(ctx.engine) as session:
        fresh = get_user(session, p.user_id)
        assert fresh is not None
        auth.start_session(ctx, response, fresh)
    return response


@router.get("/")
def home(scope: ScopeDep) -> Response:
    """Prosecutors land on their scorecard, everyone else on the top organ's overview."""
    if scope.principal.role is Role.PROSECUTOR and scope.principal.prosecutor_id:
        return RedirectResponse(f"/prosecutors/{scope.principal.prosecutor_id}", 303)
    if scope.top is None:
        raise Forbidden("your account is not attached to an organ in this warehouse")
    return RedirectResponse(f"/organs/{scope.top}", 303)


# --- organ pages -----------------------------------------------------------------------


@router.get("/organs/{organ_code}", response_class=HTMLResponse)
def overview(
    request: Request, organ: OrganInScope, period: PeriodQuery = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Headline figures with lights and arrows, the warnings, a trend per key indicator."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = data.normalise_period(period)
    level = int(organ.row["level"])
    cards = views.headline(data, scope.ctx.config.headline, p, organ=organ.code, level=level)
    # a period the records do not cover (after the data ends): said once, above the cards
    without_data = next((c["value"] for c in cards if c["value"].get("data_note")), None)
    trends = data.histories([c["value"]["indicator"] for c in cards], subject_type="organ",
                            subject=organ.code, kind="quarter")
    codes = scope.visible(sorted(data.descendants(organ.code)))
    total_warnings, first = data.warnings_page(codes, p, limit=OVERVIEW_WARNINGS, offset=0)
    staff = scope.is_staff
    prosecutors = data.prosecutors_of(organ.code) if staff else []
    shown = prosecutors[offset:offset + PAGE_SIZE]
    return render(
        request, "overview.html", scope, organ=organ.row, period=p,
        periods=_periods(scope, p, pick_lang(request)), cards=cards, trends=trends,
        warnings=views.warning_rows(data, first), total_warnings=total_warnings,
        period_without_data=without_data,
        path=_organ_nav(scope, organ.code), children=data.children(organ.code),
        prosecutors=shown, prosecutors_total=len(prosecutors),
        prosecutors_pager=_pager(request, len(prosecutors), offset),
        # the xlsx of the page's tables has the gaming table: it waits for the detectors
        gaming_wait=request.query_params.get("export") == "xlsx",
    )


#: warnings the overview lists before "all warnings"
OVERVIEW_WARNINGS = 10
#: rows a paginated list shows
PAGE_SIZE = 50
OffsetQuery = Annotated[int, Query(ge=0, le=10_000_000)]


def _pager(request: Request, total: int, offset: int) -> dict[str, Any]:
    """Links to the previous and next page of a list (None where there is none)."""
    def link(at: int) -> str:
        params = dict(request.query_params)
        params["offset"] = str(at)
        params.pop("export", None)
        return f"{request.url.path}?{urlencode(params)}"

    return {
        "total": total, "first": offset + 1 if total else 0,
        "last": min(offset + PAGE_SIZE, total),
        "prev": link(max(offset - PAGE_SIZE, 0)) if offset > 0 else None,
        "next": link(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    }


@router.get("/organs/{organ_code}/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request, organ: OrganInScope, period: PeriodQuery = None, offset: OffsetQuery = 0
) -> Response:
    """Every flagged figure of the organ and the organs below, most severe first, paged."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = data.normalise_period(period)
    codes = scope.visible(sorted(data.descendants(organ.code)))
    total, rows = data.warnings_page(codes, p, limit=PAGE_SIZE, offset=offset)
    return render(
        request, "warnings.html", scope, organ=organ.row, period=p,
        periods=_periods(scope, p, pick_lang(request)), warnings=views.warning_rows(data, rows),
        page_nav=_pager(request, total, offset), path=_organ_nav(scope, organ.code),
    )


@router.get("/organs/{organ_code}/compare", response_class=HTMLResponse)
def compare(
    request: Request, organ: OrganInScope, period: PeriodQuery = None,
    indicator: IndicatorQuery = None,
) -> Response:
    """The organs directly below: a sortable league table, a bar chart, a click into each."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = data.normalise_period(period)
    chosen = indicator or views.headline_ids(data, scope.ctx.config.headline)[0]
    ind = data.definition(chosen)
    rows = views.ranking(data, organ, chosen, p)["rows"]
    lang = pick_lang(request)
    chart = {"labels": [_short(r, lang) for r in rows], "codes": [r["subject"] for r in rows],
             "values": [r["value"] for r in rows]}
    return render(
        request, "compare.html", scope, organ=organ.row, period=p,
        periods=_periods(scope, p, pick_lang(request)),
        indicator=ind, indicators=data.indicators(), rows=rows, chart=chart,
        path=_organ_nav(scope, organ.code),
    )


@router.get("/organs/{organ_code}/indicators", response_class=HTMLResponse)
def indicator_list(request: Request, organ: OrganInScope, period: PeriodQuery = None) -> Response:
    """Every indicator of the catalogue with this organ's figure: value, the same period a
    year earlier, the change, the rank among the organs under the same parent and the
    flags, grouped by family -- read in one batch (:meth:`WebData.values_many`)."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = data.normalise_period(period)
    from kaoping.catalogue.models import FAMILIES

    lang = pick_lang(request)
    ids = [ind.id for ind in data.indicators()]
    cards = views.indicator_cards(data, ids, p, organ=organ.code, level=int(organ.row["level"]))
    families: dict[str, list[dict[str, Any]]] = {}
    for ind, card in zip(data.indicators(), cards, strict=True):
        families.setdefault(ind.family, []).append({**card, "family": ind.family})
    names = {fam: (FAMILIES[fam][0] if lang == "zh" else FAMILIES[fam][1])
             if fam in FAMILIES else fam for fam in families}
    return render(
        request, "indicators.html", scope, organ=organ.row, period=p,
        periods=_periods(scope, p, lang), families=families, family_names=names,
        path=_organ_nav(scope, organ.code),
    )


@router.get("/organs/{organ_code}/indicators/{indicator}", response_class=HTMLResponse)
def indicator_page(
    request: Request, organ: OrganInScope, indicator: str, period: PeriodQuery = None,
    by: ByQuery = None,
) -> Response:
    """Definition in words, the figure, its breakdown, the peer distribution, the history,
    the drill-down."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = data.normalise_period(period)
    level = int(organ.row["level"])
    card = views.indicator_card(data, indicator, p, organ=organ.code, level=level)
    ind = data.definition(indicator)
    lang = pick_lang(request)
    breakdown = views.breakdown(data, ind, p, organ=organ.code, by=by, lang=lang)
    return render(
        request, "indicator.html", scope, organ=organ.row, period=p,
        periods=_periods(scope, p, pick_lang(request)), indicator=ind, card=card,
        sentence=data.sentence(indicator, p, lang, organ=organ.code),
        range=level_range(ind, level),
        dist=views.distribution(data, organ, indicator, p),
        history=data.history(indicator, subject_type="organ", subject=organ.code,
                             kind="quarter"),
        yearly=data.history(indicator, subject_type="organ", subject=organ.code, kind="year"),
        path=_organ_nav(scope, organ.code), definition=views.describe(data, indicator),
        breakdown=breakdown,
    )


@router.get("/organs/{organ_code}/indicators/{indicator}/records", response_class=HTMLResponse)
def organ_records_page(
    request: Request,
    organ: DrilldownOrgan,
    indicator: str,
    period: PeriodQuery = None,
    side: Annotated[str, Query(pattern="^(numerator|denominator)$")] = "numerator",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """The records behind a figure, 50 a page; each view is logged."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = data.normalise_period(period)
    ind = data.definition(indicator)
    log_drilldown(scope, subject_type="organ", subject=organ.code, organ_code=organ.code,
                  indicator=ind.id, period=p, side=side, offset=offset, limit=50,
                  channel="page")
    page = data.records(ind.id, p, side=side, organ=organ.code, limit=50, offset=offset)
    return render(
        request, "records.html", scope, organ=organ.row, period=p, indicator=ind, page=page,
        side=side, base=f"/organs/{organ.code}/indicators/{ind.id}/records",
        path=_organ_nav(scope, organ.code), has_denominator=ind.denominator is not None,
    )


@router.get("/organs/{organ_code}/briefing", response_class=HTMLResponse)
def briefing_page(
    request: Request, organ: OrganInScope, scope: StaffScope, period: PeriodQuery = None
) -> Response:
    """The briefing (通报) as the case-management office circulates it: a formatted
    document (headings, tables, a chart after the sections that have one), printable."""
    from kaoping.web.briefing_html import render_briefing

    data = scope.ctx.data
    p = data.normalise_period(period)
    lang = pick_lang(request)
    source = data.briefing_source(organ.code, p, lang, scope.ctx.engine)
    doc = render_briefing(source)
    charts = {str(i): s.chart for i, s in enumerate(doc.sections) if s.chart}
    return render(request, "briefing.html", scope, organ=organ.row, period=p,
                  periods=_periods(scope, p, lang), doc=doc, charts=charts,
                  path=_organ_nav(scope, organ.code))


# --- search ----------------------------------------------------------------------------

SearchQuery = Annotated[str, Query(max_length=100)]


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, scope: ScopeDep, q: SearchQuery = "") -> Response:
    """Organs and prosecutors whose name or code contains ``q``, within the user's scope."""
    from kaoping.web.search_routes import search

    return render(request, "search.html", scope, q=q, found=search(scope, q))


# --- prosecutor pages ------------------------------------------------------------------


@router.get("/prosecutors/{prosecutor_id}", response_class=HTMLResponse)
def scorecard(request: Request, p: ProsecutorInScope, period: PeriodQuery = None) -> Response:
    """A prosecutor's own figures, how each was earned, and the appraisal score if any."""
    scope, data = p.scope, p.scope.ctx.data
    per = data.normalise_period(period)
    organ_row = data.organ(str(p.row["organ_code"]))
    from kaoping.catalogue.validate import answers_per_prosecutor

    # only what has figures per prosecutor: letters, leads and property returns name no
    # prosecutor, and cases per prosecutor is an organ's figure
    cards = views.indicator_cards(
        data, [ind.id for ind in data.indicators() if answers_per_prosecutor(ind)], per,
        prosecutor=p.prosecutor_id, level=int(organ_row["level"]), stored_only=True,
    )
    cards = [c for c in cards if c["value"]["value"] is not None or c["value"]["numerator"]]
    appraisal: dict[str, Any] = {}
    for organ_code in reversed(data.ancestors(str(p.row["organ_code"]))):
        found = appraisal_data.find_result(scope.ctx.engine, per, subject_type="prosecutor",
                                           organ=organ_code, subject=p.prosecutor_id)
        if found is not None:
            from kaoping.web.appraisal_pages import result_context

            appraisal = result_context(scope, found[0], found[1], pick_lang(request))
            break
    return render(
        request, "scorecard.html", scope, prosecutor=p.row, organ=organ_row, period=per,
        periods=_periods(scope, per, pick_lang(request)), cards=cards, appraisal=appraisal,
        back=str(request.url.path) + f"?period={per}",
    )


@router.get(
    "/prosecutors/{prosecutor_id}/indicators/{indicator}/records", response_class=HTMLResponse
)
def prosecutor_records_page(
    request: Request,
    p: ProsecutorInScope,
    indicator: str,
    period: PeriodQuery = None,
    side: Annotated[str, Query(pattern="^(numerator|denominator)$")] = "numerator",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    scope, data = p.scope, p.scope.ctx.data
    per = data.normalise_period(period)
    ind = data.definition(indicator)
    log_drilldown(scope, subject_type="prosecutor", subject=p.prosecutor_id,
                  organ_code=str(p.row["organ_code"]), indicator=ind.id, period=per,
                  side=side, offset=offset, limit=50, channel="page")
    page = data.records(ind.id, per, side=side, prosecutor=p.prosecutor_id, limit=50,
                        offset=offset)
    return render(
        request, "records.html", scope, organ=data.organ(str(p.row["organ_code"])),
        prosecutor=p.row, period=per, indicator=ind, page=page, side=side,
        base=f"/prosecutors/{p.prosecutor_id}/indicators/{ind.id}/records", path=[],
        has_denominator=ind.denominator is not None,
    )


# --- audit -----------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, scope: StaffScope) -> Response:
    """Who listed records of organs in the user's scope."""
    return render(request, "audit.html", scope, rows=recent_drilldowns(scope, limit=200))

