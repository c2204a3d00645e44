"""Finding an organ or a prosecutor by name or code: ``GET /api/search`` and the search page.

Both answer from :func:`search`, limited to the caller's scope like every other route: an
officer finds the organs of his own subtree and their prosecutors, a prosecutor only
himself (and the organs whose aggregates he sees), so a search never tells a name the user
could not open.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kaoping.web.schemas import ErrorOut
from kaoping.web.scope import Scope, ScopeDep
from kaoping.web.users import Role

__all__ = ["MAX_RESULTS", "SearchOut", "router", "search"]

#: the most organs, and the most prosecutors, one search lists
MAX_RESULTS = 50

router = APIRouter(prefix="/api", tags=["search"], responses={
    401: {"model": ErrorOut, "description": "not logged in, or the token expired"},
    422: {"model": ErrorOut, "description": "no search text, or one over 100 characters"},
})


class FoundOrgan(BaseModel):
    organ_code: str
    name_zh: str | None
    name_en: str | None
    level: int | None
    parent_code: str | None


class FoundProsecutor(BaseModel):
    prosecutor_id: str
    display_name: str | None
    organ_code: str
    department: str | None
    organ_name_zh: str | None
    organ_name_en: str | None


class SearchOut(BaseModel):
    q: str
    organs: list[FoundOrgan]
    prosecutors: list[FoundProsecutor]
    #: more matched than :data:`MAX_RESULTS` of one kind: the user should narrow the search
    truncated: bool


def search(scope: Scope, text: str) -> dict[str, Any]:
    """The organs and prosecutors in ``scope`` whose code or name contains ``text``."""
    data, needle = scope.ctx.data, text.strip()
    if not needle:
        return {"q": text, "organs": [], "prosecutors": [], "truncated": False}
    organs = [o for o in data.search_organs(needle) if scope.sees_organ(o["organ_code"])]
    # read a little more than is shown, so that rows outside the scope do not hide the fact
    # that more would match
    found = data.search_prosecutors(needle, limit=MAX_RESULTS * 20)
    if scope.principal.role is Role.PROSECUTOR:
        found = [p for p in found if p["prosecutor_id"] == scope.principal.prosecutor_id]
    else:
        found = [p for p in found if scope.sees_organ(str(p["organ_code"]))]
    prosecutors = []
    for p in found[:MAX_RESULTS]:
        organ = data.organ(str(p["organ_code"])) if data.has_organ(str(p["organ_code"])) else {}
        prosecutors.append({**p, "organ_name_zh": organ.get("name_zh"),
                            "organ_name_en": organ.get("name_en")})
    return {
        "q": text, "organs": organs[:MAX_RESULTS], "prosecutors": prosecutors,
        "truncated": len(organs) > MAX_RESULTS or len(found) > MAX_RESULTS,
    }


@router.get("/search", response_model=SearchOut)
def search_endpoint(
    scope: ScopeDep,
    q: Annotated[str, Query(min_length=1, max_length=100,
                            description="part of an organ's or a prosecutor's name or code")],
) -> dict[str, Any]:
    """Organs and prosecutors in the caller's scope whose name or code contains ``q``."""
    return search(scope, q)
