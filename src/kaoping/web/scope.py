"""Who may see what: the one place the web application decides access.

Every route -- page or API -- depends on :func:`get_scope` or on one of the path
dependencies built on it (:func:`organ_in_scope`, :func:`prosecutor_in_scope`,
:func:`drilldown_organ`, :func:`staff_scope`); a test walks the routing table and fails if
one does not. The rules (docs/web.md):

- an **administrator** sees every organ;
- an **officer** or a **leader** sees his own organ and every organ below it -- never a
  sibling, never a parent or a parent's other children;
- a **prosecutor** sees his own figures and scorecard and his organ's aggregate figures,
  never another prosecutor's, and no records but his own;
- records behind a figure (drill-down) are for officers, leaders and administrators, for
  organs in their scope, and for a prosecutor's own figures.

An organ outside the scope answers 403 (organ codes are public reference data, so hiding
their existence would protect nothing); an unknown organ or prosecutor answers 404.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from kaoping.web.auth import Principal, identify
from kaoping.web.context import AppContext, ContextDep
from kaoping.web.errors import Forbidden, WebError
from kaoping.web.users import Role

__all__ = [
    "AdministerScope",
    "DrilldownOrgan",
    "ObjectionInScope",
    "ObjectionRef",
    "OrganInScope",
    "OrganRef",
    "ProsecutorInScope",
    "ProsecutorRef",
    "ResultInScope",
    "ResultRef",
    "RunInScope",
    "RunRef",
    "Scope",
    "ScopeDep",
    "StaffScope",
    "drilldown_organ",
    "get_scope",
    "organ_in_scope",
    "prosecutor_in_scope",
    "staff_scope",
]

ORGAN_CODE = Path(
    description="Organ code (GB/T 2260 division code for most organs), e.g. 110000",
    min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$",
)
PROSECUTOR_ID = Path(
    description="Pseudonymous prosecutor id", min_length=1, max_length=64,
    pattern=r"^[A-Za-z0-9_.-]+$",
)


@dataclass(frozen=True)
class Scope:
    """A principal with the organs he may see; every access check is a method here."""

    principal: Principal
    ctx: AppContext
    #: the highest organ the user sees (his own; the national organ for an administrator)
    top: str | None
    #: organs whose aggregate figures he may see
    organs: frozenset[str]

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def is_staff(self) -> bool:
        """Officers, leaders and administrators: they see organs, not just themselves."""
        return self.principal.role is not Role.PROSECUTOR

    @property
    def may_administer(self) -> bool:
        """Officers and administrators run appraisals, enter items and review objections."""
        return self.principal.role in (Role.ADMIN, Role.OFFICER)

    def sees_organ(self, code: str) -> bool:
        return code in self.organs

    def visible(self, codes: list[str]) -> list[str]:
        return [c for c in codes if c in self.organs]

    def check_organ(self, code: str) -> dict[str, Any]:
        """The organ's row if the user may see it: 404 unknown, 403 outside the scope."""
        row = self.ctx.data.organ(code)
        if code not in self.organs:
            raise Forbidden(self._outside(code))
        return row

    def check_staff(self) -> None:
        if not self.is_staff:
            raise Forbidden("prosecutors see their own figures and their organ's aggregates "
                            "only")

    def check_administer(self) -> None:
        if not self.may_administer:
            raise Forbidden("only case-management officers and administrators may do this")

    def check_prosecutor(self, prosecutor_id: str) -> dict[str, Any]:
        """The prosecutor's row if the user may see his figures (404 unknown, else 403)."""
        row = self.ctx.data.prosecutor(prosecutor_id)
        if self.principal.role is Role.PROSECUTOR:
            if prosecutor_id != self.principal.prosecutor_id:
                raise Forbidden("a prosecutor sees his own scorecard only")
            return row
        if row["organ_code"] not in self.organs:
            raise Forbidden(
                f"prosecutor {prosecutor_id!r} belongs to organ {row['organ_code']!r}, "
                f"outside your scope ({self._describe()})"
            )
        return row

    # --- appraisal ----------------------------------------------------------------------

    def _in_or_above(self, organ: str) -> bool:
        """In the scope, or above its top: a run over many organs may cover the scope."""
        if organ in self.organs:
            return True
        return self.top is not None and organ in self.ctx.data.ancestors(self.top)

    def check_run(self, run: Any) -> None:
        """A run is visible if it may hold results the user may see (filtered by
        :meth:`sees_result`): it appraises subjects below an organ in or above the scope."""
        if not self._in_or_above(run.organ):
            raise Forbidden(f"run {run.run_id} appraises the subjects below organ "
                            f"{run.organ!r}, outside your scope ({self._describe()})")

    def sees_run(self, run: Any) -> bool:
        return self._in_or_above(run.organ)

    def sees_subject(self, subject_type: str, subject: str) -> bool:
        """Whether the user may see an appraisal subject's items and objections."""
        if subject_type == "prosecutor":
            if self.principal.role is Role.PROSECUTOR:
                return subject == self.principal.prosecutor_id
            try:
                return self.ctx.data.prosecutor(subject)["organ_code"] in self.organs
            except WebError:
                return False
        return subject in self.organs

    def sees_result(self, result: Any) -> bool:
        if result.subject_type == "prosecutor":
            if self.principal.role is Role.PROSECUTOR:
                return bool(result.subject == self.principal.prosecutor_id)
            return result.organ_code in self.organs
        return result.subject in self.organs

    def check_result(self, result: Any) -> None:
        if not self.sees_result(result):
            if self.principal.role is Role.PROSECUTOR:
                raise Forbidden("a prosecutor sees his own scorecard only")
            raise Forbidden(f"the result of {result.subject!r} is outside your scope "
                            f"({self._describe()})")

    def subject_filter(self, subject_type: str) -> Callable[[str], bool]:
        """:meth:`sees_subject` for subjects of one kind, as a function of the id."""
        return lambda subject: self.sees_subject(subject_type, subject)

    def peer_filter(self, run: Any, result: Any) -> Callable[[str], bool] | None:
        """What of ``result``'s peers the user may read: None if he sees every result of
        its comparison group (an officer above it), else a check for one subject -- the
        appraisal's derived text then names only those and counts the rest
        (:func:`kaoping.appraisal.explain.scoped_result`)."""
        group = [r for r in run.results if r.group == result.group]
        if all(self.sees_result(r) for r in group):
            return None
        return self.subject_filter(result.subject_type)

    def may_object(self, result: Any) -> bool:
        """A prosecutor objects to his own result; an organ's officer or leader to the
        organ's result (the organ appraised by the level above)."""
        if result.subject_type == "prosecutor":
            return bool(result.subject == self.principal.prosecutor_id)
        return self.principal.role in (Role.OFFICER, Role.LEADER) and result.subject == self.top

    def may_review(self, run: Any) -> bool:
        """Officers and administrators of the appraising organ (or above) review objections."""
        return self.may_administer and run.organ in self.organs

    def _describe(self) -> str:
        if self.top is None:
            return "no organ"
        if self.principal.role is Role.PROSECUTOR:
            return f"organ {self.top}"
        return f"organ {self.top} and the organs below it"

    def _outside(self, code: str) -> str:
        return f"organ {code!r} is outside your scope ({self._describe()})"


