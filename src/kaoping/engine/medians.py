"""Exact medians per subject and period, from counts of records per value.

A median does not add up: the median of a province is not a sum, nor an average, of
its organs' medians. What adds up is how many records have each value. The cube of a
``median`` measure (:func:`kaoping.engine.compile.value_counts`) holds, per monthly
cell, the number of records with each value; an organ's counts are the sums of its
own and its descendants' cells, a period's the sums of its months -- summed exactly
like any cube (:func:`kaoping.engine.periodsums.standard_sums`, with the value as a
second key). The median is then read off the counts in value order: with ``N``
records, the mean of the values at positions ``(N + 1) // 2`` and ``N // 2 + 1`` (one
value when ``N`` is odd) -- the definition of pandas, DuckDB's ``median`` and
``statistics.median``, so a figure can be checked against any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kaoping.engine.periodsums import standard_sums

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["median_of_counts", "period_medians"]


def median_of_counts(counts: ir.Table, keys: Sequence[str], med: str, n: str) -> ir.Table:
    """(``keys``, ``med``, ``n``): the median of ``value`` weighted by ``count``, per
    ``keys``, and the number of records (rows with a count of zero are ignored)."""
    import ibis

    c = counts.filter(counts["count"] > 0)
    w = ibis.cumulative_window(group_by=[c[k] for k in keys], order_by=c["value"])
    whole = ibis.window(group_by=[c[k] for k in keys])
    ranked = c.select(
        *keys,
        value=c["value"],
        upto=c["count"].sum().over(w),
        total=c["count"].sum().over(whole),
    )
    # positions (1-based) of the middle record(s): equal when the total is odd
    low = ((ranked["total"] + 1) / 2).floor()
    high = (ranked["total"] / 2).floor() + 1
    out = ranked.group_by(list(keys)).aggregate(
        __low=ranked["value"].min(where=ranked["upto"] >= low),
        __high=ranked["value"].min(where=ranked["upto"] >= high),
        **{n: ranked["total"].max()},
    )
    result: ir.Table = out.select(
        *keys, **{med: (out["__low"] + out["__high"]) / 2, n: out[n].cast("float64")}
    )
    return result


def period_medians(
    cells: ir.Table,
    columns: Sequence[str],
    ids: ir.Table,
    keep: Callable[[str, ir.Table], ir.Table],
    year_start: int = 1,
) -> ir.Table:
    """(subject, pid, median column, count column) for every standard period of ``ids``
    in which the subject has records.

    ``cells`` holds subject, calendar year, month, ``value`` and ``n`` (records with
    that value; several rows of one cell and value are summed); ``columns`` names the
    two figures (:attr:`kaoping.engine.compile.MeasureColumns.columns`).
    """
    med, n = columns  # the median's two columns
    per = standard_sums(cells, ("subject", "value"), ["n"], keep, year_start)
    keyed = per.join(ids.select("pid", "year", "kind", "k"), ["year", "kind", "k"])
    counts = keyed.select("subject", "pid", "value", count=keyed["n"])
    return median_of_counts(counts, ("subject", "pid"), med, n)
