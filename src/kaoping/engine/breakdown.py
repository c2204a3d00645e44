"""An indicator broken down by a categorical column, for one organ and period.

Breakdowns are computed on demand from the records, not stored: an indicator offers a
handful of columns of up to a dozen categories each, for every organ and period, which
stored would multiply the figures of a computation many times over while a reader asks
for one organ and period at a time. One grouped query per table reads the same records
the figure counts -- the measure's filter, date column and period bounds, the organ and
every organ below it (:mod:`kaoping.engine.records`) -- so a category's numerator and
denominator are sums over the organs below like every other figure, and roll up.

Every breakdown is checked: the categories' numerators and denominators must add up to
the indicator's own, counted by a separate query that neither groups nor joins the column
on. Counts, sums and averages always add up (the unknown / other category catches empty
and unlisted values); a ``count_distinct`` measure may not -- a case whose suspects fall
in two categories counts once in the total and once in each -- and the check reports that
rather than hide it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.catalogue.breakdowns import BreakdownColumn, Category, breakdown_column
from kaoping.catalogue.models import Aggregation, Indicator, Measure, Unit
from kaoping.catalogue.virtual import with_virtual_columns
from kaoping.engine.compile import (
    measure_value,
    needs_virtual_columns,
    record_filter,
    source_table,
)
from kaoping.engine.periods import Period
from kaoping.engine.records import figure_pair, in_period, of_subject
from kaoping.engine.stats import is_ratio
from kaoping.engine.values import Subject

if TYPE_CHECKING:

    from kaoping.catalogue.virtual import TableSource

__all__ = ["TOTAL", "Breakdown", "BreakdownRow", "SideCheck", "compute_breakdown",
           "compute_breakdowns"]

#: the label of the row that holds the indicator's own figure
TOTAL = Category("__total__", "合计", "Total")

#: a measure's (total, records) per category code (None: unknown / other)
Split = dict[str | None, tuple[float, float]]


@dataclass(frozen=True)
class BreakdownRow:
    """One category's figure; ``share`` is its part of the total numerator (counts and
    amounts only: a share of a rate's numerator says little)."""

    category: Category
    numerator: float | None
    denominator: float | None
    value: float | None
    share: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.category.code,
            "label_zh": self.category.label_zh,
            "label_en": self.category.label_en,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "share": self.share,
        }


@dataclass(frozen=True)
class SideCheck:
    """Whether one measure's categories add up to its total: the aggregate (count, sum
    or distinct count) and the number of records it counts."""

    role: str
    total: float
    summed: float
    records_total: float
    records_summed: float
    distinct: bool

    @property
    def ok(self) -> bool:
        return _close(self.total, self.summed) and _close(self.records_total, self.records_summed)

    def message(self, lang: str) -> str:
        """What went wrong, in ``lang`` (empty when the side adds up)."""
        if self.ok:
            return ""
        role_zh = "分子" if self.role == "numerator" else "分母"
        why_zh = "（去重计数：同一值可分属多个类别）" if self.distinct else ""
        why_en = " (a distinct count: one value may fall in several categories)"
        if lang == "en":
            return (
                f"the categories' {self.role}s add up to {_plain(self.summed)}, the total is "
                f"{_plain(self.total)}{why_en if self.distinct else ''}"
            )
        return f"各类别{role_zh}之和为{_plain(self.summed)}，合计为{_plain(self.total)}{why_zh}"


