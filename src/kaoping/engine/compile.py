"""Compile indicator definitions to Ibis: one monthly cube per (table, date column).

Every measure of the catalogue places a record in a period by one date column. Measures
that share a table and a date column are computed together in ONE grouped aggregation of
the raw table -- by organ, prosecutor, year and month -- with one aggregate column per
measure. That monthly cube is small (organs x months x measures) and additive, so every
period, the previous year and every level of the hierarchy are sums over it; the raw
records are read once per (table, date column), whatever the number of indicators.

``count_distinct`` measures are not additive (a case concluded in two months is one case),
so they get a cube of their own built from distinct values; see :func:`distinct_parts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from kaoping.catalogue.expr import VIRTUAL_COLUMNS, columns, parse, to_ibis, with_virtual_columns
from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.model.organs import organ_column, organ_columns
from kaoping.model.schema import TABLES

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from kaoping.catalogue.expr import Expr
    from kaoping.catalogue.virtual import TableSource

__all__ = [
    "CELL",
    "MeasureColumns",
    "Part",
    "Plan",
    "SourceGroup",
    "distinct_parts",
    "distinct_rows",
    "make_plan",
    "month_cube",
    "record_filter",
    "record_organ",
    "source_table",
    "value_counts",
]

#: The grain of every cube: one row per organ, prosecutor, year and month.
CELL = ("organ_code", "prosecutor_id", "year", "month")

#: the aggregations that are not summed in a source group's cube but get one each
_OWN_CUBE = (Aggregation.COUNT_DISTINCT, Aggregation.MEDIAN)


@cache
def _parsed(text: str) -> Expr:
    return parse(text)


@dataclass(frozen=True)
class MeasureColumns:
    """A measure and the cube columns that hold its monthly figures."""

    key: str
    measure: Measure

    @property
    def columns(self) -> tuple[str, ...]:
        """``avg`` keeps a sum and a count so that it stays additive, ``median`` the
        middle value and the number of records; others one column."""
        if self.measure.agg is Aggregation.AVG:
            return (f"{self.key}_sum", f"{self.key}_n")
        if self.measure.agg is Aggregation.MEDIAN:
            return (f"{self.key}_med", f"{self.key}_n")
        return (self.key,)


@dataclass(frozen=True)
class SourceGroup:
    """The measures computed together from one table, placed in time by one date column."""

    table: str
    date: str
    measures: tuple[MeasureColumns, ...]

    @property
    def has_prosecutor(self) -> bool:
        return "prosecutor_id" in TABLES[self.table].column_names

    @property
    def additive(self) -> tuple[MeasureColumns, ...]:
        return tuple(m for m in self.measures if m.measure.agg not in _OWN_CUBE)

    @property
    def distinct(self) -> tuple[MeasureColumns, ...]:
        return tuple(m for m in self.measures if m.measure.agg is Aggregation.COUNT_DISTINCT)

    @property
    def medians(self) -> tuple[MeasureColumns, ...]:
        return tuple(m for m in self.measures if m.measure.agg is Aggregation.MEDIAN)


@dataclass(frozen=True)
class Part:
    """One monthly cube of the computation, and one stored table of figures.

    Either the additive measures of a source group (``distinct`` and ``median`` None),
    or one ``count_distinct`` measure of it, or one ``median`` measure: each of those
    needs a cube of its own.
    """

    group: SourceGroup
    distinct: MeasureColumns | None = None
    median: MeasureColumns | None = None

    @property
    def name(self) -> str:
        if self.distinct is not None:
            m = self.distinct.measure
            return f"{self.group.table}: distinct {m.expr} by {self.group.date}"
        if self.median is not None:
            m = self.median.measure
            return f"{self.group.table}: median {m.expr} by {self.group.date}"
        return f"{self.group.table} by {self.group.date}"

    @property
    def columns(self) -> tuple[str, ...]:
        """The figure columns of the cube, sorted."""
        if self.distinct is not None:
            return (self.distinct.key,)
        if self.median is not None:
            return self.median.columns
        return tuple(sorted(c for mc in self.group.additive for c in mc.columns))


@dataclass(frozen=True)
class Plan:
    """Every distinct measure of a set of indicators, grouped by (table, date column)."""

    indicators: tuple[Indicator, ...]
    measures: dict[Measure, MeasureColumns]
    groups: tuple[SourceGroup, ...]

    @property
    def cube_columns(self) -> tuple[str, ...]:
        return tuple(c for mc in self.measures.values() for c in mc.columns)

    @cached_property
    def parts(self) -> tuple[Part, ...]:
        """The cubes, in a fixed order: per group its additive cube, then its distinct ones."""
        out: list[Part] = []
        for g in self.groups:
            if g.additive:
                out.append(Part(g))
            out.extend(Part(g, mc) for mc in g.distinct)
            out.extend(Part(g, median=mc) for mc in g.medians)
        return tuple(out)

    @cached_property
    def digest(self) -> str:
        """A fingerprint of what the stored figures mean: which indicators, and the
        measures, unit and subjects of each. Stored figures computed under another
        digest cannot be mixed with these (a partial computation checks it)."""
        import hashlib
        import json

        h = hashlib.sha256()
        for ind in sorted(self.indicators, key=lambda i: i.id):
            measures = [
                m.model_dump(mode="json") if m else None for m in (ind.numerator, ind.denominator)
            ]
            shape = [ind.id, str(ind.unit), self.by_prosecutor(ind), measures]
            h.update(json.dumps(shape, sort_keys=True).encode())
        return h.hexdigest()[:16]

    def parts_of(self, indicator: Indicator) -> tuple[int, ...]:
        """The indices (in :attr:`parts`) of the cubes that hold ``indicator``'s measures."""
        cols = {
            c
            for m in (indicator.numerator, indicator.denominator)
            if m is not None
            for c in self.measures[m].columns
        }
        return tuple(i for i, part in enumerate(self.parts) if cols & set(part.columns))

    def columns_of(self, measure: Measure) -> MeasureColumns:
        return self.measures[measure]

    def by_prosecutor(self, indicator: Indicator) -> bool:
        """Whether ``indicator`` is computed per prosecutor: asked for, and possible."""
        if not indicator.per_prosecutor:
            return False
        measures = [indicator.numerator, indicator.denominator]
        return all(
            "prosecutor_id" in TABLES[m.table].column_names for m in measures if m is not None
        )


