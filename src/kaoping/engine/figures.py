"""Every indicator's figures, picked from the stored sums of the monthly cubes.

A computation sums each monthly cube (:class:`kaoping.engine.compile.Part`) per subject
and period and stores the sums as they are: per cube one table for the organs and one
for the prosecutors, one row per subject and period, a column per measure. An
indicator's numerator and denominator are then a choice of two columns (or a sum and a
count, for an average), which :func:`indicator_figures` makes for every indicator as
one long relation, with the same figures a year earlier.

Why not store the long rows: a prosecution-review cube has some thirty measures shared by
twenty-odd indicators, so the long form writes each figure a dozen times over -- about
110 million rows for a national computation over two years, nine in ten of them
prosecutors', against some 4 million rows of cube sums. For the prosecutors the long
rows are picked on read, by a union with one branch per indicator (DuckDB drops every
branch but the ones a query names); the organs' long rows -- what most readers read --
are stored (:mod:`kaoping.engine.store`).

Organs have a row for every period on read (the figures of nothing recorded where they
had no records): the grid of 3,269 organs x 49 indicators x 30 periods a year is stored
sparsely -- the rows whose figures, this period's and a year earlier's, are those of
nothing recorded (:func:`empty_figures`) are left out -- and completed on read from the
grid the computation stored (:func:`complete_organ_grid`). Prosecutors have rows only
where they had records, and an indicator's prosecutor rows only where its numerator or
denominator is not zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.engine.compile import Part, Plan
from kaoping.engine.stats import avg_as_ratio

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "KEY_COLUMNS",
    "PART_TABLE_PREFIX",
    "SubjectType",
    "complete_organ_grid",
    "empty_figures",
    "has_rows",
    "indicator_figures",
    "indicator_row_count",
    "indicator_rows",
    "is_empty",
    "num_den",
    "organ_figures",
    "part_columns",
    "part_table",
]

#: the kinds of subject, which have tables of their own
SubjectType = Literal["organ", "prosecutor"]

PART_TABLE_PREFIX = "indicator_figures_"

#: column -> DuckDB type of the keys of a table of figures (then the figures, DOUBLE)
KEY_COLUMNS = {"subject_key": "INTEGER", "pid": "INTEGER"}


def part_table(index: int, subjects: SubjectType) -> str:
    """The name of the stored table of the ``index``-th cube of a plan, for ``subjects``."""
    return f"{PART_TABLE_PREFIX}{subjects}_{index}"


def part_columns(part: Part) -> list[str]:
    """The columns of a part's tables, in order: keys, then figures."""
    return [*KEY_COLUMNS, *part.columns]


def has_rows(plan: Plan, subjects: SubjectType) -> bool:
    """Whether any indicator of ``plan`` has rows for ``subjects``."""
    return bool(_indicators(plan, subjects))


def _indicators(plan: Plan, subjects: SubjectType) -> list[Indicator]:
    if subjects == "prosecutor":
        return [ind for ind in plan.indicators if plan.by_prosecutor(ind)]
    return list(plan.indicators)


def _figure(plan: Plan, base: ir.Table, m: Measure, suffix: str) -> Any:
    import ibis

    mc = plan.columns_of(m)
    if m.agg is Aggregation.AVG:
        total, n = (base[c + suffix] for c in mc.columns)
        return ibis.ifelse(n > 0, total / n, ibis.null("float64"))
    if m.agg is Aggregation.MEDIAN:
        med, n = (base[c + suffix] for c in mc.columns)
        return ibis.ifelse(n > 0, med, ibis.null("float64"))
    return base[mc.key + suffix]


