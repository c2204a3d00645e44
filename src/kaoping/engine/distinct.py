"""Exact distinct counts over periods, without re-reading the records per period.

A distinct count (cases, prosecutors) is not additive: a case concluded in January and
in February is one case in the first quarter. :func:`kaoping.engine.compile.distinct_parts`
sends the values found in one cell only down the additive path; this module counts the
rest. Joining every (subject, value, month) row to every period that month belongs to
and counting distinct values works, but multiplies the rows by some twenty periods.
Instead each row remembers the previous month its value appeared in for its subject:
a value is in period [first, last] exactly once, at its first month there, which is the
one row with ``first <= month <= last`` and ``previous < first``. So the rows can be
collapsed to counts per (subject, month, previous month) before they meet the periods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["distinct_by_period"]


def distinct_by_period(rows: ir.Table, membership: ir.Table, key: str) -> ir.Table:
    """(subject, period, ``key``): distinct values of ``rows`` per subject and period.

    ``rows`` holds distinct (subject, year, month, value); ``membership`` holds (period,
    year, month, first) with ``first`` the month index (``year * 12 + month - 1``) at which
    the period starts.
    """
    import ibis

    r = rows.mutate(index=rows["year"] * 12 + rows["month"] - 1)
    w = ibis.window(group_by=[r["subject"], r["value"]], order_by=r["index"])
    r = r.mutate(before=r["index"].lag().over(w).fill_null(-1))
    g = r.group_by(["subject", "year", "month", "before"]).aggregate(n=r.count())
    j = g.join(membership, ["year", "month"])
    j = j.filter(j["before"] < j["first"])
    out: ir.Table = j.group_by(["subject", "period"]).aggregate(
        **{key: j["n"].sum().cast("float64")}
    )
    return out
