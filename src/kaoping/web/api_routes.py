"""The JSON API under ``/api``: everything the pages show, for scripts and other tools.

Two shapes are fixed because scripts depend on them: ``POST /api/token`` answers
``{"access_token": ...}`` and ``GET /api/organs/{organ_code}/indicators/{indicator}``
answers the keys of ``kaoping show --json``. Every route depends on the scope
(:mod:`kaoping.web.scope`) except ``POST /api/token``, which is how one gets a scope.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from kaoping.reports import MEDIA_TYPES
from kaoping.web import auth, views
from kaoping.web.audit import log_auth, log_drilldown, recent_auth, recent_drilldowns
from kaoping.web.context import ContextDep
from kaoping.web.data import HISTORY_KINDS
from kaoping.web.errors import Forbidden, LoginRequired, Unavailable
from kaoping.web.schemas import (
    PERIOD_PATTERN,
    AuthLogOut,
    BreakdownOut,
    BriefingOut,
    DefinitionOut,
    DistributionOut,
    DrilldownLogOut,
    ErrorOut,
    FreshnessOut,
    HistoryOut,
    IndicatorValueOut,
    MeOut,
    OrganDetailOut,
    OrganIndicatorOut,
    OrganOut,
    PeriodsOut,
    ProsecutorOut,
    ProsecutorValueOut,
    RankingOut,
    RecordsOut,
    TokenIn,
    TokenOut,
    WarningOut,
)
from kaoping.web.scope import (
    DrilldownOrgan,
    OrganInScope,
    ProsecutorInScope,
    Scope,
    ScopeDep,
    StaffScope,
)

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "a malformed parameter (the message names it)"},
    401: {"model": ErrorOut, "description": "not logged in, or the token expired"},
    403: {"model": ErrorOut, "description": "outside the user's scope"},
    404: {"model": ErrorOut, "description": "no such organ, prosecutor or indicator"},
    422: {"model": ErrorOut, "description": "a parameter of the wrong type or out of bounds"},
    503: {"model": ErrorOut, "description": "no warehouse, or nothing computed yet"},
}

router = APIRouter(prefix="/api", responses=_ERRORS)

INDICATOR = Path(
    description="Indicator id, e.g. non_arrest_rate (GET /api/indicators lists them)",
    min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$",
)
PeriodQuery = Annotated[
    str | None,
    Query(
        max_length=32, pattern=PERIOD_PATTERN,
        description="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09 "
        "(default: the latest computed year)",
    ),
]
IndicatorPath = Annotated[str, INDICATOR]
ByQuery = Annotated[
    str | None,
    Query(
        min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
        description="a categorical column of the indicator's records, e.g. crime_chapter or "
        "is_minor (default: the first the catalogue declares in `breakdowns`)",
    ),
]


class Kind(StrEnum):
    year = "year"
    half = "half"
    quarter = "quarter"
    month = "month"
    ytd = "ytd"


class Side(StrEnum):
    numerator = "numerator"
    denominator = "denominator"


assert tuple(k.value for k in Kind) == HISTORY_KINDS


def _period(scope: Scope, period: str | None) -> str:
    return scope.ctx.data.normalise_period(period)


# --- logging in ------------------------------------------------------------------------


@router.post(
    "/token", response_model=TokenOut, tags=["auth"],
    responses={429: {"model": ErrorOut, "description": "too many failed logins: wait the "
                     "seconds of the Retry-After header"}},
)
def token(body: TokenIn, ctx: ContextDep, request: Request) -> dict[str, Any]:
    """Exchange a user name and password for a bearer token (``Authorization: Bearer``).

    Failed logins are throttled per account and per address (429 with ``Retry-After``)."""
    user = auth.login(ctx, body.username, body.password,
                      address=auth.client_address(request), channel="api")
    if user is None:
        raise LoginRequired("wrong user name or password")
    return {"access_token": auth.issue_api_token(ctx, user), "token_type": "bearer",
            "expires_in": ctx.config.token_ttl}


@router.post("/logout", status_code=204, response_class=Response, tags=["auth"])
def logout(scope: ScopeDep, request: Request) -> Response:
    """Revoke the token (or session cookie) of this request: it answers 401 from now on.
    ``kaoping users revoke NAME`` revokes every token of a user at once."""
    auth.end_session(scope.ctx, scope.principal)
    log_auth(scope.ctx.engine, "logout", scope.principal.username,
             address=auth.client_address(request), channel="api")
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(scope: ScopeDep) -> dict[str, Any]:
    """Who the token belongs to, and the top of his scope."""
    p = scope.principal
    return {"username": p.username, "role": p.role.value, "organ_code": scope.top,
            "prosecutor_id": p.prosecutor_id, "organs_in_scope": len(scope.organs)}


# --- reference -------------------------------------------------------------------------


@router.get("/periods", response_model=PeriodsOut, tags=["reference"])
def periods(scope: ScopeDep) -> dict[str, Any]:
    """The periods ``kaoping compute`` stored, latest year first."""
    data = scope.ctx.data
    return {"default": data.default_period(), "periods": data.periods()}


@router.get("/freshness", response_model=FreshnessOut, tags=["reference"])
def freshness(scope: ScopeDep) -> dict[str, Any]:
    """Whether the stored figures are as new as the data: ``stale`` after an import
    until ``kaoping compute`` has run (also the ``X-Kaoping-Stale`` header)."""
    fresh = scope.ctx.data.freshness()
    if fresh is None:
        raise Unavailable("no warehouse yet: run `kaoping import` first")
    return fresh.to_dict()


@router.get("/indicators", response_model=list[DefinitionOut], tags=["reference"])
def indicators(scope: ScopeDep) -> list[dict[str, Any]]:
    """Every indicator definition of the catalogue."""
    return views.definitions(scope.ctx.data)


@router.get("/indicators/{indicator}", response_model=DefinitionOut, tags=["reference"])
def indicator_definition(indicator: IndicatorPath, scope: ScopeDep) -> dict[str, Any]:
    """One definition: names, words, numerator and denominator, range, direction."""
    from kaoping.web.data import definition_dict

    return definition_dict(scope.ctx.data.definition(indicator))


@router.get("/organs", response_model=list[OrganOut], tags=["organs"])
def organs(
    scope: ScopeDep,
    parent: Annotated[
        str | None, Query(max_length=32, description="only the organs directly below it")
    ] = None,
    level: Annotated[int | None, Query(ge=1, le=4, description="only this level")] = None,
) -> list[dict[str, Any]]:
    """The organs the user may see (his organ and those below; a prosecutor: his organ)."""
    data = scope.ctx.data
    if parent is not None:
        scope.check_organ(parent)
        rows = [r for r in data.children(parent) if scope.sees_organ(r["organ_code"])]
    else:
        rows = [data.organ(c) for c in sorted(scope.organs)]
    if level is not None:
        rows = [r for r in rows if r["level"] == level]
    return sorted(rows, key=lambda r: (r["level"], r["organ_code"]))


@router.get("/organs/{organ_code}", response_model=OrganDetailOut, tags=["organs"])
def organ(organ: OrganInScope) -> dict[str, Any]:
    """An organ with the organs directly below it and its path from the top of the scope."""
    data, scope = organ.scope.ctx.data, organ.scope
    children = [r for r in data.children(organ.code) if scope.sees_organ(r["organ_code"])]
    path = [data.organ(c) for c in scope.visible(data.ancestors(organ.code))]
    return {**organ.row, "children": children, "path": path}


# --- figures of an organ ---------------------------------------------------------------


@router.get(
    "/organs/{organ_code}/indicators", response_model=list[OrganIndicatorOut], tags=["figures"]
)
def organ_indicators(
    organ: OrganInScope,
    period: PeriodQuery = None,
    indicator: Annotated[
        list[str] | None,
        Query(description="only these indicators (repeat the parameter); default: headline"),
    ] = None,
) -> list[dict[str, Any]]:
    """Several figures of one organ with their traffic lights (default: the headline set)."""
    scope, data = organ.scope, organ.scope.ctx.data
    p = _period(scope, period)
    ids = tuple(indicator) if indicator else scope.ctx.config.headline
    level = int(organ.row["level"])
    if indicator:
        return views.indicator_cards(data, ids, p, organ=organ.code, level=level)
    return views.headline(data, ids, p, organ=organ.code, level=level)


@router.get(
    "/organs/{organ_code}/indicators/{indicator}",
    response_model=IndicatorValueOut,
    tags=["figures"],
)
def organ_indicator(
    organ: OrganInScope, indicator: IndicatorPath, period: PeriodQuery = None
) -> dict[str, Any]:
    """One figure: exactly the keys and values of ``kaoping show IND --organ C --json``."""
    p = _period(organ.scope, period)
    return organ.scope.ctx.data.value(indicator, p, organ=organ.code)


def _history(scope: Scope, indicator: str, subject_type: str, subject: str,
             kind: Kind) -> dict[str, Any]:
    """The HistoryOut body of an organ or a prosecutor: stored values, oldest first."""
    points = scope.ctx.data.history(indicator, subject_type=subject_type, subject=subject,
                                    kind=kind.value)
    return {"indicator": indicator, "subject_type": subject_type, "subject": subject,
            "kind": kind.value, "points": points}


@router.get(
    "/organs/{organ_code}/indicators/{indicator}/history",
    response_model=HistoryOut,
    tags=["figures"],
)
def organ_history(
    organ: OrganInScope, indicator: IndicatorPath, kind: Kind = Kind.quarter
) -> dict[str, Any]:
    """The stored values over time, one point per period of ``kind``, oldest first."""
    return _history(organ.scope, indicator, "organ", organ.code, kind)


@router.get(
    "/organs/{organ_code}/indicators/{indicator}/ranking",
    response_model=RankingOut,
    tags=["figures"],
)
def organ_ranking(
    organ: OrganInScope, indicator: IndicatorPath, period: PeriodQuery = None
) -> dict[str, Any]:
    """The league table of the organs directly below, best first (ties share a rank)."""
    p = _period(organ.scope, period)
    return views.ranking(organ.scope.ctx.data, organ, indicator, p)


@router.get(
    "/organs/{organ_code}/indicators/{indicator}/distribution",
    response_model=DistributionOut,
    tags=["figures"],
)
def organ_distribution(
    organ: OrganInScope,
    indicator: IndicatorPath,
    period: PeriodQuery = None,
    bins: Annotated[int, Query(ge=2, le=50)] = 10,
) -> dict[str, Any]:
    """How all organs of this organ's level are spread (anonymised) and where it stands."""
    p = _period(organ.scope, period)
    return views.distribution(organ.scope.ctx.data, organ, indicator, p, bins=bins)


