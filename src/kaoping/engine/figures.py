"""Every indicator's figures, read from the stored tables of figures per cube.

A computation sums each monthly cube (:class:`kaoping.engine.compile.Part`) per subject
and period and stores the sums as they are: one table per cube, one row per subject and
period, a column per measure -- and the same column a year earlier. An indicator's
numerator and denominator are then a choice of two columns (or a sum and a count, for an
average), which :func:`indicator_figures` makes for every indicator as one long
relation: the rows of the ``indicator_values`` view.

Why not store the long rows: a prosecution-review cube has some thirty measures shared by
twenty-odd indicators, so the long form writes each figure a dozen times over -- about
110 million rows for a national computation over two years, against some 8 million rows
of cube sums. Picking columns on read costs a reader nothing: the view is a union with
one branch per indicator, and DuckDB drops every branch but the one a query names.

Organs have a row for every target period (zeros where they had no records); prosecutors
only where they had records, and an indicator's prosecutor rows only where its numerator
or denominator is not zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.engine.blocks import PREV
from kaoping.engine.compile import Part, Plan
from kaoping.engine.stats import avg_as_ratio, is_ratio

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "KEY_COLUMNS",
    "PART_TABLE_PREFIX",
    "indicator_figures",
    "indicator_row_count",
    "indicator_rows",
    "num_den",
    "part_columns",
    "part_table",
]

PART_TABLE_PREFIX = "indicator_figures_"

#: column -> DuckDB type of the keys of a table of figures (then the figures, DOUBLE)
KEY_COLUMNS = {"is_organ": "BOOLEAN", "subject_key": "INTEGER", "pid": "INTEGER"}


def part_table(index: int) -> str:
    """The name of the stored table of the ``index``-th cube of a plan."""
    return f"{PART_TABLE_PREFIX}{index}"


def part_columns(part: Part) -> list[str]:
    """The columns of a part's table, in order: keys, then figures."""
    return [*KEY_COLUMNS, *part.columns]


def _figure(plan: Plan, base: ir.Table, m: Measure, suffix: str) -> Any:
    import ibis

    mc = plan.columns_of(m)
    if m.agg is Aggregation.AVG:
        total, n = (base[c + suffix] for c in mc.columns)
        return ibis.ifelse(n > 0, total / n, ibis.null("float64"))
    return base[mc.key + suffix]


def num_den(plan: Plan, base: ir.Table, ind: Indicator, suffix: str = "") -> tuple[Any, Any]:
    """The numerator and denominator of ``ind`` from a table holding its measure columns.

    An average without a denominator is a ratio of the sum to the count, so that a
    roll-up re-aggregates both; a count without a denominator has none (NULL).
    """
    import ibis

    if avg_as_ratio(ind):
        total, n = plan.columns_of(ind.numerator).columns
        return base[total + suffix], base[n + suffix]
    num = _figure(plan, base, ind.numerator, suffix)
    den_m = ind.denominator
    den = _figure(plan, base, den_m, suffix) if den_m else ibis.null("float64")
    return num, den


def _joined(tables: Sequence[ir.Table]) -> ir.Table:
    """The figures of several cubes side by side, by subject and period.

    An outer join: organs have the same grid in every cube, prosecutors only the periods
    with records, and a missing figure is zero.
    """
    out = tables[0]
    for t in tables[1:]:
        r = t.rename(__o="is_organ", __s="subject_key", __p="pid")
        o = out.outer_join(r, [out["subject_key"] == r["__s"], out["pid"] == r["__p"]])
        figures = [c for c in o.columns if c not in ("is_organ", "subject_key", "pid")]
        figures = [c for c in figures if c not in ("__o", "__s", "__p")]
        out = o.select(
            is_organ=o["is_organ"].fill_null(o["__o"]),
            subject_key=o["subject_key"].fill_null(o["__s"]),
            pid=o["pid"].fill_null(o["__p"]),
            **{c: o[c].fill_null(0.0) for c in figures},
        ).view()  # a relation of its own, so that it can be joined again
    return out


def _measure_columns(plan: Plan, ind: Indicator) -> list[str]:
    out: dict[str, None] = {}
    for m in (ind.numerator, ind.denominator):
        if m is not None:
            out.update(dict.fromkeys(plan.columns_of(m).columns))
    return list(out)