def make_plan(indicators: Iterable[Indicator]) -> Plan:
    """Deduplicate the measures of ``indicators`` and group them by (table, date)."""
    inds = tuple(indicators)
    measures: dict[Measure, MeasureColumns] = {}
    for ind in inds:
        for m in (ind.numerator, ind.denominator):
            if m is not None and m not in measures:
                measures[m] = MeasureColumns(f"m{len(measures)}", m)
    grouped: dict[tuple[str, str], list[MeasureColumns]] = {}
    for mc in measures.values():
        grouped.setdefault((mc.measure.table, mc.measure.date), []).append(mc)
    groups = tuple(SourceGroup(t, d, tuple(ms)) for (t, d), ms in grouped.items())
    return Plan(inds, measures, groups)


def _needed_columns(measures: Iterable[Measure]) -> set[str]:
    out: set[str] = set()
    for m in measures:
        out.add(m.date)
        for text in (m.filter, m.expr, *(c.filter for c in m.changes)):
            if text:
                out |= columns(_parsed(text))
    return out


def needs_virtual_columns(measures: Iterable[Measure], table: str) -> bool:
    """Whether ``measures`` (of ``table``) read a virtual column, which takes a join."""
    return bool(_needed_columns(measures) & set(VIRTUAL_COLUMNS.get(table, {})))


def source_table(backend: TableSource, table: str, measures: Iterable[Measure]) -> ir.Table:
    """The table ``measures`` read, with virtual columns joined on only when they use them."""
    base = backend.table(table)
    if needs_virtual_columns(measures, table):
        return with_virtual_columns(base, table, backend.table)
    return base


def record_filter(measure: Measure, t: ir.Table) -> ir.BooleanValue:
    """Records a measure counts: its filter holds and its date is known (nulls count out)."""
    cond: Any = t[measure.date].notnull()
    if measure.changes:
        cond = cond & _versioned_filter(measure, t)
    elif measure.filter:
        cond = cond & to_ibis(_parsed(measure.filter), t).fill_null(False)
    if measure.expr and measure.agg is not Aggregation.COUNT:
        cond = cond & _value(measure, t).notnull()
    result: ir.BooleanValue = cond
    return result


def _versioned_filter(measure: Measure, t: ir.Table) -> Any:
    """Each record judged by the filter in force on its own date (the measure's
    ``date``): so every monthly cell, and every period summed from the cells, counts
    each record by the version of its day (docs/engine.md, *Definitions that change*)."""
    import ibis

    date = t[measure.date]
    starts = [None, *(c.effective_from for c in measure.changes)]
    texts = [measure.filter, *(c.filter for c in measure.changes)]
    ends = [*starts[1:], None]
    pieces: list[Any] = []
    for start, end, text in zip(starts, ends, texts, strict=True):
        piece: Any = ibis.literal(True)
        if text:
            piece = to_ibis(_parsed(text), t).fill_null(False)
        if start is not None:
            piece = piece & (date >= ibis.literal(start))
        if end is not None:
            piece = piece & (date < ibis.literal(end))
        pieces.append(piece)
    cond: Any = pieces[0]
    for piece in pieces[1:]:
        cond = cond | piece
    return cond


def _value(measure: Measure, t: ir.Table) -> Any:
    if not measure.expr:
        raise ValueError(f"a {measure.agg} measure on {measure.table} needs an `expr`")
    return to_ibis(_parsed(measure.expr), t)


