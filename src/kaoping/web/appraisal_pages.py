"""The appraisal pages: runs, a league table with its grade distribution, a subject's score
decomposed point by point, objections with their status, and the forms to object and to
review. Access is decided by :mod:`kaoping.web.scope` (run, result, objection
dependencies); state-changing forms carry the session's CSRF token.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaoping.web import appraisal_data as ad
from kaoping.web.errors import BadRequest, Forbidden, WebError
from kaoping.web.i18n import STRINGS, pick_lang
from kaoping.web.pages import check_csrf, render
from kaoping.web.scope import (
    ItemInScope,
    ObjectionInScope,
    ResultInScope,
    RunInScope,
    RunRef,
    Scope,
    ScopeDep,
)

__all__ = [
    "PER_PAGE",
    "PER_PAGE_MAX",
    "GradeFilter",
    "OrganFilter",
    "Pager",
    "SearchQuery",
    "group_names",
    "result_context",
    "router",
    "select_results",
]

router = APIRouter(include_in_schema=False)

# --- a run's results, filtered and paged (the page and GET /api/appraisal/runs/{run}) ---

#: rows of a run page by default, and at most: a national prosecutors' run holds ~30,000
#: results, and rendering them all took seconds and megabytes of HTML
PER_PAGE = 50
PER_PAGE_MAX = 500
#: organs the organ filter offers at most; deeper levels are left out beyond it (any organ
#: in the scope can still be asked for with ?organ=)
ORGAN_OPTIONS_MAX = 300

PageQuery = Annotated[int, Query(ge=1, le=10_000_000, description="page, from 1")]
PerPageQuery = Annotated[int, Query(ge=1, le=PER_PAGE_MAX,
                                    description=f"results per page (at most {PER_PAGE_MAX})")]
SearchQuery = Annotated[str, Query(max_length=100, description="only subjects whose code or "
                                   "name holds this text (case-insensitive)")]
OrganFilter = Annotated[str, Query(max_length=32, pattern=r"^[A-Za-z0-9_-]*$",
                                   description="only subjects of this organ or below it "
                                   "(an organ in your scope)")]
GradeFilter = Annotated[str, Query(max_length=32, pattern=r"^[A-Za-z0-9_-]*$",
                                   description="only results of this grade")]


def select_results(
    run: RunRef, *, q: str = "", organ: str = "", grade: str = "",
    visible: list[Any] | None = None, strict_grade: bool = True,
) -> tuple[list[Any], list[Any]]:
    """The visible results the filters keep, in the run's order (group, rank, subject):
    (before the grade filter -- what the grade distribution counts --, after it).

    A grade the run's scheme does not have is a mistake on the page (400, naming the
    grades); for the API (``strict_grade=False``) it is a filter that keeps nothing, as
    the schema cannot list every scheme's grades.

    The run's parsed results are cached (:func:`appraisal_data.load`), so filtering them in
    Python costs milliseconds even for a national run; a page is then a slice."""
    results = run.visible_results() if visible is None else visible
    if organ:
        run.scope.check_organ(organ)  # 404 unknown, 403 outside the scope, as elsewhere
        below = run.scope.ctx.data.descendants(organ)
        results = [r for r in results if r.organ_code in below]
    needle = q.strip().casefold()
    if needle:
        results = [r for r in results if needle in r.subject.casefold()
                   or needle in r.name_zh.casefold() or needle in r.name_en.casefold()]
    graded = results
    if grade:
        known = ad.grade_labels(run.run)
        if grade not in known and strict_grade:
            raise BadRequest(f"grade {grade!r} is not a grade of this run's scheme "
                             f"({', '.join(known)})")
        graded = [r for r in results if r.grade == grade]
    return results, graded


@dataclass(frozen=True)
class Pager:
    """Which slice of ``total`` results page ``page`` shows (``page`` past the end is the
    last page: a bookmarked link still opens after a filter shrank the list)."""

    total: int
    page: int
    per_page: int

    @classmethod
    def clamped(cls, total: int, page: int, per_page: int) -> Pager:
        pages = max(1, math.ceil(total / per_page))
        return cls(total, min(max(page, 1), pages), per_page)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    def slice(self, rows: list[Any]) -> list[Any]:
        return rows[self.start:self.start + self.per_page]

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page numbers to link: the first, the last and ``around`` either side of the
        current one; None where numbers are left out."""
        keep = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        out: list[int | None] = []
        for n in sorted(k for k in keep if 1 <= k <= self.pages):
            if out and out[-1] is not None and n > out[-1] + 1:
                out.append(None)
            out.append(n)
        return out


