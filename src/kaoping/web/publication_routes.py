"""Published figures in the API: ``GET /api/organs/{code}/published/{indicator}``.

What a procuratorate releases to the public -- small numbers suppressed, and enough
others that they cannot be worked out (docs/publication.md). Every other figure endpoint
keeps the internal figures staff work with. The suppression of a table is worked out on
the whole organ tree, which takes a moment on a national warehouse, so it is kept per
data version (a version is never rewritten) and each caller gets his subtree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from kaoping.publication.public import PublicTable, public_table
from kaoping.publication.rules import load_rules
from kaoping.web.api_routes import _ERRORS as API_ERRORS
from kaoping.web.api_routes import IndicatorPath, PeriodQuery, _period
from kaoping.web.i18n import pick_lang
from kaoping.web.scope import OrganInScope

__all__ = ["pages_router", "router"]

router = APIRouter(prefix="/api", tags=["publication"], responses=API_ERRORS)
pages_router = APIRouter(include_in_schema=False)

_CACHE: OrderedDict[tuple[str, Any, str, str], PublicTable] = OrderedDict()
_CACHE_SIZE = 64
_LOCK = threading.Lock()


class PublishedRowOut(BaseModel):
    organ_code: str
    name: str | None
    level: int
    parent_code: str | None
    #: the organ's own cases (本院), not its total
    own: bool
    numerator: float | None
    denominator: float | None
    value: float | None
    suppressed: bool
    #: "primary" (too small) or "secondary" (hidden so a small one cannot be worked out)
    suppression: Literal["primary", "secondary"] | None
    note: str | None


class PublishedOut(BaseModel):
    indicator: str
    period: str
    organ: str
    rule: dict[str, Any]
    footnote: str
    rows: list[PublishedRowOut]


def _whole_tree(organ: OrganInScope, indicator: str, period: str) -> PublicTable:
    data = organ.scope.ctx.data
    key = (str(data.path), data.version(), indicator, period)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with data.open() as wh:
        table = public_table(wh, indicator, period,
                             rules=load_rules(indicators=wh.catalogue.ids()))
    with _LOCK:
        _CACHE[key] = table
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return table


@router.get("/organs/{organ_code}/published/{indicator}", response_model=PublishedOut)
def published(
    organ: OrganInScope,
    indicator: IndicatorPath,
    period: PeriodQuery = None,
    lang: Annotated[Literal["zh", "en"], Query(description="language of names and notes")] = "zh",
) -> dict[str, Any]:
    """An indicator for the organ and every organ below it as published: counts of 1-4
    and rates over few persons hidden, with the cells hidden so they cannot be worked
    out; each organ's total and its own cases (本院)."""
    ind = organ.scope.ctx.data.definition(indicator).id
    p = _period(organ.scope, period)
    part = _part(organ, ind, p)
    return {"indicator": ind, "period": p, "organ": organ.code,
            "rule": part.rule.model_dump(), "footnote": part.footnote(lang),
            "rows": part.records(lang)}


def _part(organ: OrganInScope, indicator: str, period: str,
          depth: int | None = None) -> PublicTable:
    """The organ's part of the whole tree's table: every organ below it, or those at
    most ``depth`` levels below."""
    data = organ.scope.ctx.data
    whole = _whole_tree(organ, indicator, period)
    rows = whole.rows[whole.rows["organ_code"].isin(set(data.descendants(organ.code)))]
    if depth is not None:
        rows = rows[rows["level"] <= int(organ.row["level"]) + depth]
        # an organ's own row only for the organ itself: its children's are one click away
        rows = rows[~rows["own"] | (rows["organ_code"] == organ.code)]
    return PublicTable(whole.indicator, whole.period, whole.rule, rows, whole.rules_source)


@pages_router.get("/organs/{organ_code}/published/{indicator}", response_class=HTMLResponse)
def published_page(
    request: Request, organ: OrganInScope, indicator: str, period: Annotated[
        str | None, Query(max_length=32)] = None,
) -> Response:
    """The organ, its own cases and the organs directly below it as published, with a
    click into each; the whole tree is in the API and ``kaoping publish``."""
    from kaoping.web.pages import _organ_nav, _periods, render

    scope, data = organ.scope, organ.scope.ctx.data
    ind = data.definition(indicator)
    p = data.normalise_period(period)
    lang = pick_lang(request)
    part = _part(organ, ind.id, p, depth=1)
    rows = part.records(lang)
    # the organ first, then its own cases, then the organs below in code order
    rows.sort(key=lambda r: (r["organ_code"] != organ.code, r["own"], r["organ_code"]))
    return render(
        request, "published.html", scope, organ=organ.row, period=p,
        periods=_periods(scope, p, lang), indicator=ind, rows=rows,
        footnote=part.footnote(lang), path=_organ_nav(scope, organ.code),
    )