def measure_value(measure: Measure, t: ir.Table) -> ir.Value | None:
    """What a record contributes: the ``expr`` value, or None when the measure counts rows."""
    if measure.agg is Aggregation.COUNT:
        return None
    value: ir.Value = _value(measure, t)
    return value


def _aggregates(mc: MeasureColumns, t: ir.Table) -> dict[str, ir.Value]:
    m = mc.measure
    where = record_filter(m, t)
    if m.agg is Aggregation.COUNT:
        return {mc.key: t.count(where=where).cast("float64")}
    value = _value(m, t).cast("float64")
    if m.agg is Aggregation.SUM:
        return {mc.key: value.sum(where=where).fill_null(0)}
    if m.agg is Aggregation.AVG:
        total, n = mc.columns
        return {total: value.sum(where=where).fill_null(0), n: t.count(where=where).cast("float64")}
    raise ValueError(f"{m.agg} is not additive; use distinct_parts or value_counts")


def record_organ(table: str) -> str:
    """The column by which a record of ``table`` names its organ (the model says which:
    :func:`kaoping.model.organs.organ_column`); ValueError when it names none."""
    column = organ_column(table)
    if column is None:
        o = organ_columns()
        raise ValueError(
            f"table `{table}` has no column that references `{o.table}.{o.code}`, so its "
            "records belong to no organ; declare one in the data model"
        )
    return column


def _cell_keys(t: ir.Table, group: SourceGroup) -> dict[str, Any]:
    import ibis

    date = group.date
    return {
        "organ_code": t[record_organ(group.table)],
        "prosecutor_id": t["prosecutor_id"] if group.has_prosecutor else ibis.null("string"),
        "year": t[date].year().cast("int32"),
        "month": t[date].month().cast("int32"),
    }


def month_cube(backend: TableSource, group: SourceGroup) -> ir.Table | None:
    """One grouped aggregation of the raw table: a row per organ, prosecutor and month.

    Returns None when the group has only ``count_distinct`` measures.
    """
    if not group.additive:
        return None
    t = source_table(backend, group.table, (mc.measure for mc in group.additive))
    t = t.filter(t[group.date].notnull())
    keys = _cell_keys(t, group)
    aggs: dict[str, ir.Value] = {}
    for mc in group.additive:
        aggs.update(_aggregates(mc, t))
    cube: ir.Table = t.group_by(**keys).aggregate(**aggs)
    return cube


def distinct_rows(backend: TableSource, group: SourceGroup, mc: MeasureColumns) -> ir.Table:
    """The distinct (cell, ``value``) pairs of a ``count_distinct`` measure."""
    m = mc.measure
    t = source_table(backend, group.table, [m])
    keys = _cell_keys(t, group)
    rows: ir.Table = t.filter(record_filter(m, t)).select(**keys, value=_value(m, t)).distinct()
    return rows


def value_counts(backend: TableSource, group: SourceGroup, mc: MeasureColumns) -> ir.Table:
    """(cell, ``value``, ``n``): how many records of each monthly cell have each value
    of a ``median`` measure's ``expr``.

    A median is not a sum of medians, but these counts add up: an organ's (or a
    period's) counts are the sums of its cells', and its median is read off them
    exactly (:mod:`kaoping.engine.medians`). The cube is as long as there are distinct
    (cell, value) pairs -- at most the records, far fewer for whole days.
    """
    m = mc.measure
    t = source_table(backend, group.table, [m])
    keys = _cell_keys(t, group)
    kept = t.filter(record_filter(m, t))
    rows = kept.select(**keys, value=_value(m, kept).cast("float64"))
    cube: ir.Table = rows.group_by([*CELL, "value"]).aggregate(n=rows.count().cast("float64"))
    return cube


def distinct_parts(rows: ir.Table, mc: MeasureColumns) -> tuple[ir.Table, ir.Table]:
    """Split a ``count_distinct`` measure into an additive cube and an exact remainder.

    ``rows`` is :func:`distinct_rows` (materialise it: it is read three times). A value
    (say a case id) that appears in exactly one cell (organ, prosecutor, month) is
    counted in a subject's period exactly when that cell is -- so those values are
    additive, and are summed like counts: the first table returned is their cube (the
    cell columns and ``mc.key``). The values found in several cells (a case whose
    suspects concluded in different months) are returned as their distinct (cell,
    ``value``) rows, for an exact distinct count per subject and period
    (:mod:`kaoping.engine.distinct`).
    """
    cells = rows.group_by("value").aggregate(__cells=rows.count())
    single = cells.filter(cells["__cells"] == 1).select("value")
    several = cells.filter(cells["__cells"] > 1).select("value")
    simple = rows.semi_join(single, "value")
    cube: ir.Table = simple.group_by(list(CELL)).aggregate(
        **{mc.key: simple.count().cast("float64")}
    )
    remainder: ir.Table = rows.semi_join(several, "value")
    return cube, remainder
