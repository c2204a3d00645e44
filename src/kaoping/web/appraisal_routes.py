"""The appraisal API under ``/api/appraisal``: runs, score decompositions, grade
distributions, manual items and objections -- each limited to the caller's scope.

Runs are made with ``kaoping appraise``; the web layer reads them, lodges objections
(a prosecutor for his own result, an organ's officer or leader for the organ's) and lets
officers review them and enter bonus or deduction items.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from kaoping.web import appraisal_data as ad
from kaoping.web.api_routes import _ERRORS
from kaoping.web.appraisal_pages import (
    PER_PAGE,
    PER_PAGE_MAX,
    GradeFilter,
    OrganFilter,
    Pager,
    SearchQuery,
    select_results,
)
from kaoping.web.errors import Forbidden
from kaoping.web.schemas import PERIOD_PATTERN, ErrorOut
from kaoping.web.scope import (
    AdministerScope,
    ObjectionInScope,
    ResultInScope,
    RunInScope,
    ScopeDep,
)

__all__ = ["router"]

#: a text that is not only blanks (the appraisal refuses those)
_TEXT = r"\S"

router = APIRouter(prefix="/api/appraisal", tags=["appraisal"], responses={
    **_ERRORS, 409: {"model": ErrorOut, "description": "the objection was already reviewed, "
                     "or the run was superseded (reload it)"}})


class RunOut(BaseModel):
    run_id: int
    scheme_id: str
    scheme_name_zh: str
    scheme_name_en: str
    subject_type: str
    period: str
    organ: str
    status: str
    subjects: int
    content_hash: str
    created_at: str | None
    created_by: str
    published_at: str | None
    superseded_by: int | None
    supersedes: int | None
    warnings: list[str]


class ResultRow(BaseModel):
    subject: str
    subject_type: str
    name_zh: str
    name_en: str
    organ_code: str
    group: str
    total: float
    total_low: float
    total_high: float
    base: float
    bonus: float
    deduction: float
    correction: float
    rank: int
    peers: int
    grade: str


class GradeCount(BaseModel):
    grade: str
    name_zh: str
    name_en: str
    count: int


class RunDetailOut(BaseModel):
    run: RunOut
    grades: list[GradeCount] = Field(description="grade distribution of the visible results "
                                     "the search and organ filters keep")
    results: list[ResultRow] = Field(description="every result the filters keep, or one page "
                                     "of them when page or per_page is given")
    total: int = Field(description="how many results the filters keep (on every page)")
    page: int | None = Field(default=None, description="the page shown (when paged)")
    per_page: int | None = Field(default=None, description="results per page (when paged)")
    pages: int | None = Field(default=None, description="how many pages (when paged)")


class ObjectionOut(BaseModel):
    objection_id: int
    run_id: int
    subject: str
    item_id: int | None
    indicator: str | None
    reason: str
    lodged_at: str | None
    lodged_by: str
    status: str
    reviewed_at: str | None
    reviewed_by: str | None
    review_reason: str | None
    correction: float | None
    resulting_run_id: int | None


class ReviewOut(ObjectionOut):
    new_run_id: int | None


class ItemOut(BaseModel):
    item_id: int
    subject_type: str
    subject: str
    period: str
    category: str
    points: float
    reason: str
    evidence: str
    created_at: str | None
    created_by: str
    withdrawn: bool
    withdrawn_reason: str | None
    objection_id: int | None


class ResultDetailOut(BaseModel):
    run: RunOut
    result: dict[str, Any] = Field(
        description="total = dimensions + bonus - deduction + correction; each dimension "
        "lists its indicators with value, method, attainment, points and the formula"
    )
    explanation: str = Field(description="how every point was earned, in words")
    objections: list[ObjectionOut]
    items: list[ItemOut]
    may_object: bool


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=4000, pattern=_TEXT)
    indicator: str | None = Field(default=None, max_length=64)
    item_id: int | None = Field(default=None, ge=1)


class ReviewAccept(BaseModel):
    """Accept an objection, optionally entering a correction of the score."""

    model_config = ConfigDict(extra="forbid", strict=True)  # no false for 0 points
    accept: StrictBool = Field(json_schema_extra={"const": True})
    reason: str = Field(min_length=1, max_length=4000, pattern=_TEXT)
    correction: float | None = Field(default=None, ge=-100, le=100)

    @field_validator("accept")
    @classmethod
    def _accepting(cls, v: bool) -> bool:
        """A strict boolean (``0`` would equal ``False`` to a ``Literal``) of one value."""
        if v is not True:
            raise ValueError("this variant accepts: send true")
        return v


class ReviewReject(BaseModel):
    """Reject an objection (a correction goes only with accepting one)."""

    model_config = ConfigDict(extra="forbid", strict=True)  # no false for 0 points
    accept: StrictBool = Field(json_schema_extra={"const": False})
    reason: str = Field(min_length=1, max_length=4000, pattern=_TEXT)

    @field_validator("accept")
    @classmethod
    def _rejecting(cls, v: bool) -> bool:
        if v is not False:
            raise ValueError("this variant rejects: send false")
        return v


ReviewIn = ReviewAccept | ReviewReject



class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_type: Literal["organ", "prosecutor"]
    subject: str = Field(min_length=1, max_length=64)
    period: str = Field(min_length=4, max_length=32, pattern=PERIOD_PATTERN)
    category: str = Field(min_length=1, max_length=64)
    points: float = Field(gt=0, le=100)
    reason: str = Field(min_length=1, max_length=4000, pattern=_TEXT)
    evidence: str = Field(min_length=1, max_length=4000, pattern=_TEXT)


PeriodFilter = Annotated[str | None, Query(max_length=32, pattern=PERIOD_PATTERN,
                                           description="only this period")]


@router.get("/runs", response_model=list[RunOut])
def runs(scope: ScopeDep, period: PeriodFilter = None) -> list[dict[str, Any]]:
    """Runs that appraise subjects in your scope, newest first."""
    label = scope.ctx.data.normalise_period(period) if period else None
    return [ad.run_dict(r, scope.subject_filter(r.subject_type))
            for r in ad.runs(scope.ctx.engine, period=label) if scope.sees_run(r)]


@router.get("/runs/{run_id}", response_model=RunDetailOut)
def run_detail(
    run: RunInScope,
    page: Annotated[int | None, Query(ge=1, le=10_000_000, description="page, from 1 "
                                      "(pages the results; default: all of them)")] = None,
    per_page: Annotated[int | None, Query(ge=1, le=PER_PAGE_MAX, description=(
        f"results per page (default {PER_PAGE}, at most {PER_PAGE_MAX}; pages the results)"
    ))] = None,
    q: SearchQuery = "", organ: OrganFilter = "", grade: GradeFilter = "",
) -> dict[str, Any]:
    """A run's league table (the results you may see) and its grade distribution.

    Without ``page`` or ``per_page`` every result the filters keep, as before; with either,
    one page of them (a page past the end is empty) -- ``total`` counts them all."""
    kept, graded = select_results(run, q=q, organ=organ, grade=grade, strict_grade=False)
    out: dict[str, Any] = {
        "run": ad.run_dict(run.run, run.scope.subject_filter(run.run.subject_type)),
        "grades": ad.grade_distribution(run.run, kept), "total": len(graded)}
    if page is None and per_page is None:
        return {**out, "results": [ad.result_row(r) for r in graded]}
    pager = Pager(len(graded), page or 1, per_page or PER_PAGE)
    return {**out, "results": [ad.result_row(r) for r in pager.slice(graded)],
            "page": pager.page, "per_page": pager.per_page, "pages": pager.pages}


@router.get("/runs/{run_id}/results/{subject}", response_model=ResultDetailOut)
def result_detail(ref: ResultInScope) -> dict[str, Any]:
    """One subject's score decomposed: dimensions, indicators, items, with the objections."""
    engine = ref.scope.ctx.engine
    visible = ref.scope.peer_filter(ref.run, ref.result)
    return {
        "run": ad.run_dict(ref.run, ref.scope.subject_filter(ref.run.subject_type)),
        "result": ad.result_dict(ref.result, visible),
        "explanation": ad.explanation_text(engine, ref.run.run_id, ref.result.subject, "en",
                                           visible),
        "objections": [ad.objection_dict(o) for o in ad.objections(
            engine, run_id=ref.run.run_id, subject=ref.result.subject)],
        "items": [ad.item_dict(i) for i in ad.items(
            engine, subject=ref.result.subject, period=ref.run.period)],
        "may_object": ref.scope.may_object(ref.result),
    }


