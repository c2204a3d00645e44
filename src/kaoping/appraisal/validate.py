"""The rules a scheme must pass beyond its shape, each a small named check.

Pydantic checks the shape; these rules check what needs the catalogue and the data model:
indicators exist (and are computed per prosecutor when prosecutors are appraised),
dimension weights add up to 100, a within-range item has a range to be within, grades
are ordered and end with a catch-all, case-type filters parse and fit the persons table.
Each rule yields :class:`Issue` objects with the path of the offending field, which the
loader turns into file/line/place messages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kaoping.appraisal.scheme import (
    WEIGHTED_CASES,
    ItemBase,
    LinearItem,
    PercentileItem,
    RangeItem,
    RatioItem,
    Scheme,
)
from kaoping.catalogue.expr import ExprError, parse
from kaoping.catalogue.models import Catalogue, Direction, Indicator
from kaoping.catalogue.typecheck import check, did_you_mean
from kaoping.catalogue.virtual import table_columns
from kaoping.model.schema import DEPARTMENT, DIFFICULTY, TABLES, ColumnType

__all__ = ["CORRECTION", "RULES", "Issue", "item_range", "validate_scheme"]

#: The adjustment category of a correction a reviewer enters when accepting an objection:
#: always available, not capped, so no scheme may define it.
CORRECTION = "correction"

PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    path: PathT
    message: str


Rule = Callable[[Scheme, Catalogue], Iterator[Issue]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def validate_scheme(scheme: Scheme, catalogue: Catalogue) -> list[Issue]:
    """Every issue of ``scheme`` against ``catalogue``, in rule order."""
    return [issue for check_rule in RULES.values() for issue in check_rule(scheme, catalogue)]


def _items(scheme: Scheme) -> Iterator[tuple[PathT, ItemBase]]:
    for d, dim in enumerate(scheme.dimensions):
        for i, item in enumerate(dim.indicators):
            yield ("dimensions", d, "indicators", i), item


def item_range(
    item: ItemBase, ind: Indicator | None, level: int | None
) -> tuple[float | None, float | None]:
    """The (low, high) an item is scored against: its own, else the catalogue's for the level."""
    low = getattr(item, "low", None)
    high = getattr(item, "high", None)
    if ind is not None and ind.reasonable_range is not None:
        rr = ind.reasonable_range
        r = rr.by_level.get(level, rr.default) if level is not None else rr.default
        if r is not None:
            low = r.low if low is None else low
            high = r.high if high is None else high
    return low, high


# --- subjects ----------------------------------------------------------------------------