@router.get(
    "/organs/{organ_code}/indicators/{indicator}/breakdown",
    response_model=BreakdownOut,
    tags=["figures"],
)
def organ_breakdown(
    organ: OrganInScope, indicator: IndicatorPath, period: PeriodQuery = None,
    by: ByQuery = None,
) -> dict[str, Any]:
    """The figure per category of ``by`` (with an unknown / other category), the total, and
    whether the categories add up to it: the keys of ``kaoping show --by COLUMN --json``."""
    p = _period(organ.scope, period)
    return organ.scope.ctx.data.breakdown(indicator, p, organ=organ.code, by=by)


@router.get(
    "/organs/{organ_code}/indicators/{indicator}/records",
    response_model=RecordsOut,
    tags=["records"],
)
def organ_records(
    organ: DrilldownOrgan,
    indicator: IndicatorPath,
    period: PeriodQuery = None,
    side: Side = Side.numerator,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The records behind a figure (pseudonymous ids only); every call is logged."""
    scope = organ.scope
    p = _period(scope, period)
    scope.ctx.data.definition(indicator)
    log_drilldown(scope, subject_type="organ", subject=organ.code, organ_code=organ.code,
                  indicator=indicator, period=p, side=side.value, offset=offset, limit=limit,
                  channel="api")
    return scope.ctx.data.records(indicator, p, side=side.value, organ=organ.code,
                                  limit=limit, offset=offset)


@router.get("/organs/{organ_code}/warnings", response_model=list[WarningOut], tags=["figures"])
def organ_warnings(
    organ: OrganInScope,
    period: PeriodQuery = None,
    below: Annotated[bool, Query(description="include the organs below")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Figures outside their reasonable range, swinging unusually, or on tiny denominators."""
    scope = organ.scope
    p = _period(scope, period)
    return views.warnings(scope.ctx.data, scope, organ, p, below=below, limit=limit)


@router.get(
    "/organs/{organ_code}/prosecutors", response_model=list[ProsecutorOut], tags=["prosecutors"]
)
def organ_prosecutors(organ: OrganInScope, scope: StaffScope) -> list[dict[str, Any]]:
    """The prosecutors of the organ (officers, leaders and administrators only)."""
    return scope.ctx.data.prosecutors_of(organ.code)


@router.get("/organs/{organ_code}/briefing", response_model=BriefingOut, tags=["figures"])
def organ_briefing(
    organ: OrganInScope,
    scope: StaffScope,
    period: PeriodQuery = None,
    lang: Annotated[Literal["zh", "en"], Query(description="language of the text")] = "zh",
) -> dict[str, Any]:
    """The briefing (通报) of the organ as Markdown: headline figures, indicators out of
    range, biggest movers, the league table below with grades (officers, leaders, admins)."""
    p = _period(scope, period)
    return {"organ": organ.code, "period": p, "lang": lang,
            "markdown": scope.ctx.data.briefing(organ.code, p, lang, scope.ctx.engine)}


@router.get(
    "/organs/{organ_code}/report",
    response_class=Response,
    tags=["figures"],
    responses={200: {"description": "the report file", "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in MEDIA_TYPES.values()}}},
)
def organ_report(
    organ: OrganInScope,
    scope: StaffScope,
    period: PeriodQuery = None,
    format: Annotated[
        Literal["xlsx", "docx", "pdf"], Query(description="xlsx tables, docx or pdf briefing")
    ] = "xlsx",
    lang: Annotated[Literal["zh", "en"], Query(description="language of the text")] = "zh",
) -> Response:
    """The organ's report as a file to download: the statistical tables (xlsx) or the
    briefing (docx, pdf), the same as `kaoping report` (officers, leaders, admins)."""
    from kaoping.reports import FontNotFoundError

    p = _period(scope, period)
    try:
        body, media_type, filename = scope.ctx.data.report(organ.code, p, format, lang,
                                                           scope.ctx.engine)
    except FontNotFoundError as exc:
        # the server's installation lacks a font: say so (503) rather than a bare 500
        raise Unavailable(f"the {format} report cannot be made on this server: {exc}") from None
    quoted = quote(filename)
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=report.{format}; "
                               f"filename*=UTF-8''{quoted}"})


# --- figures of a prosecutor -----------------------------------------------------------


@router.get("/prosecutors/{prosecutor_id}", response_model=ProsecutorOut, tags=["prosecutors"])
def prosecutor(p: ProsecutorInScope) -> dict[str, Any]:
    """A prosecutor (pseudonymous): himself, or staff of an organ above him."""
    return p.row


@router.get(
    "/prosecutors/{prosecutor_id}/indicators/{indicator}",
    response_model=ProsecutorValueOut,
    tags=["prosecutors"],
)
def prosecutor_indicator(
    p: ProsecutorInScope, indicator: IndicatorPath, period: PeriodQuery = None
) -> dict[str, Any]:
    """One figure of a prosecutor: ``kaoping show IND --prosecutor ID --json``."""
    per = _period(p.scope, period)
    return p.scope.ctx.data.value(indicator, per, prosecutor=p.prosecutor_id)


@router.get(
    "/prosecutors/{prosecutor_id}/indicators/{indicator}/history",
    response_model=HistoryOut,
    tags=["prosecutors"],
)
def prosecutor_history(
    p: ProsecutorInScope, indicator: IndicatorPath, kind: Kind = Kind.quarter
) -> dict[str, Any]:
    return _history(p.scope, indicator, "prosecutor", p.prosecutor_id, kind)


@router.get(
    "/prosecutors/{prosecutor_id}/indicators/{indicator}/records",
    response_model=RecordsOut,
    tags=["records"],
)
def prosecutor_records(
    p: ProsecutorInScope,
    indicator: IndicatorPath,
    period: PeriodQuery = None,
    side: Side = Side.numerator,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """The records behind a prosecutor's figure; every call is logged."""
    scope = p.scope
    per = _period(scope, period)
    scope.ctx.data.definition(indicator)
    log_drilldown(scope, subject_type="prosecutor", subject=p.prosecutor_id,
                  organ_code=str(p.row["organ_code"]), indicator=indicator, period=per,
                  side=side.value, offset=offset, limit=limit, channel="api")
    return scope.ctx.data.records(indicator, per, side=side.value, prosecutor=p.prosecutor_id,
                                  limit=limit, offset=offset)


# --- audit -----------------------------------------------------------------------------


@router.get("/audit/drilldowns", response_model=list[DrilldownLogOut], tags=["audit"])
def drilldowns(
    scope: StaffScope, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """Who listed records of organs in your scope, and when (latest first)."""
    return recent_drilldowns(scope, limit=limit)



@router.get("/audit/logins", response_model=list[AuthLogOut], tags=["audit"])
def logins(
    scope: StaffScope, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """Login attempts (successful, failed, refused while locked), logouts, password changes
    and revocations, latest first (administrators only: they span every organ)."""
    if scope.principal.role.value != "admin":
        raise Forbidden("only administrators read the login log")
    return recent_auth(scope.ctx.engine, limit=limit)
