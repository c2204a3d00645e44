"""The rules an indicator must pass beyond its shape, each a small named check.

Pydantic checks the shape of an indicator (fields, types, enumerations of the model); the
rules here check what only the data model and the meaning of the fields can tell: that
tables and columns exist, filters parse and fit, a rate has a denominator drawn from the
same population, a reasonable range makes sense. Like MetricFlow's validation rules, each
rule looks at one thing and says what would be valid, so adding a rule never touches
another. :func:`validate_indicator` runs them all and returns every issue.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kaoping.catalogue.breakdowns import column_problem
from kaoping.catalogue.errors import Severity
from kaoping.catalogue.expr import (
    Call,
    Column,
    Compare,
    Expr,
    ExprError,
    InList,
    IsNull,
    Literal,
    conjuncts,
    parse,
    walk,
)
from kaoping.catalogue.models import (
    FAMILIES,
    SENTENCE_PLACEHOLDERS,
    Aggregation,
    Direction,
    Indicator,
    Measure,
    Range,
    Unit,
)
from kaoping.catalogue.typecheck import Kind, check, did_you_mean
from kaoping.catalogue.virtual import table_columns
from kaoping.model.organs import PROSECUTOR_COLUMN, has_prosecutors, organ_column, organ_columns
from kaoping.model.schema import TABLES, ColumnType


@dataclass(frozen=True)
class Issue:
    """One problem of one indicator; ``path`` is the field, e.g. ``("numerator", "filter")``."""

    path: tuple[str | int, ...]
    message: str
    severity: Severity = "error"


Rule = Callable[[Indicator], Iterator[Issue]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def validate_indicator(ind: Indicator) -> list[Issue]:
    """Every issue of ``ind``, in rule order."""
    return [issue for check_rule in RULES.values() for issue in check_rule(ind)]


def _measures(ind: Indicator) -> Iterator[tuple[str, Measure]]:
    yield "numerator", ind.numerator
    if ind.denominator is not None:
        yield "denominator", ind.denominator


def _known(m: Measure) -> bool:
    return m.table in TABLES




def tables_without_prosecutor(ind: Indicator) -> list[str]:
    """The tables of ``ind``'s measures whose records name no prosecutor: an indicator
    over any of them cannot be computed per prosecutor, whatever ``per_prosecutor`` says."""
    out = []
    for _, m in _measures(ind):
        if _known(m) and not (
            has_prosecutors() and PROSECUTOR_COLUMN in TABLES[m.table].column_names
        ):
            out.append(m.table)
    return list(dict.fromkeys(out))


def answers_per_prosecutor(ind: Indicator) -> bool:
    """Whether ``ind`` has figures per prosecutor: asked for (``per_prosecutor``) and
    possible (every measure's table names the prosecutor). The same rule decides what a
    computation stores per prosecutor (:meth:`kaoping.engine.compile.Plan.by_prosecutor`)."""
    return ind.per_prosecutor and not tables_without_prosecutor(ind)


def not_per_prosecutor_reason(ind: Indicator) -> str | None:
    """Why ``ind`` is not computed per prosecutor, in a few words (None when it is)."""
    tables = tables_without_prosecutor(ind)
    if tables:
        names = ", ".join(f"`{t}`" for t in tables)
        return f"the records of {names} name no prosecutor"
    if not ind.per_prosecutor:
        return "per_prosecutor: false in the catalogue"
    return None


# --- references to the data model ------------------------------------------------------


@rule("known-table")
def known_table(ind: Indicator) -> Iterator[Issue]:
    for role, m in _measures(ind):
        if not _known(m):
            hint = did_you_mean(m.table, tuple(TABLES))
            yield Issue(
                (role, "table"),
                f"unknown table `{m.table}`{hint} (tables: {', '.join(TABLES)})",
            )


@rule("organ-column")
def organ_column_known(ind: Indicator) -> Iterator[Issue]:
    """Records are placed in the organ tree by their organ column (the one the model
    declares as referencing the organ table's code); a table without one has no organ."""
    o = organ_columns()
    for role, m in _measures(ind):
        if _known(m) and organ_column(m.table) is None:
            yield Issue(
                (role, "table"),
                f"table `{m.table}` has no column that references `{o.table}.{o.code}`, so "
                "its records belong to no organ; count a table whose records name their organ",
            )


@rule("per-prosecutor")
def per_prosecutor(ind: Indicator) -> Iterator[Issue]:
    """``per_prosecutor: true`` (written out) needs records that name their prosecutor;
    left out, it defaults to false on such tables (see :func:`with_defaults`)."""
    tables = tables_without_prosecutor(ind)
    if tables and ind.per_prosecutor and "per_prosecutor" in ind.model_fields_set:
        names = ", ".join(f"`{t}`" for t in tables)
        yield Issue(
            ("per_prosecutor",),
            f"cannot be computed per prosecutor: table {names} has no `{PROSECUTOR_COLUMN}` "
            "column; write `per_prosecutor: false` or leave the field out",
        )


def with_defaults(ind: Indicator) -> Indicator:
    """``ind`` with the defaults that depend on the data model filled in: an indicator
    whose records name no prosecutor is not per prosecutor unless it says so (and then
    the rule ``per-prosecutor`` rejects it)."""
    if "per_prosecutor" not in ind.model_fields_set and tables_without_prosecutor(ind):
        return ind.model_copy(update={"per_prosecutor": False})
    return ind


@rule("date-column")
def date_column(ind: Indicator) -> Iterator[Issue]:
    """The date places a record in a period, so it must be a DATE column of the table."""
    for role, m in _measures(ind):
        if not _known(m):
            continue
        cols = table_columns(m.table)
        col = cols.get(m.date)
        dates = [c.name for c in cols.values() if c.type is ColumnType.DATE]
        if col is None:
            hint = did_you_mean(m.date, list(cols))
            yield Issue(
                (role, "date"),
                f"unknown column `{m.date}` in table `{m.table}`{hint} "
                f"(date columns: {', '.join(dates)})",
            )
        elif col.type is not ColumnType.DATE:
            yield Issue(
                (role, "date"),
                f"`{m.date}` is a {col.type.value} column, not a date; the date that places a "
                f"record of `{m.table}` in a period is one of: {', '.join(dates)}",
            )


def _parsed(text: str, path: tuple[str | int, ...]) -> tuple[Expr | None, list[Issue]]:
    try:
        return parse(text), []
    except ExprError as exc:
        return None, [Issue(path, f"cannot parse: {exc.render()}")]


def _versioned_measures(ind: Indicator) -> Iterator[tuple[tuple[str | int, ...], Measure]]:
    """(path of the filter, measure with that filter) for the indicator's own measures
    and every filter a version gives them, so that the rules on filters check them all."""
    for role, m in _measures(ind):
        yield (role, "filter"), m
    for i, v in enumerate(ind.versions):
        for role, m in _measures(ind):
            revision = getattr(v, role)
            if revision is not None:
                plain = m.model_copy(update={"filter": revision.filter, "changes": ()})
                yield ("versions", i, role, "filter"), plain


@rule("filter")
def filter_fits(ind: Indicator) -> Iterator[Issue]:
    """A filter parses, names columns of its table and is a yes/no condition."""
    for path, m in _versioned_measures(ind):
        if m.filter is None or not _known(m):
            continue
        expr, issues = _parsed(m.filter, path)
        yield from issues
        if expr is not None:
            for err in check(expr, m.filter, m.table, want="boolean", role="a filter"):
                yield Issue(path, err.render())


@rule("measure-expr")
def measure_expr(ind: Indicator) -> Iterator[Issue]:
    """``count`` counts records; ``sum``/``avg`` need a number; ``count_distinct`` a value."""
    for role, m in _measures(ind):
        path = (role, "expr")
        if m.agg is Aggregation.COUNT:
            if m.expr is not None:
                yield Issue(
                    path,
                    "`agg: count` counts records and takes no `expr`; remove it, or use "
                    "`agg: count_distinct` to count distinct values of it",
                )
            continue
        if m.expr is None:
            yield Issue(path, f"`agg: {m.agg.value}` needs an `expr` (a column or arithmetic)")
            continue
        if not _known(m):
            continue
        expr, issues = _parsed(m.expr, path)
        yield from issues
        if expr is None:
            continue
        want: Kind | None = None if m.agg is Aggregation.COUNT_DISTINCT else "number"
        role_text = f"the expression of `agg: {m.agg.value}`"
        for err in check(expr, m.expr, m.table, want=want, role=role_text):
            yield Issue(path, err.render())


# --- meaning ---------------------------------------------------------------------------


@rule("unit-denominator")
def unit_denominator(ind: Indicator) -> Iterator[Issue]:
    """Rates, ratios and days are quotients; counts and amounts are totals."""
    quotients = (Unit.RATE, Unit.RATIO, Unit.DAYS)
    if ind.is_median:
        return  # a median is a value of its own, over its records (rule "median")
    if ind.unit in quotients and ind.denominator is None:
        extra = " (days are a sum of days over a count, so that they roll up)"
        yield Issue(
            ("denominator",),
            f"unit `{ind.unit.value}` needs a denominator"
            + (extra if ind.unit is Unit.DAYS else ""),
        )
    if ind.unit not in quotients and ind.denominator is not None:
        yield Issue(
            ("denominator",),
            f"unit `{ind.unit.value}` is a total and takes no denominator; "
            "use `rate`, `ratio` or `days` for a quotient",
        )


@rule("rate-population")
def rate_population(ind: Indicator) -> Iterator[Issue]:
    """A rate counts members of its denominator's population, so it lies in 0..1."""
    den = ind.denominator
    if ind.unit is not Unit.RATE or den is None or not (_known(den) and _known(ind.numerator)):
        return
    num = ind.numerator
    if num.table != den.table:
        yield Issue(
            ("numerator", "table"),
            f"a rate's numerator must come from the denominator's table `{den.table}`, "
            f"not `{num.table}`; use unit `ratio` for a quotient of two populations",
        )
        return
    if num.date != den.date:
        yield Issue(
            ("numerator", "date"),
            f"the numerator is placed in periods by `{num.date}` but the denominator by "
            f"`{den.date}`, so the numerator may count records outside the denominator",
            "warning",
        )
    # the pair in force before any version, then the pair from each version on
    days = [None, *(v.effective_from for v in ind.versions)]
    for i, day in enumerate(days):
        num_f = num.filter if day is None else num.filter_on(day)
        den_f = den.filter if day is None else den.filter_on(day)
        path: tuple[str | int, ...] = ("numerator", "filter")
        if day is not None:
            path = ("versions", i - 1, "numerator", "filter")
        plain = num.model_copy(update={"filter": num_f, "changes": ()})
        if den_f and _fits(plain) and not _filter_implies(num_f, den_f):
            yield Issue(
                path,
                "cannot confirm that the numerator's filter selects a subset of the "
                f"denominator's (`{den_f}`); repeat the denominator's conditions in it",
                "warning",
            )


def _fits(m: Measure) -> bool:
    """The filter parses and type-checks (else the filter rule has said so already)."""
    if m.filter is None:
        return True
    try:
        return not check(parse(m.filter), m.filter, m.table, want="boolean")
    except ExprError:
        return False


def _filter_implies(num: str | None, den: str) -> bool:
    try:
        den_expr = parse(den)
        num_parts = conjuncts(parse(num)) if num else []
    except ExprError:
        return True  # the filter rule reports it
    return all(any(_implies(a, b) for a in num_parts) for b in conjuncts(den_expr))


def _values(e: Expr) -> tuple[str, frozenset[object]] | None:
    """``col = v`` or ``col in (...)`` as (column, values)."""
    if isinstance(e, Compare) and e.op == "=":
        if isinstance(e.left, Column) and isinstance(e.right, Literal):
            return e.left.name, frozenset([e.right.value])
        if isinstance(e.right, Column) and isinstance(e.left, Literal):
            return e.right.name, frozenset([e.left.value])
    if isinstance(e, InList) and not e.negated and isinstance(e.operand, Column):
        return e.operand.name, frozenset(o.value for o in e.options)
    return None


def _non_null_columns(e: Expr) -> set[str]:
    """Columns that a true ``e`` proves present (SQL: comparisons with null are unknown)."""
    operands: tuple[Expr, ...] = ()
    if isinstance(e, Compare):
        operands = (e.left, e.right)
    elif isinstance(e, InList) or (isinstance(e, IsNull) and e.negated):
        operands = (e.operand,)
    elif isinstance(e, Column):
        operands = (e,)
    out = set()
    for op in operands:
        if isinstance(op, Call) and op.name != "coalesce":
            out |= {a.name for a in op.args if isinstance(a, Column)}
        elif isinstance(op, Column):
            out.add(op.name)
    return out


def _implies(a: Expr, b: Expr) -> bool:
    if a == b:
        return True
    if isinstance(b, IsNull) and b.negated and isinstance(b.operand, Column):
        return b.operand.name in _non_null_columns(a)
    va, vb = _values(a), _values(b)
    return va is not None and vb is not None and va[0] == vb[0] and va[1] <= vb[1]


@rule("versions")
def versions(ind: Indicator) -> Iterator[Issue]:
    """Versions follow one another in date order, and each changes what is counted.

    Out of order or on the same day, it would be unclear which definition holds when;
    a version that changes no filter would make a figure say "definition changed"
    about the same records (a reworded definition is an edit, not a version). A
    version dated before the data's first year is fine: it holds from the start."""
    previous = None
    filters = {role: m.filter for role, m in _measures(ind)}
    for i, v in enumerate(ind.versions):
        path: tuple[str | int, ...] = ("versions", i, "effective_from")
        if previous is not None and v.effective_from <= previous.effective_from:
            same = v.effective_from == previous.effective_from
            yield Issue(
                path,
                f"version {i + 2} takes effect on {v.label}, "
                + ("the same day as" if same else "before")
                + f" version {i + 1} ({previous.label}); list the versions in date order, "
                "one per effective date",
            )
        previous = v
        if v.numerator is None and v.denominator is None:
            yield Issue(
                ("versions", i),
                "a version changes `numerator: {filter: ...}` or `denominator: {filter: ...}` "
                "(or both); a reworded definition alone is not a new version",
            )
        if v.denominator is not None and ind.denominator is None:
            yield Issue(
                ("versions", i, "denominator"),
                f"the indicator has no denominator (unit `{ind.unit.value}`); "
                "a version can only change the filters of the measures it has",
            )
        for role in ("numerator", "denominator"):
            revision = getattr(v, role)
            if revision is None or role not in filters:
                continue
            if revision.filter == filters[role]:
                yield Issue(
                    ("versions", i, role, "filter"),
                    f"the same filter as the version before (`{revision.filter}`): "
                    "this version changes nothing here; leave it out",
                    "warning",
                )
            filters[role] = revision.filter


#: the units a median may have: a middle value of days or of an amount
MEDIAN_UNITS = (Unit.DAYS, Unit.AMOUNT)


@rule("median")
def median(ind: Indicator) -> Iterator[Issue]:
    """A median is the middle value of the numerator's records: the value itself, over
    no denominator (the number of records is kept beside it)."""
    den = ind.denominator
    if den is not None and den.agg is Aggregation.MEDIAN:
        yield Issue(
            ("denominator", "agg"),
            "a median cannot be a denominator; put `agg: median` on the numerator and "
            "leave the denominator out",
        )
    if not ind.is_median:
        return
    if den is not None:
        yield Issue(
            ("denominator",),
            "a median is the value itself (the middle value of the numerator's `expr`) "
            "and takes no denominator; remove it (the number of records is kept and "
            "`min_denominator` applies to it)",
        )
    if ind.unit not in MEDIAN_UNITS:
        units = " or ".join(f"`{u.value}`" for u in MEDIAN_UNITS)
        yield Issue(
            ("unit",),
            f"a median of `{ind.numerator.expr}` has unit {units}, not `{ind.unit.value}`",
        )


@rule("avg-rolls-up")
def avg_rolls_up(ind: Indicator) -> Iterator[Issue]:
    for role, m in _measures(ind):
        if m.agg is Aggregation.AVG:
            yield Issue(
                (role, "agg"),
                "an average cannot be re-aggregated up the hierarchy; use a `sum` numerator "
                "over a `count` denominator instead (or `agg: median` for the middle value)",
                "warning",
            )


@rule("reasonable-range")
def reasonable_range(ind: Indicator) -> Iterator[Issue]:
    rr = ind.reasonable_range
    if rr is None:
        if ind.direction is Direction.WITHIN_RANGE:
            yield Issue(
                ("reasonable_range",),
                "direction `within_range` needs a reasonable_range (default or by_level)",
            )
        return
    if ind.direction is Direction.WITHIN_RANGE and rr.default is None and not rr.by_level:
        yield Issue(("reasonable_range",), "direction `within_range` needs at least one range")
    ranges: list[tuple[tuple[str | int, ...], Range]] = []
    if rr.default is not None:
        ranges.append((("reasonable_range", "default"), rr.default))
    for level, rng in rr.by_level.items():
        path: tuple[str | int, ...] = ("reasonable_range", "by_level", level)
        if level not in (1, 2, 3, 4):
            yield Issue(
                path,
                f"level {level} does not exist; levels are 1 national, 2 provincial, "
                "3 municipal, 4 grassroots",
            )
        ranges.append((path, rng))
    for path, rng in ranges:
        yield from _range_issues(path, rng, ind.unit)


def _range_issues(path: tuple[str | int, ...], rng: Range, unit: Unit) -> Iterator[Issue]:
    if rng.low is None and rng.high is None:
        yield Issue(path, "a range needs `low`, `high` or both")
    if rng.low is not None and rng.high is not None and rng.low > rng.high:
        yield Issue(path, f"low ({rng.low}) is above high ({rng.high})")
    if unit is Unit.RATE:
        for bound in (rng.low, rng.high):
            if bound is not None and not 0 <= bound <= 1:
                yield Issue(
                    path,
                    f"{bound} is outside 0..1; rates are fractions: write 0.2 for 20%",
                )


@rule("min-denominator")
def min_denominator(ind: Indicator) -> Iterator[Issue]:
    if ind.denominator is None and ind.min_denominator > 0 and not ind.is_median:
        yield Issue(
            ("min_denominator",),
            "min_denominator has no effect without a denominator",
            "warning",
        )


@rule("sentence-placeholders")
def sentence_placeholders(ind: Indicator) -> Iterator[Issue]:
    valid = ", ".join(f"{{{p}}}" for p in SENTENCE_PLACEHOLDERS)
    for name, template in (("sentence_zh", ind.sentence_zh), ("sentence_en", ind.sentence_en)):
        if template is None:
            continue
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            yield Issue((name,), f"not a valid template ({exc}); write a literal brace as {{{{")
            continue
        for f in fields:
            if f not in SENTENCE_PLACEHOLDERS:
                hint = did_you_mean(f, tuple(SENTENCE_PLACEHOLDERS))
                yield Issue((name,), f"unknown placeholder {{{f}}}{hint} (placeholders: {valid})")


@rule("family")
def family(ind: Indicator) -> Iterator[Issue]:
    """A new family is allowed; a near miss of a known one is probably a typo."""
    if ind.family in FAMILIES:
        return
    hint = did_you_mean(ind.family, tuple(FAMILIES))
    if hint:
        yield Issue(("family",), f"family `{ind.family}` is not a known family{hint}", "warning")


# --- wording against filters -----------------------------------------------------------

#: how the texts say a bound, by the comparison it means. Chinese follows the Criminal
#: Law (art. 99): 以上、以下、以内 include the number itself, 超过 and 不满 do not.
_GT, _GE, _LT, _LE = ">", ">=", "<", "<="
_NUMBER_EN = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_NUMBER_ZH = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
_UNIT_ZH = r"(?:年|个月|月|日|天|人|件|次|元|万元|%)"
_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_GE, re.compile(rf"\b(?:at least|no (?:less|fewer) than|not less than)\s+{_NUMBER_EN}\b"
                     rf"|\b{_NUMBER_EN}\s+\w+\s+or more\b", re.IGNORECASE)),
    (_GT, re.compile(rf"\b(?:more than|over|above|exceeding|longer than)\s+{_NUMBER_EN}\b",
                     re.IGNORECASE)),
    (_LE, re.compile(rf"\b(?:at most|no more than|not more than|up to)\s+{_NUMBER_EN}\b"
                     rf"|\b{_NUMBER_EN}\s+\w+\s+or (?:less|fewer)\b", re.IGNORECASE)),
    (_LT, re.compile(rf"\b(?:less than|fewer than|under|below|shorter than)\s+{_NUMBER_EN}\b",
                     re.IGNORECASE)),
    (_GE, re.compile(rf"(?:不少于|不低于|至少){_NUMBER_ZH}"
                     rf"|{_NUMBER_ZH}{_UNIT_ZH}[^，。；、]{{0,6}}以上")),
    (_GT, re.compile(rf"(?<!不)(?:超过|多于|高于|大于){_NUMBER_ZH}")),
    (_LE, re.compile(rf"(?:不超过|不多于|不高于|至多){_NUMBER_ZH}|{_NUMBER_ZH}{_UNIT_ZH}以[下内]")),
    (_LT, re.compile(rf"(?:不满|未满|少于|低于|不足){_NUMBER_ZH}")),
)
_SYMBOL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|≥|≤|>|<)\s*(-?\d+(?:\.\d+)?)")
_FLIP = {_GT: _LT, _GE: _LE, _LT: _GT, _LE: _GE}
_TEXTS = ("name_zh", "name_en", "definition_zh", "definition_en", "sentence_zh", "sentence_en")
_SAYS = {_GT: "more than (>)", _GE: "at least (>=)", _LT: "less than (<)", _LE: "at most (<=)"}