def num_den(plan: Plan, base: ir.Table, ind: Indicator, suffix: str = "") -> tuple[Any, Any]:
    """The numerator and denominator of ``ind`` from a table holding its measure columns.

    An average without a denominator is a ratio of the sum to the count, so that a
    roll-up re-aggregates both; a median is the value, over the number of its records
    (what ``min_denominator`` judges); a count without a denominator has none (NULL).
    """
    import ibis

    if avg_as_ratio(ind):
        total, n = plan.columns_of(ind.numerator).columns
        return base[total + suffix], base[n + suffix]
    if ind.is_median:
        _, n = plan.columns_of(ind.numerator).columns
        return _figure(plan, base, ind.numerator, suffix), base[n + suffix]
    num = _figure(plan, base, ind.numerator, suffix)
    den_m = ind.denominator
    den = _figure(plan, base, den_m, suffix) if den_m else ibis.null("float64")
    return num, den


def _joined(tables: Sequence[ir.Table]) -> ir.Table:
    """The figures of several cubes side by side, by subject and period.

    An outer join: prosecutors have rows only for the periods with records, and a
    missing figure is zero (organs have the same grid in every cube).
    """
    out = tables[0]
    for t in tables[1:]:
        r = t.rename(__s="subject_key", __p="pid")
        o = out.outer_join(r, [out["subject_key"] == r["__s"], out["pid"] == r["__p"]])
        figures = [c for c in o.columns if c not in ("subject_key", "pid", "__s", "__p")]
        out = o.select(
            subject_key=o["subject_key"].fill_null(o["__s"]),
            pid=o["pid"].fill_null(o["__p"]),
            **{c: o[c].fill_null(0.0) for c in figures},
        ).view()  # a relation of its own, so that it can be joined again
    return out


def _nonzero(ind: Indicator, num: Any, den: Any) -> Any:
    """Whether a prosecutor's figures of ``ind`` are kept: numerator or denominator not
    zero (an indicator without a denominator has a NULL one, never compared)."""
    kept = (num.cast("float64") != 0).fill_null(False)
    if ind.denominator is not None or avg_as_ratio(ind) or ind.is_median:
        kept = kept | (den.cast("float64") != 0).fill_null(False)
    return kept


def _branch(
    plan: Plan, ind: Indicator, tables: Sequence[ir.Table], subjects: SubjectType
) -> ir.Table:
    """(subject_key, pid, numerator, denominator) of one indicator, every stored period.

    ``tables`` are the stored tables of ``subjects``, in the order of ``plan.parts``.
    Prosecutors keep only the rows with a numerator or denominator other than zero.
    """
    base = _joined([tables[i] for i in plan.parts_of(ind)])
    num, den = num_den(plan, base, ind)
    t = base.select(
        "subject_key",
        "pid",
        numerator=num.cast("float64"),
        denominator=den.cast("float64"),
    )
    if subjects == "organ":
        return t
    out: ir.Table = t.filter(_nonzero(ind, t["numerator"], t["denominator"]))
    return out


def indicator_rows(
    plan: Plan,
    tables: Sequence[ir.Table],
    subjects: SubjectType,
    pids: Sequence[int] | None = None,
) -> ir.Table:
    """(indicator, subject_key, pid, numerator, denominator) of every indicator of
    ``plan`` that has ``subjects`` (see :func:`has_rows`), of the periods ``pids`` (or
    all); ``tables`` are the stored tables of ``subjects``, in the order of
    ``plan.parts``."""
    import ibis

    branches = []
    for ind in _indicators(plan, subjects):
        t = _branch(plan, ind, tables, subjects)
        if pids is not None:
            t = t.filter(t["pid"].isin(list(pids)))
        branches.append(t.mutate(indicator=ibis.literal(ind.id)))
    out: ir.Table = ibis.union(*branches, distinct=False)
    return out