@router.post("/runs/{run_id}/results/{subject}/objections", response_model=ObjectionOut,
             status_code=201)
def lodge(ref: ResultInScope, body: ObjectionIn) -> dict[str, Any]:
    """Object to a result: your own (prosecutor) or your organ's (officer, leader)."""
    if not ref.scope.may_object(ref.result):
        raise Forbidden("you may object to your own result (or your organ's) only")
    o = ad.lodge(ref.scope.ctx.engine, ref.run.run_id, ref.result.subject, reason=body.reason,
                 user=ref.scope.principal.username, indicator=body.indicator,
                 item_id=body.item_id)
    return ad.objection_dict(o)


@router.get("/objections", response_model=list[ObjectionOut])
def objections(
    scope: ScopeDep,
    status: Annotated[
        Literal["pending", "accepted", "rejected"] | None, Query(description="only this status")
    ] = None,
) -> list[dict[str, Any]]:
    """Objections to results you may see, oldest first."""
    engine = scope.ctx.engine
    out = []
    for o in ad.objections(engine, status=status):
        run = ad.load(engine, o.run_id)
        if not scope.sees_run(run):
            continue
        result = next((r for r in run.results if r.subject == o.subject), None)
        if result is not None and scope.sees_result(result):
            out.append(ad.objection_dict(o))
    return out