@rule("subjects")
def _subjects(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    s = scheme.subjects
    at: PathT = ("subjects",)
    if s.kind == "organ":
        if s.level is None:
            yield Issue((*at, "level"), "organ schemes name the `level` appraised (1-4)")
        if s.compare not in ("parent", "level"):
            yield Issue((*at, "compare"), f"organs are compared by `parent` or `level`, "
                                          f"not `{s.compare}`")
        if s.department is not None:
            yield Issue((*at, "department"), "`department` applies to prosecutor schemes only")
    else:
        if s.level is not None:
            yield Issue((*at, "level"), "prosecutor schemes have no `level`; use --organ to "
                                        "choose whose prosecutors are appraised")
        if s.compare not in ("organ", "department", "all"):
            yield Issue((*at, "compare"), f"prosecutors are compared by `organ`, `department` "
                                          f"or `all`, not `{s.compare}`")
        if s.department is not None and s.department not in DEPARTMENT.codes:
            hint = did_you_mean(s.department, list(DEPARTMENT.codes))
            yield Issue((*at, "department"), f"unknown department `{s.department}`{hint} "
                                             f"(departments: {', '.join(DEPARTMENT.codes)})")


@rule("unreliable")
def _unreliable(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    u = scheme.unreliable
    if u.policy == "fixed" and u.fraction is None:
        yield Issue(("unreliable", "fraction"), "policy `fixed` needs `fraction` (0 < f < 1), "
                                                "the share of the points an unreliable value gets")
    if u.policy != "fixed" and u.fraction is not None:
        yield Issue(("unreliable", "fraction"), "`fraction` applies to policy `fixed` only")


# --- dimensions and indicators ------------------------------------------------------------


@rule("weights")
def _weights(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    total = math.fsum(d.weight for d in scheme.dimensions)
    if abs(total - 100) > 1e-9:
        listing = " + ".join(f"{d.weight:g} ({d.id})" for d in scheme.dimensions)
        yield Issue(("dimensions",), f"dimension weights must add up to 100; "
                                     f"they add up to {total:g}: {listing}")


@rule("unique ids")
def _unique(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    for field, ids in (
        ("dimensions", [d.id for d in scheme.dimensions]),
        ("grades", [g.id for g in scheme.grades]),
    ):
        for name, n in Counter(ids).items():
            if n > 1:
                yield Issue((field,), f"id `{name}` is used {n} times; ids must be unique")
    seen: dict[str, PathT] = {}
    for path, item in _items(scheme):
        if item.indicator in seen:
            yield Issue((*path, "indicator"), f"indicator `{item.indicator}` is already scored "
                                              "elsewhere in this scheme; score it once")
        seen.setdefault(item.indicator, path)


@rule("indicators exist")
def _indicators(scheme: Scheme, catalogue: Catalogue) -> Iterator[Issue]:
    known = catalogue.ids()
    prosecutors = scheme.subjects.kind == "prosecutor"
    for path, item in _items(scheme):
        at = (*path, "indicator")
        if item.indicator == WEIGHTED_CASES:
            if not prosecutors:
                yield Issue(at, f"`{WEIGHTED_CASES}` is computed per prosecutor; organ schemes "
                                "cannot use it")
            elif scheme.case_weighting is None:
                yield Issue(at, f"`{WEIGHTED_CASES}` needs a `case_weighting` section")
            continue
        if item.indicator not in catalogue:
            hint = did_you_mean(item.indicator, [*known, WEIGHTED_CASES])
            yield Issue(at, f"no indicator `{item.indicator}` in the catalogue{hint} "
                            "(see `kaoping indicators list`)")
            continue
        ind = catalogue.get(item.indicator)
        if prosecutors and not ind.per_prosecutor:
            yield Issue(at, f"indicator `{ind.id}` is not computed per prosecutor "
                            "(per_prosecutor: false in the catalogue)")


def _direction(item: ItemBase, ind: Indicator | None) -> str:
    if item.direction is not None:
        return item.direction
    return Direction.HIGHER_IS_BETTER.value if ind is None else ind.direction.value


@rule("methods")
def _methods(scheme: Scheme, catalogue: Catalogue) -> Iterator[Issue]:
    level = scheme.subjects.level
    for path, item in _items(scheme):
        ind = catalogue.get(item.indicator) if item.indicator in catalogue else None
        if item.indicator not in catalogue and item.indicator != WEIGHTED_CASES:
            continue  # reported by "indicators exist"
        low, high = item_range(item, ind, level)
        within = _direction(item, ind) == Direction.WITHIN_RANGE.value
        if isinstance(item, RangeItem):
            if low is None and high is None:
                yield Issue(path, f"`{item.indicator}` has no reasonable range in the catalogue"
                                  "; give `low` and/or `high` for method within_range")
            elif low is not None and high is not None and low > high:
                yield Issue((*path, "low"), f"low {low:g} is above high {high:g}")
        elif isinstance(item, LinearItem):
            if item.zero_at == item.full_at:
                yield Issue((*path, "full_at"), "zero_at and full_at must differ")
        elif isinstance(item, RatioItem):
            if isinstance(item.target, float | int) and item.target <= 0:
                yield Issue((*path, "target"), "a numeric target must be above 0")
            if within:
                yield Issue((*path, "direction"), f"`{item.indicator}` is scored within a range"
                                                  "; give `direction` to score it by a target")
        elif isinstance(item, PercentileItem) and within and low is None and high is None:
            yield Issue((*path, "direction"), f"`{item.indicator}` has neither a direction nor "
                                              "a range to order peers by; give `direction`")


# --- adjustments and grades -----------------------------------------------------------------


@rule("adjustments")
def _adjustments(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    seen: set[str] = set()
    for kind in ("bonus", "deduction"):
        for i, adj in enumerate(getattr(scheme.adjustments, kind).items):
            at: PathT = ("adjustments", kind, "items", i, "id")
            if adj.id == CORRECTION:
                yield Issue(at, f"`{CORRECTION}` is reserved for corrections entered when an "
                                "objection is accepted")
            elif adj.id in seen:
                yield Issue(at, f"item id `{adj.id}` is used twice; bonus and deduction ids "
                                "must be unique together")
            seen.add(adj.id)


@rule("grades")
def _grades(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    grades = scheme.grades
    last = len(grades) - 1
    previous: float | None = None
    for i, g in enumerate(grades):
        at: PathT = ("grades", i)
        if i == last:
            if g.min_total is not None:
                yield Issue((*at, "min_total"), "the last grade takes every subject left: "
                                                "leave out its `min_total`")
            if g.quota is not None:
                yield Issue((*at, "quota"), "the last grade takes every subject left: "
                                            "it cannot have a `quota`")
            if g.min_low is not None:
                yield Issue((*at, "min_low"), "the last grade has no threshold for the "
                                              "interval to reach: use `max_high`")
            if g.max_high is not None and last == 0:
                yield Issue((*at, "max_high"), "`max_high` hands a subject to the grade "
                                               "above, and there is none")
            continue
        if g.max_high is not None:
            yield Issue((*at, "max_high"), "only the last grade may have `max_high` (the "
                                           "upper end of the interval it must stay below)")
        if g.min_total is None:
            yield Issue((*at, "min_total"), "every grade but the last needs `min_total`")
            continue
        if previous is not None and g.min_total >= previous:
            yield Issue((*at, "min_total"), f"grades go from best to worst: min_total "
                                            f"{g.min_total:g} must be below {previous:g}")
        previous = g.min_total


# --- case weighting ------------------------------------------------------------------------


def _filter_issues(text: str, at: PathT) -> Iterator[Issue]:
    try:
        expr = parse(text)
    except ExprError as exc:
        yield Issue(at, f"`{text}` does not parse: {exc.message} (at column {exc.pos + 1})")
        return
    for err in check(expr, text, "persons", want="boolean", role="the filter"):
        yield Issue(at, f"`{text}`: {err.message} (at column {err.pos + 1})")


@rule("case weighting")
def _case_weighting(scheme: Scheme, _: Catalogue) -> Iterator[Issue]:
    cw = scheme.case_weighting
    if cw is None:
        return
    at: PathT = ("case_weighting",)
    if scheme.subjects.kind != "prosecutor":
        yield Issue(at, "case weighting applies to prosecutor schemes only")
    if "persons" not in TABLES:
        yield Issue(at, "case weighting weighs the cases of the table `persons`, which this "
                        "data model does not have; leave `case_weighting` out")
        return
    cols = table_columns("persons")
    dates = [c for c, col in cols.items() if col.type is ColumnType.DATE]
    if cw.date not in dates:
        yield Issue((*at, "date"), f"`{cw.date}` is not a date column of persons"
                                   f"{did_you_mean(cw.date, dates)}")
    if cw.filter:
        yield from _filter_issues(cw.filter, (*at, "filter"))
    for key in cw.difficulty:
        if key not in DIFFICULTY.codes:
            hint = did_you_mean(key, list(DIFFICULTY.codes))
            yield Issue((*at, "difficulty", key), f"unknown difficulty `{key}`{hint} "
                                                  f"(difficulties: {', '.join(DIFFICULTY.codes)})")
    ids: set[str] = set()
    for i, t in enumerate(cw.types):
        if t.id in ids:
            yield Issue((*at, "types", i, "id"), f"case type `{t.id}` is defined twice")
        ids.add(t.id)
        yield from _filter_issues(t.when, (*at, "types", i, "when"))