def _branch(
    plan: Plan, ind: Indicator, tables: Sequence[ir.Table], periods: ir.Table | None = None
) -> ir.Table:
    """(subject_key, pid, numerator, denominator) of one indicator, every stored period:
    organs always, prosecutors where the indicator is computed per prosecutor and the
    numerator or the denominator is not zero.

    With ``periods`` (pid, period, period_kind, year, prev_pid: the periods shown), the
    rows of those periods only, with their period, period_kind and year and the figures
    of the same subject a year earlier (previous_numerator, previous_denominator; zero
    where the subject has no row then). The earlier row is found through ``periods``
    (its ``prev_pid``), and both sides are joined on the period's label: a reader's
    filter on the period then reaches both sides, and neither is read whole.
    """
    import ibis

    parts = plan.parts_of(ind)
    base = _joined([tables[i] for i in parts])
    if not plan.by_prosecutor(ind):
        base = base.filter(base["is_organ"])
    extra: list[str] = []
    if periods is not None:
        cols = _measure_columns(plan, ind)
        extra = ["period", "period_kind", "year"]
        cur = base.join(periods.select("pid", *extra), "pid")
        # a separate read of the same tables (view()), not a shared subquery that DuckDB
        # would materialise whole
        earlier = _joined([tables[i].view() for i in parts])
        shown = periods.view().select(__pp="prev_pid", __period="period")
        e = earlier.join(shown, earlier["pid"] == shown["__pp"])
        prev = e.select(
            __s=e["subject_key"], __period=e["__period"], **{c + PREV: e[c] for c in cols}
        )
        j = cur.left_join(
            prev, [cur["subject_key"] == prev["__s"], cur["period"] == prev["__period"]]
        )
        base = j.select(
            "is_organ",
            "subject_key",
            "pid",
            *extra,
            *cols,
            **{c + PREV: j[c + PREV].fill_null(0.0) for c in cols},
        )
    num, den = num_den(plan, base, ind)
    no_den = ind.denominator is None and not is_ratio(ind)
    figures = {
        "numerator": num.cast("float64"),
        "denominator": ibis.null("float64") if no_den else den.cast("float64"),
    }
    if periods is not None:
        pnum, pden = num_den(plan, base, ind, PREV)
        figures["previous_numerator"] = pnum.cast("float64")
        figures["previous_denominator"] = ibis.null("float64") if no_den else pden.cast("float64")
    t = base.select("is_organ", "subject_key", "pid", *extra, **figures)
    nonzero = (t["numerator"] != 0).fill_null(False) | (t["denominator"] != 0).fill_null(False)
    out: ir.Table = t.filter(t["is_organ"] | nonzero).drop("is_organ")
    return out


def indicator_rows(
    plan: Plan, tables: Sequence[ir.Table], pids: Sequence[int] | None = None
) -> ir.Table:
    """(indicator, subject_key, pid, numerator, denominator) of every indicator of
    ``plan``: the rows of :func:`indicator_figures`, of the periods ``pids`` (or all)."""
    import ibis

    branches = []
    for ind in plan.indicators:
        t = _branch(plan, ind, tables)
        if pids is not None:
            t = t.filter(t["pid"].isin(list(pids)))
        branches.append(t.mutate(indicator=ibis.literal(ind.id)))
    out: ir.Table = ibis.union(*branches, distinct=False)
    return out


def indicator_row_count(plan: Plan, tables: Sequence[ir.Table], pids: Sequence[int]) -> int:
    """How many rows :func:`indicator_rows` holds of the periods ``pids``.

    Counted in one read of each table (an aggregate per indicator) rather than one per
    indicator: a national computation's tables hold millions of rows.
    """

    total = 0
    mixed = []
    for i, table in enumerate(tables):
        mine = [ind for ind in plan.indicators if plan.parts_of(ind) == (i,)]
        if not mine:
            continue
        t = table.filter(table["pid"].isin(list(pids)))
        counts = {}
        for ind in mine:
            kept = t["is_organ"]
            if plan.by_prosecutor(ind):
                num, den = num_den(plan, t, ind)
                no_den = ind.denominator is None and not is_ratio(ind)
                kept = kept | (num != 0).fill_null(False)
                if not no_den:
                    kept = kept | (den != 0).fill_null(False)
            counts[ind.id] = kept.cast("int64").sum()
        row = t.aggregate(**counts).execute().iloc[0]
        total += int(sum(0 if v is None or v != v else int(v) for v in row))
    mixed = [ind for ind in plan.indicators if len(plan.parts_of(ind)) > 1]
    if mixed:
        sub = Plan(tuple(mixed), plan.measures, plan.groups)
        q = indicator_rows(sub, tables, pids).count()
        total += int(q.execute())
    return total


def indicator_figures(plan: Plan, tables: Sequence[ir.Table], periods: ir.Table) -> ir.Table:
    """(indicator, subject_key, pid, period, period_kind, year, numerator, denominator,
    previous_numerator, previous_denominator) of every indicator of ``plan`` in
    ``periods`` (see :func:`_branch`); ``tables`` are the stored tables of
    ``plan.parts``, in order."""
    import ibis

    branches = [
        _branch(plan, ind, tables, periods).mutate(indicator=ibis.literal(ind.id))
        for ind in plan.indicators
    ]
    out: ir.Table = ibis.union(*branches, distinct=False)
    return out