@dataclass(frozen=True)
class Breakdown:
    """An indicator for one organ and period, split by the categories of ``column``."""

    indicator: Indicator
    subject: Subject
    period: Period
    column: BreakdownColumn
    rows: tuple[BreakdownRow, ...]
    total: BreakdownRow
    checks: tuple[SideCheck, ...]

    @property
    def ok(self) -> bool:
        """Whether the categories add up to the total on every side."""
        return all(c.ok for c in self.checks)

    def problems(self, lang: str) -> list[str]:
        return [c.message(lang) for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``kaoping show --by`` and the HTTP API."""
        ind = self.indicator
        return {
            "indicator": ind.id,
            "name_zh": ind.name_zh,
            "name_en": ind.name_en,
            "unit": ind.unit.value,
            "organ_code": self.subject.code,
            "organ_name_zh": self.subject.name_zh,
            "organ_name_en": self.subject.name_en,
            "period": self.period.label,
            "by": self.column.name,
            "by_label_zh": self.column.label_zh,
            "by_label_en": self.column.label_en,
            "offered": list(ind.breakdowns),
            "categories": [r.to_dict() for r in self.rows],
            "total": self.total.to_dict(),
            "check": {
                "ok": self.ok,
                "sides": [
                    {"role": c.role, "total": c.total, "summed": c.summed,
                     "records_total": c.records_total, "records_summed": c.records_summed}
                    for c in self.checks
                ],
                "problems_zh": self.problems("zh"),
                "problems_en": self.problems("en"),
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per category, then the total."""
        rows = [r.to_dict() for r in (*self.rows, self.total)]
        return pd.DataFrame(rows, columns=list(self.total.to_dict()))


def _close(a: float, b: float) -> bool:
    """Equal up to the rounding of sums of fractional amounts."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _plain(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _scan(
    backend: TableSource, measures: list[Measure], subject: Subject, period: Period,
    column: BreakdownColumn | None,
) -> list[Split]:
    """Each of ``measures`` (one table, one date column) as (total, records) per category
    of ``column`` -- or, with ``column`` None, over all its records (key None) -- in ONE
    query: a scan of the subject's records in the period, one filtered aggregate per
    measure (the page waits for it, so a rate's two sides are read together)."""
    import ibis

    table, date = measures[0].table, measures[0].date
    t = source_table(backend, table, measures)
    if column is not None and column.name not in t.columns:
        # a virtual column the measures do not use; the totals are read without this
        # join, so the check would catch a join that lost or repeated records
        t = with_virtual_columns(backend.table(table), table, backend.table)
    t = of_subject(t.filter(in_period(t, date, period)), subject, table)
    aggs: dict[str, Any] = {}
    for i, m in enumerate(measures):
        where = record_filter(m, t)
        value = measure_value(m, t)
        if m.agg is Aggregation.COUNT:
            aggs[f"t{i}"] = t.count(where=where)
        elif m.agg is Aggregation.COUNT_DISTINCT:
            aggs[f"t{i}"] = value.nunique(where=where)  # type: ignore[union-attr]
        elif m.agg is Aggregation.MEDIAN:
            aggs[f"t{i}"] = value.cast("float64").median(where=where)  # type: ignore[union-attr]
        else:
            aggs[f"t{i}"] = value.cast("float64").sum(where=where)  # type: ignore[union-attr]
        aggs[f"n{i}"] = t.count(where=where)
    if column is None:
        query = t.aggregate(**aggs).mutate(__category=ibis.null("string"))
    else:
        raw = t[column.name].cast("string")
        # empty and unlisted values both go to the unknown / other category (code None)
        category = ibis.ifelse(raw.isin(list(column.codes)), raw, ibis.null("string"))
        query = t.group_by(__category=category).aggregate(**aggs)
    frame: pd.DataFrame = backend.execute(query)  # type: ignore[attr-defined]
    out: list[Split] = [{} for _ in measures]
    for row in frame.to_dict("records"):
        code = row["__category"]
        key = None if code is None or pd.isna(code) else str(code)
        for i in range(len(measures)):
            total, n = row[f"t{i}"], row[f"n{i}"]
            out[i][key] = (0.0 if pd.isna(total) else float(total), float(n))
    return out


def _figures(
    backend: TableSource, measures: list[Measure], subject: Subject, period: Period,
    column: BreakdownColumn | None,
) -> list[Split]:
    """:func:`_scan` for measures on any tables: one query per (table, date column)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, m in enumerate(measures):
        groups.setdefault((m.table, m.date), []).append(i)
    out: list[Split] = [{} for _ in measures]
    for indices in groups.values():
        splits = _scan(backend, [measures[i] for i in indices], subject, period, column)
        for i, split in zip(indices, splits, strict=True):
            out[i] = split
    return out


def _row(
    ind: Indicator, category: Category, num: tuple[float, float],
    den: tuple[float, float] | None, total_numerator: float | None,
) -> BreakdownRow:
    n, d = figure_pair(ind, num, den)
    value = (n / d if n is not None and d else None) if is_ratio(ind) else n
    share = None
    if ind.unit in (Unit.COUNT, Unit.AMOUNT) and n is not None and total_numerator:
        share = n / total_numerator
    return BreakdownRow(category, n, d, value, share)


def _check(role: str, measure: Measure, split: Split, total: tuple[float, float]) -> SideCheck:
    if measure.agg is Aggregation.MEDIAN:
        # medians do not add up; what must is the records each category holds
        total = (total[1], total[1])
        split = {k: (n, n) for k, (_, n) in split.items()}
    return SideCheck(
        role,
        total=total[0],
        summed=sum(t for t, _ in split.values()),
        records_total=total[1],
        records_summed=sum(n for _, n in split.values()),
        distinct=measure.agg is Aggregation.COUNT_DISTINCT,
    )


def compute_breakdown(
    backend: TableSource, indicator: Indicator, subject: Subject, period: Period, by: str
) -> Breakdown:
    """``indicator`` for ``subject`` and ``period``, split by the categories of ``by``.

    ``by`` is any categorical column of the indicator's tables (a ValueError names the
    valid ones), whether or not the catalogue lists it in ``breakdowns``.
    """
    return compute_breakdowns(backend, [(indicator, by)], subject, period)[0]


def compute_breakdowns(
    backend: TableSource, requests: Sequence[tuple[Indicator, str]], subject: Subject,
    period: Period,
) -> list[Breakdown]:
    """:func:`compute_breakdown` of each (indicator, column) of ``requests``, together.

    A report breaks some 25 indicators down for one organ: one grouped query per (table,
    date, column) for every indicator's splits, and one per (table, date) for all their
    totals, instead of two queries per indicator (each a scan of the organ's records and
    a plan of its own: 50 queries took a province's workbook half a minute).
    """
    columns = [breakdown_column(ind, by) for ind, by in requests]
    sides = [_sides(ind) for ind, _ in requests]
    flat = [(r, m) for r, pairs in enumerate(sides) for _, m in pairs]
    by_column: dict[BreakdownColumn, list[int]] = {}
    for j, (r, _) in enumerate(flat):
        by_column.setdefault(columns[r], []).append(j)
    splits: list[Split] = [{} for _ in flat]
    for column, js in by_column.items():
        found = _figures(backend, [flat[j][1] for j in js], subject, period, column)
        for j, split in zip(js, found, strict=True):
            splits[j] = split
    # the totals of measures that read no virtual column are read without its join, as
    # one breakdown alone reads them: the check then catches a join that lost records
    zero = (0.0, 0.0)
    totals = [zero for _ in flat]
    for joined in (False, True):
        js = [j for j, (_, m) in enumerate(flat)
              if needs_virtual_columns([m], m.table) == joined]
        found = _figures(backend, [flat[j][1] for j in js], subject, period, None)
        for j, split in zip(js, found, strict=True):
            totals[j] = split.get(None, zero)
    out = []
    start = 0
    for (indicator, _), column, pairs in zip(requests, columns, sides, strict=True):
        mine = range(start, start + len(pairs))
        start += len(pairs)
        out.append(_assemble(indicator, subject, period, column, pairs,
                             [splits[j] for j in mine], [totals[j] for j in mine]))
    return out


def _sides(indicator: Indicator) -> list[tuple[str, Measure]]:
    sides: list[tuple[str, Measure]] = [("numerator", indicator.numerator)]
    if indicator.denominator is not None:
        sides.append(("denominator", indicator.denominator))
    return sides


def _assemble(
    indicator: Indicator, subject: Subject, period: Period, column: BreakdownColumn,
    sides: list[tuple[str, Measure]], splits: list[Split], totals: list[tuple[float, float]],
) -> Breakdown:
    zero = (0.0, 0.0)
    num_total = figure_pair(indicator, totals[0], totals[1] if len(totals) > 1 else None)[0]
    rows = tuple(
        _row(
            indicator, cat, splits[0].get(cat.code, zero),
            splits[1].get(cat.code, zero) if len(splits) > 1 else None, num_total,
        )
        for cat in column.categories
    )
    total = _row(indicator, TOTAL, totals[0], totals[1] if len(totals) > 1 else None, num_total)
    checks = tuple(
        _check(role, m, split, tot) for (role, m), split, tot in zip(sides, splits, totals,
                                                                    strict=True)
    )
    return Breakdown(indicator, subject, period, column, rows, total, checks)
