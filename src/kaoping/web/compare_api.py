"""``GET /api/appraisal/compare``: what-if of two schemes on the warehouse, within the scope.

Schemes are named, never read from a path a caller gives: a default scheme (``organs``,
``prosecutors``) or the scheme a stored run used (``run:ID``, a run the caller may see).
``set`` changes scheme B (``weight.ITEM=0.3``, ``threshold.GRADE=80``, ...). The
comparison covers the subjects below ``organ`` (default: the caller's own organ), so a
leader sees how a change would move the organs he oversees; subjects outside his scope
are never listed. Scoring a national run twice takes a minute: results are kept per
warehouse version and request (:func:`comparison`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kaoping.web.api_routes import _ERRORS
from kaoping.web.errors import BadRequest, NotFound
from kaoping.web.schemas import PERIOD_PATTERN
from kaoping.web.scope import Scope, StaffScope

__all__ = ["SchemeRef", "comparison", "router"]

router = APIRouter(prefix="/api/appraisal", tags=["appraisal"], responses=_ERRORS)

SchemeRef = Annotated[str, Query(
    max_length=40, pattern=r"^([a-z][a-z0-9_]*|run:[0-9]{1,12})$",
    description="a default scheme (organs, prosecutors) or run:ID (the scheme of that run)",
)]
SetQuery = Annotated[list[str], Query(
    max_length=40, description="changes to scheme B, repeatable: weight.ITEM=0.3, "
    "weight.DIMENSION=25, threshold.GRADE=80, quota.GRADE=0.1, min_low.GRADE=81, "
    "max_high.GRADE=81",
)]
ORGAN_QUERY = Query(max_length=32, pattern=r"^[A-Za-z0-9_-]+$",
                    description="compare the subjects below this organ (default: yours)")

#: (warehouse, version, schemes, changes, period, organ) -> the comparison
_KEPT: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_KEPT_MAX = 8
_LOCK = threading.Lock()


class MoveOut(BaseModel):
    subject: str
    name_zh: str
    name_en: str
    group: str
    total_a: float
    total_b: float
    rank_a: int
    rank_b: int
    rank_change: int
    grade_a: str
    grade_b: str


class GradeMoveOut(BaseModel):
    grade_from: str
    grade_to: str
    subjects: int


# The response models mirror kaoping.appraisal.compare's dataclasses on purpose: the web
# layer imports the appraisal only when it is installed (appraisal_data.available()).
class DriverOut(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    max_points_a: float
    max_points_b: float
    mean_abs_change: float
    mean_change: float


class SensitivityOut(BaseModel):
    dimension: str
    indicator: str
    weight: float
    mean_abs_rank_change_down: float
    mean_abs_rank_change_up: float
    tau_down: float | None
    tau_up: float | None


class CompareOut(BaseModel):
    scheme_a: str
    scheme_b: str
    period: str
    organ: str
    subject_type: str
    changes: list[str]
    subjects_compared: int
    rank_changes: int
    mean_abs_rank_change: float
    grade_changes: int
    tau: float | None
    grade_moves: list[GradeMoveOut]
    drivers: list[DriverOut]
    sensitivity: list[SensitivityOut]
    subjects: list[MoveOut]


def _scheme(scope: Scope, ref: str) -> Any:
    from kaoping.appraisal import DEFAULT_SCHEMES, load_scheme
    from kaoping.web import appraisal_data as ad

    if ref.startswith("run:"):
        run = ad.load(scope.ctx.engine, int(ref[4:]))
        scope.check_run(run)
        return run.scheme
    if ref not in DEFAULT_SCHEMES:  # a well-formed name of nothing: not found, like a run
        raise NotFound(f"no scheme `{ref}`: name a default scheme "
                         f"({', '.join(DEFAULT_SCHEMES)}) or run:ID")
    return load_scheme(ref)


def comparison(
    scope: Scope, a: str, b: str | None, sets: list[str], period: str | None,
    organ: str | None,
) -> Any:
    """The comparison of ``a`` and ``b`` (default: ``a`` with ``sets``) in the scope.

    400 for a scheme that does not load, a bad change or a period without data; 403 for an
    organ or a run outside the scope."""
    from kaoping.appraisal import AppraisalError, SchemeError
    from kaoping.appraisal.compare import apply_overrides, compare_schemes

    label = scope.ctx.data.normalise_period(period)
    root = organ or scope.top
    if root is None:
        raise BadRequest("name the organ to compare below with `organ`")
    scope.check_organ(root)
    if b is None and not sets:
        raise BadRequest("give scheme `b`, or changes to `a` with `set`")
    path = scope.ctx.data.path
    key = (str(path), scope.ctx.data.version(), a, b, tuple(sets), label, root)
    with _LOCK:
        kept = _KEPT.get(key)
    if kept is not None:
        return kept
    try:
        scheme_a = _scheme(scope, a)
        scheme_b = _scheme(scope, b) if b is not None else scheme_a
        if sets:
            scheme_b = apply_overrides(scheme_b, sets)
        out = compare_schemes(path, scheme_a, scheme_b, label, organ=root)
    except SchemeError as exc:
        raise BadRequest("; ".join(str(p) for p in exc.problems)) from None
    except AppraisalError as exc:
        raise BadRequest(str(exc)) from None
    with _LOCK:
        _KEPT[key] = out
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.popitem(last=False)
    return out


def comparison_dict(scope: Scope, cmp: Any, sets: list[str]) -> dict[str, Any]:
    """The comparison as the API returns it: only subjects the caller may see are listed."""
    data = cmp.to_dict()
    seen = [s for s in data["subjects"] if scope.sees_subject(cmp.subject_type, s["subject"])]
    return {
        **data, "changes": list(sets), "subjects": seen,
        "grade_moves": [{"grade_from": m["from"], "grade_to": m["to"],
                         "subjects": m["subjects"]} for m in data["grade_moves"]],
    }


@router.get("/compare", response_model=CompareOut)
def compare(
    scope: StaffScope,
    a: SchemeRef = "organs",
    b: Annotated[str | None, Query(max_length=40,
                                   pattern=r"^([a-z][a-z0-9_]*|run:[0-9]{1,12})$",
                                   description="scheme B (default: A with the changes)")]
    = None,
    set: SetQuery = [],  # noqa: B006  (FastAPI reads the default, never mutates it)
    period: Annotated[str | None, Query(max_length=32, pattern=PERIOD_PATTERN,
                                        description="period (default: the latest year)")]
    = None,
    organ: Annotated[str | None, ORGAN_QUERY] = None,
) -> dict[str, Any]:
    """What-if: score schemes A and B on the same data (nothing stored) and compare them.

    Rank changes, grade moves, Kendall's tau within groups, the indicators that drive the
    differences (points per subject) and the sensitivity of each weight of A (ranks when
    it moves ±20%). Officers, leaders and administrators only."""
    cmp = comparison(scope, a, b, set, period, organ)
    return comparison_dict(scope, cmp, set)