def _build(principal: Principal, ctx: AppContext) -> Scope:
    data = ctx.data
    if principal.role is Role.ADMIN:
        top: str | None = principal.organ_code or data.root()
    elif principal.role is Role.PROSECUTOR:
        top = None
        if principal.prosecutor_id:
            top = str(data.prosecutor(principal.prosecutor_id)["organ_code"])
        return Scope(principal, ctx, top, frozenset({top}) if top else frozenset())
    else:
        top = principal.organ_code
    if top is None or not data.has_organ(top):
        return Scope(principal, ctx, None, frozenset())
    return Scope(principal, ctx, top, data.descendants(top))


#: methods that change nothing: no CSRF token needed
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_api_csrf(request: Request, ctx: AppContext, principal: Principal) -> None:
    """A state-changing API call authenticated by the session cookie must send the page's
    CSRF token as ``X-CSRF-Token``: a browser attaches the cookie to a request another site
    makes, never a header that site cannot read. Bearer tokens are not sent by browsers on
    their own, so they need none."""
    if principal.via != "cookie" or request.method in SAFE_METHODS:
        return
    if not request.url.path.startswith("/api"):
        return  # page forms carry the token as a form field (pages.check_csrf)
    from kaoping.web.auth import csrf_token

    sent = request.headers.get("x-csrf-token", "")
    if not hmac.compare_digest(sent, csrf_token(ctx, principal)):
        raise Forbidden("a state-changing API call with the session cookie needs the "
                        "X-CSRF-Token header (the token of the page), or use a bearer token")


def get_scope(request: Request, ctx: ContextDep) -> Scope:
    """The scope of the logged-in user; 401 (API) or a redirect to /login (pages) if none."""
    principal = identify(request, ctx)
    check_api_csrf(request, ctx, principal)
    scope = _build(principal, ctx)
    request.state.scope = scope
    return scope


ScopeDep = Annotated[Scope, Depends(get_scope)]


@dataclass(frozen=True)
class OrganRef:
    code: str
    row: dict[str, Any]
    scope: Scope


@dataclass(frozen=True)
class ProsecutorRef:
    prosecutor_id: str
    row: dict[str, Any]
    scope: Scope