def indicator_row_count(plan: Plan, tables: Sequence[ir.Table], pids: Sequence[int]) -> int:
    """How many prosecutor rows :func:`indicator_rows` holds of the periods ``pids``;
    ``tables`` are the prosecutors' stored tables.

    Counted in one read of each table (an aggregate per indicator) rather than one per
    indicator: a national computation's tables hold millions of rows.
    """
    from dataclasses import replace

    total = 0
    mine = _indicators(plan, "prosecutor")
    for i, table in enumerate(tables):
        alone = [ind for ind in mine if plan.parts_of(ind) == (i,)]
        if not alone:
            continue
        t = table.filter(table["pid"].isin(list(pids)))
        counts = {}
        for ind in alone:
            num, den = num_den(plan, t, ind)
            counts[ind.id] = _nonzero(ind, num, den).cast("int64").sum()
        row = t.aggregate(**counts).execute().iloc[0]
        total += sum(0 if v is None or v != v else int(v) for v in row)
    mixed = tuple(ind for ind in mine if len(plan.parts_of(ind)) > 1)
    if mixed:
        sub = replace(plan, indicators=mixed)
        total += int(indicator_rows(sub, tables, "prosecutor", pids).count().execute())
    return total


def _with_previous(table: ir.Table, cols: Sequence[str]) -> ir.Table:
    """``table`` with each of ``cols`` a year earlier (suffix ``__prev``; zero where the
    subject has no row then), found at ``pid - 100`` (see
    :func:`kaoping.engine.periodsums.period_id`)."""
    prev = table.view()
    prev = prev.select(
        __s=prev["subject_key"], __p=prev["pid"], **{c + "__prev": prev[c] for c in cols}
    )
    j = table.left_join(
        prev, [table["subject_key"] == prev["__s"], (table["pid"] - 100) == prev["__p"]]
    )
    out: ir.Table = j.select(
        "subject_key",
        "pid",
        *cols,
        **{c + "__prev": j[c + "__prev"].fill_null(0.0) for c in cols},
    ).view()
    return out


def organ_figures(plan: Plan, tables: Sequence[ir.Table], pids: Sequence[int]) -> ir.Table:
    """(indicator, subject_key, pid, numerator, denominator, previous_numerator,
    previous_denominator) of every indicator for every organ and period ``pids``, from
    the organs' stored tables (in the order of ``plan.parts``) -- but for the rows of
    nothing recorded (:func:`is_empty`), which the grid's completion on read gives back.

    What :func:`indicator_figures` picks on read, computed once to be stored: each table
    is paired with itself a year earlier by integer keys, then every indicator picks its
    columns -- cheaper than pairing the long rows of every indicator.
    """
    import ibis

    paired = []
    for part, table in zip(plan.parts, tables, strict=True):
        t = _with_previous(table, part.columns)
        paired.append(t.filter(t["pid"].isin(list(pids))))
    branches = []
    for ind in plan.indicators:
        base = _joined([paired[i] for i in plan.parts_of(ind)])
        num, den = num_den(plan, base, ind)
        pnum, pden = num_den(plan, base, ind, "__prev")
        rows = base.select(
            indicator=ibis.literal(ind.id),
            subject_key=base["subject_key"],
            pid=base["pid"],
            numerator=num.cast("float64"),
            denominator=den.cast("float64"),
            previous_numerator=pnum.cast("float64"),
            previous_denominator=pden.cast("float64"),
        )
        empty = is_empty(
            ind,
            rows["numerator"],
            rows["denominator"],
            rows["previous_numerator"],
            rows["previous_denominator"],
        )
        branches.append(rows.filter(~empty))
    out: ir.Table = ibis.union(*branches, distinct=False)
    return out


