"""The what-if page (``/appraisal/compare``): two schemes, or one with changed weights,
thresholds or quotas, scored on the same data before one is adopted.

The form names schemes as the API does (a default scheme or ``run:ID``) and takes one
change per line; the computation and the scope checks are :mod:`kaoping.web.compare_api`'s.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from kaoping.web import appraisal_data as ad
from kaoping.web.compare_api import ORGAN_QUERY, SchemeRef, comparison, comparison_dict
from kaoping.web.compare_api import router as api_router
from kaoping.web.i18n import STRINGS, Lang, pick_lang
from kaoping.web.pages import render
from kaoping.web.schemas import PERIOD_PATTERN
from kaoping.web.scope import StaffScope

__all__ = ["router"]

pages = APIRouter(include_in_schema=False)

#: the page's labels, zh and en; added to the shared catalogue here so that this page's
#: strings stay beside it
STRINGS.update({
    "what_if": ("方案比较（试算）", "Compare schemes (what-if)"),
    "what_if_intro": ("在同一数据上试算两个考评方案（或改动权重、分档线、比例后的方案），"
                      "查看排名和等次的变化。不保存任何结果。",
                      "Score two schemes (or one with changed weights, thresholds or quotas) "
                      "on the same data and see how ranks and grades move. Nothing is "
                      "stored."),
    "scheme_a": ("方案 A", "Scheme A"),
    "scheme_b": ("方案 B", "Scheme B"),
    "scheme_b_same": ("同方案 A（按改动）", "Same as A (with the changes)"),
    "changes": ("改动（每行一项）", "Changes (one per line)"),
    "changes_hint": ("每行一项改动，写作“键=值”，例如：", "One change a line, as key=value, e.g."),
    "compare_run": ("试算", "Compare"),
    "subjects_compared": ("比较对象", "Subjects compared"),
    "rank_changes": ("排名变化", "Rank changes"),
    "mean_rank_change": ("平均名次变化", "Mean rank change"),
    "grade_changes": ("等次变化", "Grade changes"),
    "kendall_tau": ("肯德尔 τ（组内）", "Kendall's tau (within groups)"),
    "grade_moves": ("等次变动", "Grade moves"),
    "grade_from": ("原等次", "From"),
    "grade_to": ("新等次", "To"),
    "drivers": ("差异来源（每个对象的平均得分变化）",
                "What drives the differences (points per subject)"),
    "max_points_a": ("A 满分", "Max A"),
    "max_points_b": ("B 满分", "Max B"),
    "mean_abs_change": ("平均绝对变化", "Mean |change|"),
    "mean_change": ("平均变化", "Mean change"),
    "largest_moves": ("名次变化最大的对象", "Largest rank changes"),
    "total_a": ("A 总分", "Total A"),
    "total_b": ("B 总分", "Total B"),
    "rank_a": ("A 名次", "Rank A"),
    "rank_b": ("B 名次", "Rank B"),
    "grade_a": ("A 等次", "Grade A"),
    "grade_b": ("B 等次", "Grade B"),
    "sensitivity": ("权重敏感性（方案 A 各权重 ±20%）",
                    "Sensitivity (each weight of A ±20%)"),
    "dimension": ("维度", "Dimension"),
    "weight": ("权重", "Weight"),
    "rank_change_down": ("平均名次变化 −20%", "Mean rank change −20%"),
    "rank_change_up": ("平均名次变化 +20%", "Mean rank change +20%"),
    "tau_down": ("τ −20%", "tau −20%"),
    "tau_up": ("τ +20%", "tau +20%"),
})

#: rows of the largest-moves table
MOVES_SHOWN = 30


def _choices(scope: Any, lang: Lang) -> list[tuple[str, str]]:
    """(value, label) of the schemes the form offers: the defaults and visible runs, by
    the schemes' names in ``lang`` (the value is the id the API takes)."""
    from kaoping.appraisal import DEFAULT_SCHEMES, load_scheme

    out = []
    for name in DEFAULT_SCHEMES:
        scheme = load_scheme(name)
        out.append((name, scheme.name_zh if lang == "zh" else scheme.name_en))
    if ad.available():
        for r in ad.runs(scope.ctx.engine)[:50]:
            if scope.sees_run(r):
                named = r.scheme_name_zh if lang == "zh" else r.scheme_name_en
                out.append((f"run:{r.run_id}", f"#{r.run_id} {named} · {r.period}"))
    return out


def _name_things(result: dict[str, Any], lang: Lang) -> None:
    """Grades and indicators by their names in ``lang`` (the API gives ids)."""
    from kaoping.appraisal import DEFAULT_SCHEMES, load_scheme

    grades: dict[str, str] = {}
    for name in DEFAULT_SCHEMES:
        for g in load_scheme(name).grades:
            grades.setdefault(g.id, g.name_zh if lang == "zh" else g.name_en)
    for m in result["grade_moves"]:
        m["grade_from"] = grades.get(m["grade_from"], m["grade_from"])
        m["grade_to"] = grades.get(m["grade_to"], m["grade_to"])
    for s in result["subjects"]:
        s["grade_a"] = grades.get(s["grade_a"], s["grade_a"])
        s["grade_b"] = grades.get(s["grade_b"], s["grade_b"])
    names = {d["indicator"]: d["name_zh" if lang == "zh" else "name_en"]
             for d in result["all_drivers"]}
    for s in result["sensitivity"]:
        s["name"] = names.get(s["indicator"], s["indicator"])


@pages.get("/appraisal/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    scope: StaffScope,
    a: SchemeRef = "organs",
    b: Annotated[str, Query(max_length=40, pattern=r"^([a-z][a-z0-9_]*|run:[0-9]{1,12})?$")]
    = "",
    changes: Annotated[str, Query(max_length=2000)] = "",
    period: Annotated[str | None, Query(max_length=32, pattern=PERIOD_PATTERN)] = None,
    organ: Annotated[str | None, ORGAN_QUERY] = None,
) -> Response:
    """The form, and once it names a B or changes, the comparison."""
    if organ:
        scope.check_organ(organ)  # 404 unknown, 403 outside the scope, as on every page
    sets = [line.strip() for line in changes.splitlines() if line.strip()]
    lang = pick_lang(request)
    choices = _choices(scope, lang)
    label = scope.ctx.data.normalise_period(period)
    result = None
    if b or sets:
        cmp = comparison(scope, a, b or None, sets, label, organ)
        result = comparison_dict(scope, cmp, sets)
        result["subjects"] = result["subjects"][:MOVES_SHOWN]
        result["all_drivers"] = result["drivers"]
        result["drivers"] = [d for d in result["drivers"]
                             if d["mean_abs_change"] or d["max_points_a"] != d["max_points_b"]]
        result["sensitivity"] = sorted(
            result["sensitivity"],
            key=lambda s: -max(s["mean_abs_rank_change_down"], s["mean_abs_rank_change_up"]))
        _name_things(result, lang=lang)
        labels = dict(choices)  # the schemes by name, as the form offers them
        result["scheme_a"] = labels.get(a, result["scheme_a"])
        result["scheme_b"] = labels.get(b or a, result["scheme_b"])
    return render(request, "appraisal_compare.html", scope, choices=choices,
                  form={"a": a, "b": b, "changes": changes, "period": label,
                        "organ": organ or scope.top or ""},
                  periods=scope.ctx.data.periods(), result=result)


#: the page and the API route, registered by the app in one line
router = APIRouter()
router.include_router(pages)
router.include_router(api_router)