def group_names(run: Any, scope: Scope, groups: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Comparison group key -> (zh, en) name. A result stores only the key its scheme's
    ``subjects.compare`` made (:func:`kaoping.appraisal.compute._group`): the parent or own
    organ's code, ``organ/department``, or ``all``; a reader wants the organ's name."""
    compare = run.scheme.subjects.compare
    data = scope.ctx.data
    out: dict[str, tuple[str, str]] = {}
    for g in set(groups):
        organ, _, department = (g.partition("/") if compare == "department"
                                else (g, "", ""))
        if g == "all":
            out[g] = STRINGS["group_all"]
        elif g == "-":
            out[g] = STRINGS["group_none"]
        else:
            try:
                row = data.organ(organ)
            except WebError:
                out[g] = (g, g)
                continue
            zh, en = str(row["name_zh"]), str(row["name_en"] or row["name_zh"])
            out[g] = (f"{zh} · {department}", f"{en} · {department}") if department else (zh, en)
    return out


def organ_options(run: RunRef, results: list[Any], selected: str) -> list[dict[str, Any]]:
    """The organs the organ filter offers: those in the scope that hold a visible result or
    are above one, in tree order, indented by level; the deepest levels are left out while
    there are more than :data:`ORGAN_OPTIONS_MAX` (the selected organ always stays)."""
    scope, data = run.scope, run.scope.ctx.data
    chains: dict[str, list[str]] = {}
    for code in {r.organ_code for r in results}:
        chain = data.ancestors(code)
        for i, c in enumerate(chain):
            if c not in chains and scope.sees_organ(c):
                chains[c] = chain[:i + 1]
    if selected and selected not in chains and scope.sees_organ(selected):
        chains[selected] = data.ancestors(selected)
    depth = max((len(c) for c in chains.values()), default=0)
    top = min((len(c) for c in chains.values()), default=0)
    while depth > top and sum(len(c) <= depth for c in chains.values()) > ORGAN_OPTIONS_MAX:
        depth -= 1
    out = []
    for code, chain in sorted(chains.items(), key=lambda kv: kv[1]):
        if len(chain) > depth and code != selected:
            continue
        row = data.organ(code)
        out.append({"code": code, "name_zh": row["name_zh"],
                    "name_en": row["name_en"] or row["name_zh"], "indent": len(chain) - top})
    return out


def _lineage(engine: Any, run: Any, depth: int = 20) -> list[int]:
    """The run and the runs it replaced, newest first: an objection is lodged against one
    run, and its outcome is read on the run its acceptance made."""
    out = [run.run_id]
    previous = run.supersedes
    while previous is not None and len(out) < depth:
        out.append(previous)
        previous = ad.summary(engine, previous).supersedes
    return out


def result_context(scope: Scope, run: Any, result: Any, lang: str) -> dict[str, Any]:
    """What a decomposition shows: the result, its explanation, objections, items, forms."""
    engine = scope.ctx.engine
    objections = [o for r in _lineage(engine, run)
                  for o in ad.objections(engine, run_id=r, subject=result.subject)]
    visible = scope.peer_filter(run, result)
    return {
        "run": ad.run_dict(run, scope.subject_filter(run.subject_type)),
        "result": ad.result_dict(result, visible),
        "explanation": ad.explanation_text(engine, run.run_id, result.subject, lang, visible,
                                           run=run),
        "objections": [ad.objection_dict(o) for o in objections],
        "items": [ad.item_dict(i) for i in ad.items(engine, subject=result.subject,
                                                     period=run.period)],
        "may_object": scope.may_object(result), "may_review": scope.may_review(run),
        "grade_names": ad.grade_labels(run),
        "item_name": _item_namer(run, lang),
    }


def _item_namer(run: Any, lang: str) -> Any:
    """An item's category id -> its name in the run's scheme (a correction, or an id the
    scheme no longer has, as it is)."""
    names = {a["id"]: a["name_zh" if lang == "zh" else "name_en"]
             for a in adjustment_choices(run)}
    return lambda category: names.get(category, category)


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
                  available=ad.available(), schemes=ad.scheme_choices(),
                  periods=scope.ctx.data.periods() if scope.may_administer else [],
                  default_period=_default_period(scope))


def _default_period(scope: Scope) -> str:
    """The period the start-run form offers first ('' before anything was computed)."""
    try:
        return scope.ctx.data.default_period() if scope.may_administer else ""
    except WebError:
        return ""


@router.get("/appraisal/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request, run: RunInScope, page: PageQuery = 1, per_page: PerPageQuery = PER_PAGE,
    q: SearchQuery = "", organ: OrganFilter = "", grade: GradeFilter = "",
) -> Response:
    """A run's league table, one page at a time (search, organ and grade filters), with the
    grade distribution of what the filters keep as a chart."""
    visible = run.visible_results()
    kept, graded = select_results(run, q=q, organ=organ, grade=grade, visible=visible)
    pager = Pager.clamped(len(graded), page, per_page)
    rows = [ad.result_row(r) for r in pager.slice(graded)]
    names = group_names(run.run, run.scope, (r["group"] for r in rows))
    for r in rows:
        r["group_zh"], r["group_en"] = names[r["group"]]
    base = f"/appraisal/runs/{run.run.run_id}"
    keep = {k: v for k, v in (("q", q.strip()), ("organ", organ), ("grade", grade),
                               ("per_page", per_page if per_page != PER_PAGE else None))
            if v}

    def href(n: int) -> str:
        return base + "?" + urlencode({**keep, "page": n})

    return render(request, "run.html", run.scope,
                  run=ad.run_dict(run.run, run.scope.subject_filter(run.run.subject_type)),
                  results=rows, grades=ad.grade_distribution(run.run, kept),
                  grade_names=ad.grade_labels(run.run), pager=pager,
                  page_links=[(n, None if n is None else href(n)) for n in pager.numbers()],
                  prev_href=href(pager.page - 1) if pager.page > 1 else None,
                  next_href=href(pager.page + 1) if pager.page < pager.pages else None,
                  filters={"q": q.strip(), "organ": organ, "grade": grade,
                           "per_page": per_page},
                  organ_options=organ_options(run, visible, organ),
                  filtered=bool(keep.keys() - {"per_page"}), base=base,
                  may_review=run.scope.may_review(run.run),
                  run_organ=run.scope.ctx.data.organ(run.run.organ)
                  if run.scope.ctx.data.has_organ(run.run.organ) else None,
                  items_since=_items_since(run))


def _items_since(run: RunRef) -> int:
    """Items of the run's period entered after it was made: a re-run would count them."""
    made = run.run.created_at
    return sum(1 for i in ad.items(run.scope.ctx.engine, period=run.run.period)
               if i.subject_type == run.run.subject_type and not i.withdrawn
               and i.created_at is not None and made is not None
               and i.created_at.replace(tzinfo=None) > made.replace(tzinfo=None))


@router.get("/appraisal/runs/{run_id}/results/{subject}", response_class=HTMLResponse)
def result_page(request: Request, ref: ResultInScope) -> Response:
    """How every point of one subject's score was earned, and its objections."""
    ctx = result_context(ref.scope, ref.run, ref.result, pick_lang(request))
    return render(request, "result.html", ref.scope, **ctx,
                  adjustments=adjustment_choices(ref.run))


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


# --- starting, re-running and publishing a run; bonus and deduction items (issue 13) ---


def _jobs(request: Request) -> Any:
    return request.app.state.jobs


def _appraise_job(scope: Scope, scheme: Any, period: str, organ: str) -> Any:
    """The job function making a draft run; its result names the run for the job page."""
    from kaoping.web.jobs import JobError

    engine, warehouse = scope.ctx.engine, str(scope.ctx.config.db)
    user = scope.principal.username

    def run(progress: Any) -> dict[str, Any]:
        progress("scoring", 0, 1)
        try:
            made = ad.start_run(warehouse, scheme, period, engine, organ=organ, user=user)
        except WebError as exc:
            raise JobError(exc.message) from None
        return {"run_id": made.run_id, "reused": made.reused, "subjects": made.subjects}

    return run


@router.post("/appraisal/runs")
def start_run_form(
    request: Request, scope: ScopeDep,
    scheme: Annotated[str, Form(pattern="^(organs|prosecutors)$")],
    period: Annotated[str, Form(max_length=32)],
    organ: Annotated[str, Form(max_length=32, pattern=r"^[A-Za-z0-9_-]*$")] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Start a draft run of a shipped scheme for a period, below an organ of the scope."""
    check_csrf(scope, csrf)
    scope.check_administer()
    code = organ or scope.top or ""
    scope.check_organ(code)
    label = scope.ctx.data.normalise_period(period)
    job_id = _jobs(request).submit("appraise", scope.principal.username,
                                   _appraise_job(scope, scheme, label, code),
                                   label=f"{scheme} {label} {code}")
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/appraisal/runs/{run_id}/rerun")
def rerun_form(
    request: Request, run: RunInScope, csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Score the run's scheme again with the items entered since: a new draft."""
    scope = run.scope
    check_csrf(scope, csrf)
    if not scope.may_review(run.run):
        raise Forbidden("officers of the appraising organ re-run its appraisals")
    job_id = _jobs(request).submit(
        "appraise", scope.principal.username,
        _appraise_job(scope, run.run.scheme, run.run.period, run.run.organ),
        label=f"{run.run.scheme_id} {run.run.period} {run.run.organ}")
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/appraisal/runs/{run_id}/publish")
def publish_form(run: RunInScope, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Publish a draft: it becomes the run every page quotes, the one before superseded."""
    check_csrf(run.scope, csrf)
    if not run.scope.may_review(run.run):
        raise Forbidden("officers of the appraising organ publish its appraisals")
    ad.publish(run.scope.ctx.engine, run.run.run_id, user=run.scope.principal.username)
    return RedirectResponse(f"/appraisal/runs/{run.run.run_id}", status_code=303)


@router.post("/appraisal/runs/{run_id}/results/{subject}/items")
def item_form(
    ref: ResultInScope,
    category: Annotated[str, Form(max_length=64)],
    points: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=4000)],
    evidence: Annotated[str, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Enter a bonus or deduction item for the subject of the run's period (it counts in
    the next run: a stored run never changes)."""
    scope = ref.scope
    check_csrf(scope, csrf)
    if not scope.may_review(ref.run):
        raise Forbidden("officers of the appraising organ enter its bonus and deduction items")
    try:
        value = float(points)
    except ValueError:
        raise BadRequest(f"points {points!r}: expected a number of points") from None
    if not reason.strip() or not evidence.strip():
        raise BadRequest("an item needs a reason and its evidence")
    ad.add_item(scope.ctx.engine, subject_type=ref.result.subject_type,
                subject=ref.result.subject, period=ref.run.period, category=category,
                points=value, reason=reason.strip(), evidence=evidence.strip(),
                user=scope.principal.username, scheme=ref.run.scheme)
    return RedirectResponse(
        f"/appraisal/runs/{ref.run.run_id}/results/{ref.result.subject}#items", 303)


@router.post("/appraisal/runs/{run_id}/results/{subject}/items/{item_id}/withdraw")
def item_withdraw_form(
    ref: ItemInScope,
    reason: Annotated[str, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Withdraw a bonus or deduction item of the subject, with the reason (later runs no
    longer count it; stored runs keep what they counted)."""
    result = ref.result
    scope = result.scope
    check_csrf(scope, csrf)
    if not scope.may_review(result.run):
        raise Forbidden("officers of the appraising organ withdraw its bonus and deduction items")
    if not reason.strip():
        raise BadRequest("withdrawing an item needs a reason")
    ad.withdraw_item(scope.ctx.engine, ref.item.item_id, reason=reason.strip(),
                     user=scope.principal.username)
    return RedirectResponse(
        f"/appraisal/runs/{result.run.run_id}/results/{result.result.subject}#items", 303)


def adjustment_choices(run: Any) -> list[dict[str, Any]]:
    """The bonus and deduction items the run's scheme allows, for the item form."""
    out = []
    for kind in ("bonus", "deduction"):
        for a in getattr(run.scheme.adjustments, kind).items:
            out.append({"id": a.id, "kind": kind, "name_zh": a.name_zh, "name_en": a.name_en,
                        "max_points": a.max_points})
    return out