def complete_organ_grid(
    indicators: Sequence[Indicator],
    stored: ir.Table,
    pairs: ir.Table,
    organs: ir.Table,
    periods: ir.Table,
) -> ir.Table:
    """The organs' figures (the columns of :func:`organ_figures` and the period's
    ``period``, ``period_kind``, ``year``) of every cell of the grid, from the ``stored``
    rows, which leave the empty ones out (:func:`is_empty`).

    The grid is what the computation stored it was: ``pairs`` (indicator, pid) computed
    and ``organs`` (subject_key, year) computed per year, with any more columns of the
    organ (its level...), which the rows carry; ``periods`` labels the pids.
    A cell without a stored row has the figures of nothing recorded
    (:func:`empty_figures` of ``indicators``, the computation's). A reader's filter on
    the indicator, the period or a column of ``organs`` narrows the grid, and the grid's
    slice narrows the scan of the stored rows (see below), so a point read completes
    its own slice only. A grid stored whole (computed before the organs' figures were
    sparse) is completed by nothing.
    """
    import ibis

    labels = periods.select("pid", "period", "period_kind", "year")
    grid = pairs.join(labels, "pid").join(organs, "year")
    extra = [c for c in organs.columns if c not in ("subject_key", "year")]
    s = stored.select(
        __i=stored["indicator"],
        __s=stored["subject_key"],
        __p=stored["pid"],
        __num=stored["numerator"],
        __den=stored["denominator"],
        __pnum=stored["previous_numerator"],
        __pden=stored["previous_denominator"],
    )
    # the stored rows on the left, the grid on the right: DuckDB builds the hash table
    # of a join's right side, so the grid's slice a reader asks for is built, and the
    # stored table is scanned with the slice's keys as dynamic filters (in period
    # order, most of its row groups are skipped)
    j = s.right_join(
        grid,
        [grid["indicator"] == s["__i"], grid["subject_key"] == s["__s"], grid["pid"] == s["__p"]],
    )
    num_fill, den_fill = _empty_fills(indicators, j["indicator"])
    missing = j["__i"].isnull()
    out: ir.Table = j.select(
        "indicator",
        "subject_key",
        "pid",
        numerator=ibis.ifelse(missing, num_fill, j["__num"]),
        denominator=ibis.ifelse(missing, den_fill, j["__den"]),
        previous_numerator=ibis.ifelse(missing, num_fill, j["__pnum"]),
        previous_denominator=ibis.ifelse(missing, den_fill, j["__pden"]),
        period=j["period"],
        period_kind=j["period_kind"],
        year=j["year"],
        **{c: j[c] for c in extra},
    )
    return out


def _zero_is_null(measure: Measure | None) -> bool:
    """Whether a figure of ``measure`` is NULL, not 0, where there are no records: an
    average or a median of nothing, or no measure at all (an average without a
    denominator is stored as sum and count, and is not asked)."""
    return measure is None or measure.agg in (Aggregation.AVG, Aggregation.MEDIAN)


def empty_figures(ind: Indicator) -> tuple[float | None, float | None]:
    """(numerator, denominator) of ``ind`` where nothing is recorded -- what
    :func:`num_den` gives of cube sums that are all zero: 0, or None (NULL) for an
    average or a median of nothing and for a count without a denominator. An average
    without a denominator is a sum over a count, (0, 0); a median's denominator is its
    number of records, 0.

    The one statement of the rule: the previous year of a subject without a row then
    (:func:`indicator_figures`), the organs' rows left out of the store
    (:func:`organ_figures`) and the rows the organs' grid is completed with on read
    (:func:`complete_organ_grid`) all take it from here.
    """
    if avg_as_ratio(ind):
        return 0.0, 0.0
    num = None if _zero_is_null(ind.numerator) else 0.0
    den = 0.0 if ind.is_median or not _zero_is_null(ind.denominator) else None
    return num, den


def _empty_fills(indicators: Sequence[Indicator], indicator: Any) -> tuple[Any, Any]:
    """The empty numerator and denominator (:func:`empty_figures`) of the row whose
    indicator id is ``indicator`` (a column), of one of ``indicators``."""
    import ibis

    none = ibis.null("float64")
    zero = ibis.literal(0.0, type="float64")
    null_num = [i.id for i in indicators if empty_figures(i)[0] is None]
    null_den = [i.id for i in indicators if empty_figures(i)[1] is None]
    num_fill = ibis.ifelse(indicator.isin(null_num), none, zero) if null_num else zero
    den_fill = ibis.ifelse(indicator.isin(null_den), none, zero) if null_den else zero
    return num_fill, den_fill


