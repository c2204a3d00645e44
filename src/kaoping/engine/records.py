"""The records behind one measure, for one subject and period.

This is the direct, record-level reading of a definition -- the filter, the date column
and the period's date bounds applied to the raw table, restricted to the subject's organs
(or to one prosecutor). ``explain`` lists these records so that anyone can recount a
figure by hand, and a figure for a period that was not stored is computed from them.
Only pseudonymous ids leave this module: the table's key, the case id, the organ and the
prosecutor id, the date and the measured value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.engine.compile import measure_value, record_filter, record_organ, source_table
from kaoping.engine.periods import Period
from kaoping.engine.stats import avg_as_ratio
from kaoping.engine.values import Subject
from kaoping.model.organs import organ_column
from kaoping.model.schema import TABLES

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from kaoping.catalogue.virtual import TableSource

__all__ = [
    "figure_pair",
    "first_and_count",
    "id_columns",
    "in_period",
    "measure_figure",
    "measure_figures",
    "of_subject",
    "subject_records",
]


def first_and_count(
    backend: Any, rows: ir.Table, order: list[Any], limit: int, *,
    expected: float | None = None,
) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` of ``rows`` in ``order``, and how many ``rows`` there are.

    In one query when rows are asked for (the count a window beside them): each query
    costs an Ibis compilation and a DuckDB plan, and a records page asks one per side.
    But a window over many rows costs more than a second query: when the caller expects
    more than :data:`_ONE_QUERY_UP_TO` rows (a counted figure says how many), the count
    and the first rows are two queries -- the nation's 700,000 records of a figure 146 ms
    in one, 68 in two; a county's hundred 15 in one, 24 in two."""
    if limit <= 0:  # the count alone (a later page reads its own rows): no empty query
        return pd.DataFrame(columns=list(rows.columns)), int(backend.execute(rows.count()))
    if expected is not None and expected > _ONE_QUERY_UP_TO:
        first = backend.execute(rows.order_by(order).limit(limit))
        return first, int(backend.execute(rows.count()))
    counted = rows.mutate(**{_COUNTED: rows.count()}).order_by(order).limit(limit)
    first = backend.execute(counted)
    total = int(first[_COUNTED].iloc[0]) if len(first) else 0
    return first.drop(columns=[_COUNTED]), total


#: the column :func:`first_and_count` reads the count in
_COUNTED = "kaoping_rows_counted"
#: up to this many rows expected, :func:`first_and_count` counts them in a window
_ONE_QUERY_UP_TO = 10_000


def id_columns(measure: Measure) -> list[str]:
    """The pseudonymous id columns listed for a record of ``measure``'s table."""
    table = TABLES[measure.table]
    cols = list(table.key)
    for extra in ("case_id", organ_column(measure.table), "prosecutor_id"):
        if extra in table.column_names and extra not in cols:
            cols.append(extra)
    return cols


def in_period(t: ir.Table, date: str, period: Period) -> ir.BooleanValue:
    value: ir.BooleanValue = (t[date] >= period.start_date) & (t[date] < period.end_date)
    return value


#: above this many organs, a subject's records are picked by a join, not a list of codes
_LISTED_ORGANS = 64


def _of_subject(t: ir.Table, subject: Subject, table: str) -> ir.Table:
    """The records of ``t`` that are ``subject``'s: the prosecutor's, or those of the
    organ and every organ below it. ``table`` is the model's table ``t`` reads, whose
    organ column places a record."""
    import ibis

    if subject.kind == "prosecutor":
        return t.filter(t["prosecutor_id"] == subject.code)
    organs = list(subject.organs)
    column = record_organ(table)
    if len(organs) <= _LISTED_ORGANS:
        return t.filter(t[column].isin(organs))
    # a province has hundreds of organs, the nation thousands: compiling that many
    # literals into the query took seconds, a join with a small table takes nothing
    below = ibis.memtable(pd.DataFrame({column: organs}))
    return t.semi_join(below, column)