@router.get("/objections/{objection_id}", response_model=ObjectionOut)
def objection(ref: ObjectionInScope) -> dict[str, Any]:
    return ad.objection_dict(ref.objection)


@router.post("/objections/{objection_id}/review", response_model=ReviewOut)
def review(ref: ObjectionInScope, scope: AdministerScope, body: ReviewIn) -> dict[str, Any]:
    """Accept or reject an objection (officers and administrators of the appraising organ).

    Accepting with a correction enters it and makes a new run that supersedes the old one.
    """
    if not scope.may_review(ref.run):
        raise Forbidden(f"run {ref.run.run_id} was made by organ {ref.run.organ!r}: its "
                        "officers review its objections")
    correction = body.correction if isinstance(body, ReviewAccept) else None
    return ad.review(scope.ctx.engine, ref.objection.objection_id, accept=body.accept,
                     reason=body.reason, user=scope.principal.username,
                     correction=correction, warehouse=str(scope.ctx.config.db))


@router.get("/items", response_model=list[ItemOut])
def items(
    scope: ScopeDep,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    period: PeriodFilter = None,
) -> list[dict[str, Any]]:
    """Bonus, deduction and correction items of subjects you may see."""
    label = scope.ctx.data.normalise_period(period) if period else None
    return [ad.item_dict(i) for i in ad.items(scope.ctx.engine, subject=subject, period=label)
            if scope.sees_subject(i.subject_type, i.subject)]


@router.post("/items", response_model=ItemOut, status_code=201)
def add_item(scope: AdministerScope, body: ItemIn) -> dict[str, Any]:
    """Enter a bonus or deduction item with its evidence (officers and administrators)."""
    if not scope.sees_subject(body.subject_type, body.subject):
        raise Forbidden(f"{body.subject_type} {body.subject!r} is outside your scope")
    item = ad.add_item(scope.ctx.engine, subject_type=body.subject_type, subject=body.subject,
                       period=scope.ctx.data.normalise_period(body.period),
                       category=body.category, points=body.points, reason=body.reason,
                       evidence=body.evidence, user=scope.principal.username)
    return ad.item_dict(item)