def _is_empty_value(column: Any, empty: float | None) -> Any:
    """Whether ``column`` holds ``empty`` (None: NULL), never NULL itself."""
    if empty is None:
        return column.isnull()
    return (column == empty).fill_null(False)


def is_empty(ind: Indicator, num: Any, den: Any, pnum: Any, pden: Any) -> Any:
    """Whether an organ's row of ``ind`` says nothing the grid's completion on read
    would not: this period's and the previous year's figures all what nothing
    recorded gives (:func:`empty_figures`)."""
    enum, eden = empty_figures(ind)
    return (
        _is_empty_value(num, enum)
        & _is_empty_value(den, eden)
        & _is_empty_value(pnum, enum)
        & _is_empty_value(pden, eden)
    )


def indicator_figures(
    plan: Plan,
    tables: Sequence[ir.Table],
    subjects: SubjectType,
    periods: ir.Table,
    *,
    previous: bool = True,
    rows: ir.Table | None = None,
) -> ir.Table:
    """(indicator, subject_key, pid, period, period_kind, year, numerator, denominator,
    previous_numerator, previous_denominator) of every indicator of ``plan`` that has
    ``subjects``, in ``periods`` (pid, period, period_kind, year, prev_pid: the periods
    shown); ``tables`` are the stored tables of ``subjects``, in the order of
    ``plan.parts``.

    The previous year's figures are those of the same indicator and subject in the
    period ``prev_pid``, as if nothing was recorded where there is no such row. The
    earlier row is found through ``periods``, and both sides are joined on the period's
    label and the indicator: a reader's filter on the period or the indicator then
    reaches both sides, and neither is read whole.

    Without ``previous`` the previous year's figures are NULL and not read: what a rank
    needs (a rank compares this period's values only), at a fraction of the cost.
    ``rows`` is :func:`indicator_rows` of ``tables`` when it is stored as one table (the
    prosecutors' are): a reader then reads one table, not one per indicator.
    """
    import ibis

    stored = rows
    if rows is None:
        rows = indicator_rows(plan, tables, subjects)
    cur = rows.join(periods.select("pid", "period", "period_kind", "year"), "pid")
    if not previous:
        none = ibis.null("float64")
        alone: ir.Table = cur.select(
            "indicator", "subject_key", "pid", "period", "period_kind", "year",
            "numerator", "denominator", previous_numerator=none, previous_denominator=none,
        )
        return alone
    # a separate read of the same tables (view()), not a shared subquery that DuckDB
    # would materialise whole
    if stored is None:
        earlier = indicator_rows(plan, [t.view() for t in tables], subjects)
    else:
        earlier = stored.view()
    shown = periods.view().select(__pp="prev_pid", __period="period")
    e = earlier.join(shown, earlier["pid"] == shown["__pp"])
    prev = e.select(
        __i=e["indicator"],
        __s=e["subject_key"],
        __period=e["__period"],
        __num=e["numerator"],
        __den=e["denominator"],
    )
    j = cur.left_join(
        prev,
        [
            cur["indicator"] == prev["__i"],
            cur["subject_key"] == prev["__s"],
            cur["period"] == prev["__period"],
        ],
    )
    num_fill, den_fill = _empty_fills(_indicators(plan, subjects), j["indicator"])
    out: ir.Table = j.select(
        "indicator",
        "subject_key",
        "pid",
        "period",
        "period_kind",
        "year",
        "numerator",
        "denominator",
        previous_numerator=ibis.ifelse(j["__i"].isnull(), num_fill, j["__num"]),
        previous_denominator=ibis.ifelse(j["__i"].isnull(), den_fill, j["__den"]),
    )
    return out
