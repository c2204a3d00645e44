"""The appraisal pages: runs, a league table with its grade distribution, a subject's score
decomposed point by point, objections with their status, and the forms to object and to
review. Access is decided by :mod:`kaoping.web.scope` (run, result, objection
dependencies); state-changing forms carry the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaoping.web import appraisal_data as ad
from kaoping.web.errors import BadRequest, Forbidden
from kaoping.web.i18n import pick_lang
from kaoping.web.pages import check_csrf, render
from kaoping.web.scope import ObjectionInScope, ResultInScope, RunInScope, Scope, ScopeDep

__all__ = ["result_context", "router"]

router = APIRouter(include_in_schema=False)


def result_context(scope: Scope, run: Any, result: Any, lang: str) -> dict[str, Any]:
    """What a decomposition shows: the result, its explanation, objections, items, forms."""
    engine = scope.ctx.engine
    objections = ad.objections(engine, run_id=run.run_id, subject=result.subject)
    visible = scope.peer_filter(run, result)
    return {
        "run": ad.run_dict(run, scope.subject_filter(run.subject_type)),
        "result": ad.result_dict(result, visible),
        "explanation": ad.explanation_text(engine, run.run_id, result.subject, lang, visible),
        "objections": [ad.objection_dict(o) for o in objections],
        "items": [ad.item_dict(i) for i in ad.items(engine, subject=result.subject,
                                                     period=run.period)],
        "may_object": scope.may_object(result), "may_review": scope.may_review(run),
        "grade_names": ad.grade_labels(run),
    }


@router.get("/appraisal", response_class=HTMLResponse)
def appraisal_home(request: Request, scope: ScopeDep) -> Response:
    """Runs that appraise subjects in the scope, and the objections to their results."""
    engine = scope.ctx.engine
    runs = [ad.run_dict(r, scope.subject_filter(r.subject_type)) for r in ad.runs(engine)
            if scope.sees_run(r)]
    objections = []
    for o in ad.objections(engine):
        run = ad.load(engine, o.run_id)
        result = next((r for r in run.results if r.subject == o.subject), None)
        if scope.sees_run(run) and result is not None and scope.sees_result(result):
            objections.append(ad.objection_dict(o))
    return render(request, "appraisal.html", scope, runs=runs, objections=objections,
                  available=ad.available())


@router.get("/appraisal/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run: RunInScope) -> Response:
    """A run's league table, sortable, with the grade distribution as a chart."""
    visible = run.visible_results()
    grades = ad.grade_distribution(run.run, visible)
    return render(request, "run.html", run.scope,
                  run=ad.run_dict(run.run, run.scope.subject_filter(run.run.subject_type)),
                  results=[ad.result_row(r) for r in visible], grades=grades,
                  grade_names=ad.grade_labels(run.run))


@router.get("/appraisal/runs/{run_id}/results/{subject}", response_class=HTMLResponse)
def result_page(request: Request, ref: ResultInScope) -> Response:
    """How every point of one subject's score was earned, and its objections."""
    ctx = result_context(ref.scope, ref.run, ref.result, pick_lang(request))
    return render(request, "result.html", ref.scope, **ctx)


@router.post("/appraisal/runs/{run_id}/results/{subject}/objections")
def object_form(
    ref: ResultInScope,
    reason: Annotated[str, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    indicator: Annotated[str, Form(max_length=64)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """The object button: lodge an objection, then back to the page it came from."""
    check_csrf(ref.scope, csrf)
    if not ref.scope.may_object(ref.result):
        raise Forbidden("you may object to your own result (or your organ's) only")
    if not reason.strip():
        raise BadRequest("an objection needs a reason")
    ad.lodge(ref.scope.ctx.engine, ref.run.run_id, ref.result.subject, reason=reason,
             user=ref.scope.principal.username, indicator=indicator or None)
    target = back if back.startswith("/") and not back.startswith("//") else (
        f"/appraisal/runs/{ref.run.run_id}/results/{ref.result.subject}")
    return RedirectResponse(target + "#objections", status_code=303)


@router.post("/appraisal/objections/{objection_id}/review")
def review_form(
    ref: ObjectionInScope,
    decision: Annotated[str, Form(pattern="^(accept|reject)$")],
    reason: Annotated[str, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    correction: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    scope = ref.scope
    check_csrf(scope, csrf)
    if not scope.may_review(ref.run):
        raise Forbidden("officers of the appraising organ review its objections")
    try:
        points = float(correction) if correction.strip() else None
    except ValueError:
        raise BadRequest(f"correction {correction!r} is not a number of points") from None
    ad.review(scope.ctx.engine, ref.objection.objection_id, accept=decision == "accept",
              reason=reason, user=scope.principal.username, correction=points,
              warehouse=str(scope.ctx.config.db))
    return RedirectResponse(
        f"/appraisal/runs/{ref.run.run_id}/results/{ref.result.subject}#objections", 303)