def organ_in_scope(organ_code: Annotated[str, ORGAN_CODE], scope: ScopeDep) -> OrganRef:
    """The ``{organ_code}`` of the path, checked against the scope."""
    return OrganRef(organ_code, scope.check_organ(organ_code), scope)


def prosecutor_in_scope(
    prosecutor_id: Annotated[str, PROSECUTOR_ID], scope: ScopeDep
) -> ProsecutorRef:
    """The ``{prosecutor_id}`` of the path, checked against the scope."""
    return ProsecutorRef(prosecutor_id, scope.check_prosecutor(prosecutor_id), scope)


OrganInScope = Annotated[OrganRef, Depends(organ_in_scope)]
ProsecutorInScope = Annotated[ProsecutorRef, Depends(prosecutor_in_scope)]


def drilldown_organ(organ: OrganInScope) -> OrganRef:
    """An organ whose person-level records the user may list (staff only)."""
    organ.scope.check_staff()
    return organ


def staff_scope(scope: ScopeDep) -> Scope:
    """Officers, leaders and administrators only."""
    scope.check_staff()
    return scope


def administer_scope(scope: ScopeDep) -> Scope:
    """Officers and administrators only (state-changing appraisal work)."""
    scope.check_administer()
    return scope


DrilldownOrgan = Annotated[OrganRef, Depends(drilldown_organ)]
StaffScope = Annotated[Scope, Depends(staff_scope)]
AdministerScope = Annotated[Scope, Depends(administer_scope)]


# --- appraisal runs, results and objections ----------------------------------------------

RUN_ID = Path(description="Appraisal run id (GET /api/appraisal/runs)", ge=1, le=2**31 - 1)
SUBJECT = Path(description="An organ code or a prosecutor id", min_length=1, max_length=64,
               pattern=r"^[A-Za-z0-9_.-]+$")
OBJECTION_ID = Path(description="Objection id", ge=1, le=2**31 - 1)
ITEM_ID = Path(description="Bonus or deduction item id", ge=1, le=2**31 - 1)


@dataclass(frozen=True)
class RunRef:
    run: Any
    scope: Scope

    def visible_results(self) -> list[Any]:
        return [r for r in self.run.results if self.scope.sees_result(r)]


@dataclass(frozen=True)
class ResultRef:
    run: Any
    result: Any
    scope: Scope


@dataclass(frozen=True)
class ObjectionRef:
    objection: Any
    run: Any
    result: Any
    scope: Scope


def run_in_scope(run_id: Annotated[int, RUN_ID], scope: ScopeDep) -> RunRef:
    """The ``{run_id}`` of the path, if the run covers the scope."""
    from kaoping.web import appraisal_data

    run = appraisal_data.load(scope.ctx.engine, run_id)
    scope.check_run(run)
    return RunRef(run, scope)


RunInScope = Annotated[RunRef, Depends(run_in_scope)]


def result_in_scope(run: RunInScope, subject: Annotated[str, SUBJECT]) -> ResultRef:
    """The ``{subject}``'s result in the run, if the user may see it."""
    try:
        result = run.run.result(subject)
    except KeyError as exc:
        from kaoping.web.errors import NotFound

        raise NotFound(str(exc.args[0])) from None
    run.scope.check_result(result)
    return ResultRef(run.run, result, run.scope)


ResultInScope = Annotated[ResultRef, Depends(result_in_scope)]


def objection_in_scope(
    objection_id: Annotated[int, OBJECTION_ID], scope: ScopeDep
) -> ObjectionRef:
    """The ``{objection_id}`` of the path, if the user may see the result it contests."""
    from kaoping.web import appraisal_data

    obj = appraisal_data.objection(scope.ctx.engine, objection_id)
    run = appraisal_data.load(scope.ctx.engine, obj.run_id)
    scope.check_run(run)
    result = run.result(obj.subject)
    scope.check_result(result)
    return ObjectionRef(obj, run, result, scope)


ObjectionInScope = Annotated[ObjectionRef, Depends(objection_in_scope)]


@dataclass(frozen=True)
class ItemRef:
    item: Any
    result: ResultRef


def item_in_scope(result: ResultInScope, item_id: Annotated[int, ITEM_ID]) -> ItemRef:
    """The ``{item_id}`` of the path, if it is a bonus or deduction item of the result's
    subject in the run's period (and so in the scope the result is in)."""
    from kaoping.web import appraisal_data
    from kaoping.web.errors import NotFound

    for item in appraisal_data.items(result.scope.ctx.engine, subject=result.result.subject,
                                     period=result.run.period):
        if item.item_id == item_id:
            return ItemRef(item, result)
    raise NotFound(f"no item {item_id} of {result.result.subject} in {result.run.period}")


ItemInScope = Annotated[ItemRef, Depends(item_in_scope)]