def _bounds(ind: Indicator) -> list[tuple[str, str, float]]:
    """(column, op, number) of every ``column <op> number`` of the filters, the column on
    the left (``36 < x`` is ``x > 36``)."""
    out: list[tuple[str, str, float]] = []
    for _, m in _measures(ind):
        if m.filter is None:
            continue
        try:
            expr = parse(m.filter)
        except ExprError:
            continue  # the filter rule reports it
        for node in walk(expr):
            if not isinstance(node, Compare) or node.op not in _FLIP:
                continue
            left, right = node.left, node.right
            op: str = node.op
            if isinstance(left, Literal) and not isinstance(right, Literal):
                left, right, op = right, left, _FLIP[op]
            value = right.value if isinstance(right, Literal) else None
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            name = left.name if isinstance(left, Column) else "?"
            out.append((name, op, float(value)))
    return out


@rule("wording")
def wording(ind: Indicator) -> Iterator[Issue]:
    """The texts say the bound the filter applies: ``超过三年`` / "more than" is ``>``,
    ``三年以上`` / "at least" is ``>=`` (and ``不满`` / ``以下`` for ``<`` / ``<=``).

    A comparison written in a text (``sentence_months > 36``) must be the filter's own
    (an error); words that mean the other side of the bound, where the filter bounds
    that way in one sense only, are a warning (words are read, not understood)."""
    bounds = _bounds(ind)
    if not bounds:
        return
    for name in _TEXTS:
        text = getattr(ind, name)
        if not text:
            continue
        for col, said, number in _SYMBOL.findall(text):
            op = {"≥": _GE, "≤": _LE}.get(said, said)
            used = {o for c, o, n in bounds if c == col and n == float(number)}
            if used and op not in used:
                yield Issue(
                    (name,),
                    f"says `{col} {said} {number}` but the filter uses "
                    f"`{col} {' / '.join(sorted(used))} {number}`; make them say one thing",
                )
        ops = {o for _, o, _ in bounds}
        for side in ((_GT, _GE), (_LT, _LE)):
            used_side = ops & set(side)
            if len(used_side) != 1:
                continue
            (used_op,) = used_side
            other = side[1] if used_op == side[0] else side[0]
            found = [m.group(0) for op, pattern in _WORDS if op == other
                     for m in pattern.finditer(text)]
            agreeing = [m.group(0) for op, pattern in _WORDS if op == used_op
                        for m in pattern.finditer(text)]
            if found and not agreeing:
                yield Issue(
                    (name,),
                    f"\u201c{found[0]}\u201d means {_SAYS[other]}, but the filter uses "
                    f"`{used_op}` ({_SAYS[used_op]}); make the text and the filter say one "
                    "thing (以上/以下 include the number, 超过/不满 do not)",
                    "warning",
                )


@rule("breakdowns")
def breakdowns(ind: Indicator) -> Iterator[Issue]:
    """Each breakdown names, once, a categorical column of every table the indicator
    counts from (kaoping.catalogue.breakdowns), so that both sides split alike."""
    if not all(_known(m) for _, m in _measures(ind)):
        return
    seen: set[str] = set()
    for i, name in enumerate(ind.breakdowns):
        if name in seen:
            yield Issue(("breakdowns", i), f"`{name}` is listed twice; list each column once")
            continue
        seen.add(name)
        problem = column_problem(ind, name)
        if problem is not None:
            yield Issue(("breakdowns", i), problem)