#: public for the breakdowns (kaoping.engine.breakdown), which select records the same way
of_subject = _of_subject


def subject_records(
    backend: TableSource, measure: Measure, subject: Subject, periods: list[Period]
) -> ir.Table:
    """The records ``measure`` counts for ``subject`` in any of ``periods``.

    Columns: the id columns, the date column and, for sum / avg / count_distinct
    measures, ``value`` (what the record contributes).
    """
    t = source_table(backend, measure.table, [measure])
    when: Any = None
    for p in periods:
        cond = in_period(t, measure.date, p)
        when = cond if when is None else (when | cond)
    t = _of_subject(t.filter(record_filter(measure, t), when), subject, measure.table)
    cols: dict[str, Any] = {c: t[c] for c in id_columns(measure)}
    cols[measure.date] = t[measure.date]
    value = measure_value(measure, t)
    if value is not None:
        cols["value"] = value
    out: ir.Table = t.select(**cols)
    return out


def measure_figures(
    backend: TableSource, measure: Measure, subject: Subject, periods: list[Period]
) -> list[tuple[float, float]]:
    """For each period, the measure's (total, n): the figure is total, or total / n for
    avg (:func:`measure_figure`); for a median, total is the median (0 without records).

    One query over the records of all ``periods`` together.
    """
    rows = subject_records(backend, measure, subject, periods)
    aggs: dict[str, Any] = {}
    for i, p in enumerate(periods):
        where = in_period(rows, measure.date, p)
        if measure.agg is Aggregation.COUNT:
            aggs[f"t{i}"] = rows.count(where=where)
            aggs[f"n{i}"] = rows.count(where=where)
        elif measure.agg is Aggregation.COUNT_DISTINCT:
            aggs[f"t{i}"] = rows["value"].nunique(where=where)
            aggs[f"n{i}"] = rows.count(where=where)
        elif measure.agg is Aggregation.MEDIAN:
            aggs[f"t{i}"] = rows["value"].cast("float64").median(where=where)
            aggs[f"n{i}"] = rows.count(where=where)
        else:
            aggs[f"t{i}"] = rows["value"].cast("float64").sum(where=where)
            aggs[f"n{i}"] = rows.count(where=where)
    result = backend_execute(backend, rows.aggregate(**aggs))
    return [(_number(result[f"t{i}"]), _number(result[f"n{i}"])) for i in range(len(periods))]


def measure_figure(measure: Measure, total: float, n: float) -> float | None:
    """What a measure's (total, records) makes: an average for ``avg``, the median for
    ``median`` (none without records), else the total."""
    if measure.agg is Aggregation.AVG:
        return total / n if n else None
    if measure.agg is Aggregation.MEDIAN:
        return total if n else None
    return total


def figure_pair(
    indicator: Indicator, num: tuple[float, float], den: tuple[float, float] | None
) -> tuple[float | None, float | None]:
    """(numerator, denominator) as the stored figures define them, from the (total,
    records) of each side: an average without a denominator is its sum over its count,
    a median is itself over its number of records."""
    if avg_as_ratio(indicator):
        return num
    if indicator.is_median:
        return measure_figure(indicator.numerator, *num), num[1]
    den_m = indicator.denominator
    d = measure_figure(den_m, *den) if den_m is not None and den is not None else None
    return measure_figure(indicator.numerator, *num), d


def _number(x: Any) -> float:
    """0 for a missing aggregate (a sum over no rows), else a float."""
    import pandas as pd

    return 0.0 if x is None or pd.isna(x) else float(x)


def backend_execute(backend: Any, expr: ir.Table) -> dict[str, Any]:
    """Execute a one-row aggregate and return it as a dict."""
    frame = backend.execute(expr)
    row: dict[str, Any] = frame.iloc[0].to_dict()
    return row
