"""Explain a figure: the definition in words and the records that make it up.

A figure nobody can reproduce is worthless in an appraisal (DOMAIN.md, "untraceable
numbers"). An :class:`Explanation` holds everything needed to recount one by hand: the
definition (zh/en), the filter and the date column of each measure, the period's date
bounds, the organs included, the records of the numerator and of the denominator
(pseudonymous ids only) and the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.catalogue.models import Aggregation, Indicator, Measure
from kaoping.engine.periods import Period
from kaoping.engine.records import first_and_count, subject_records
from kaoping.engine.values import IndicatorValue, Subject
from kaoping.narrative.numbers import format_value

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir

__all__ = ["Explanation", "MeasureRecords", "dates_as_dates", "explain"]


@dataclass(frozen=True)
class MeasureRecords:
    """The records of one side of a figure (numerator or denominator)."""

    role: str
    measure: Measure
    #: records the measure counts (for count_distinct: distinct values)
    total_records: int
    #: the first ``limit`` records, ordered by date and id
    records: pd.DataFrame
    query: ir.Table = field(repr=False)

    def describe(self, lang: str = "en") -> str:
        """The measure in words: table, what is aggregated, filter, date column."""
        m = self.measure
        what = {
            Aggregation.COUNT: "count of records",
            Aggregation.COUNT_DISTINCT: f"count of distinct {m.expr}",
            Aggregation.SUM: f"sum of {m.expr}",
            Aggregation.AVG: f"average of {m.expr}",
            Aggregation.MEDIAN: f"median of {m.expr}",
        }[m.agg]
        if lang == "zh":
            what = {
                Aggregation.COUNT: "记录数",
                Aggregation.COUNT_DISTINCT: f"{m.expr} 的不同值个数",
                Aggregation.SUM: f"{m.expr} 之和",
                Aggregation.AVG: f"{m.expr} 的平均值",
                Aggregation.MEDIAN: f"{m.expr} 的中位数",
            }[m.agg]
            cond = f"，条件：{m.filter}" if m.filter else ""
            later = "".join(
                f"；自{c.effective_from.isoformat()}起"
                + (f"条件：{c.filter}" if c.filter else "不设条件")
                for c in m.changes
            )
            by_day_zh = "（每条记录按其日期适用当时的口径）" if m.changes else ""
            return f"{m.table} 表{what}{cond}{later}，按 {m.date} 计入统计期{by_day_zh}"
        cond = f" where {m.filter}" if m.filter else ""
        later = "".join(
            f"; from {c.effective_from.isoformat()} "
            + (f"where {c.filter}" if c.filter else "unfiltered")
            for c in m.changes
        )
        by_day = " (each record by the definition in force on its date)" if m.changes else ""
        return f"{what} in {m.table}{cond}{later}, placed in the period by {m.date}{by_day}"


@dataclass(frozen=True)
class Explanation:
    """Everything needed to recount one figure by hand."""

    indicator: Indicator
    subject: Subject
    period: Period
    value: IndicatorValue
    #: (organ_code, name_zh, name_en) of every organ whose records count
    organs: tuple[tuple[str, str, str], ...]
    numerator: MeasureRecords
    denominator: MeasureRecords | None
    #: the stored figure, when it differs from the one the records give (the data changed
    #: after the last computation); None when they agree or nothing is stored
    stored: IndicatorValue | None = None

    @property
    def date_bounds(self) -> tuple[str, str]:
        """First and last day of the period (inclusive), ISO dates."""
        last = pd.Timestamp(self.period.end_date) - pd.Timedelta(days=1)
        return self.period.start_date.isoformat(), last.date().isoformat()

    def arithmetic(self) -> str:
        """How the value follows from the figures, e.g. ``3709 / 21690 = 17.1%``."""
        v = self.value
        shown = format_value(v.value, v.unit, "en")
        num = _plain(v.numerator)
        if v.denominator is None or (v.unit in ("count", "amount")):
            return f"{num} = {shown}"
        return f"{num} / {_plain(v.denominator)} = {shown}"

    def to_csv(self, path: Path | str, backend: Any) -> int:
        """Write every record of both sides to ``path`` (column ``role`` says which)."""
        frames = []
        for side in (self.numerator, self.denominator):
            if side is None:
                continue
            frame = dates_as_dates(backend.execute(side.query))
            frame.insert(0, "role", side.role)
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        out.to_csv(path, index=False)
        return len(out)


def dates_as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as dates (2020-01-15), not midnight timestamps."""
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.date
    return frame


def _plain(x: float | None) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def _side(
    backend: Any, role: str, measure: Measure, subject: Subject, period: Period, limit: int,
    counted: float | None = None,
) -> MeasureRecords:
    """``counted``: the figure's side when it counts the records listed (how many the
    list will hold, for :func:`first_and_count` to choose its queries)."""
    rows = subject_records(backend, measure, subject, [period])
    if measure.agg is Aggregation.COUNT_DISTINCT:
        rows = rows.group_by("value").aggregate(
            records=rows.count(), first_date=rows[measure.date].min()
        )
        order = ["first_date", "value"]
    else:
        order = [measure.date, *[c for c in rows.columns if c != measure.date][:1]]
    head, total = first_and_count(backend, rows, order, limit, expected=counted)
    return MeasureRecords(role, measure, total, dates_as_dates(head), rows.order_by(order))


def _counted(measure: Measure, figure: float | None) -> float | None:
    """How many records a side lists, when its figure counts them (else None)."""
    counts = measure.agg in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT)
    return figure if counts else None


def explain(
    backend: ibis.backends.duckdb.Backend,
    indicator: Indicator,
    subject: Subject,
    period: Period,
    value: IndicatorValue,
    organs: tuple[tuple[str, str, str], ...],
    *,
    limit: int = 50,
    stored: IndicatorValue | None = None,
) -> Explanation:
    """Collect the records behind ``value`` (which the caller counted from the same
    records); ``stored`` is the stored figure when it differs."""
    # an avg numerator without a denominator is a sum over a count of the same records,
    # so its one list of records (with their values) serves both
    den_m = indicator.denominator
    numerator = _side(backend, "numerator", indicator.numerator, subject, period, limit,
                      _counted(indicator.numerator, value.numerator))
    denominator = None
    if den_m is not None:
        denominator = _side(backend, "denominator", den_m, subject, period, limit,
                            _counted(den_m, value.denominator))
    return Explanation(
        indicator, subject, period, value, organs, numerator, denominator, stored
    )
