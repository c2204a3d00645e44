"""Monthly figures summed over the standard periods: months, quarters, halves, years, YTD.

The computation stores every month, quarter, half, year and year-to-date range. Joining
each month to every period it belongs to and summing would multiply the rows by about
ten (a January is in its month, quarter, half, year and eleven year-to-date ranges), and
the same again for the previous year. Instead the periods are built from one another:
quarters are sums of months, halves of quarters, years of halves, and the year-to-date
ranges a running sum of the months -- about a fifth of the work. Every period is then
named by an integer id (:func:`period_ids`), so the year-on-year pairing is a join on
integers rather than on labels.

The sums are taken in decimal (:data:`EXACT`), not in binary floating point: a year is
the sum of its halves and ``01..12`` the running sum of its months, and in floating point
the two orders of addition give different results for amounts in yuan and fen (the
eleventh digit of 12,322,225.00 yuan) -- the same months would read differently under
their two labels. Decimal addition is exact and does not depend on the order; each
monthly cell is rounded to :data:`EXACT`'s scale once (a count is an integer, an amount
has two decimals), and the sums go back to DOUBLE only when they are shaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.engine.blocks import sums
from kaoping.engine.periods import Period, PeriodKind

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["EXACT", "KIND_CODES", "period_id", "period_ids", "standard_sums"]

#: the type monthly figures are summed in: wide enough for any national total, exact to
#: a millionth (amounts are in yuan with two decimals, counts and days are integers)
EXACT = "decimal(38, 6)"

#: the kinds of standard period, as small integers
KIND_CODES: dict[PeriodKind, int] = {
    PeriodKind.MONTH: 0,
    PeriodKind.QUARTER: 1,
    PeriodKind.HALF: 2,
    PeriodKind.YEAR: 3,
    PeriodKind.YTD: 4,
}


def period_id(p: Period) -> int:
    """The integer that names a standard period in stored figures, the same in every run.

    ``year * 100 + kind * 13 + k``, with ``k`` the period's last month: 2020-Q3 is
    202028, the year 2020 is 202051, so ``pid // 100`` is the year. For fiscal years
    the year is the fiscal year and ``k`` the month counted from its start (FY2020-Q1
    from July is 202016).
    """
    if p.kind not in KIND_CODES:
        raise ValueError(f"{p.label} is not a standard period")
    return p.year * 100 + KIND_CODES[p.kind] * 13 + p.last_month


def period_ids(periods: Sequence[Period]) -> pd.DataFrame:
    """(pid, period, period_kind, year, kind, k, prev_pid) for standard ``periods``.

    ``k`` is the period's last month, which with its year and kind names it; ``prev_pid``
    is the id of the same period a year earlier.
    """
    rows = [
        (
            period_id(p),
            p.label,
            str(p.kind),
            p.year,
            KIND_CODES[p.kind],
            p.last_month,
            period_id(p.previous()),
        )
        for p in periods
    ]
    frame = pd.DataFrame(
        rows, columns=["pid", "period", "period_kind", "year", "kind", "k", "prev_pid"]
    )
    return frame.astype(
        {"pid": "int32", "year": "int32", "kind": "int32", "k": "int32", "prev_pid": "int32"}
    )


def fiscal_cells(cells: ir.Table, year_start: int) -> ir.Table:
    """``cells`` with calendar (year, month) turned into (fiscal year, month counted
    from the year's start): July 2019 is (2020, 1) when years start in July. Every
    standard period is then built from these months exactly as calendar ones are."""
    if year_start == 1:
        return cells
    year, month = cells["year"], cells["month"]
    out: ir.Table = cells.mutate(
        year=(year + (month >= year_start).cast("int32")).cast("int32"),
        month=((month - year_start + 12) % 12 + 1).cast("int32"),
    )
    return out


def standard_sums(
    cells: ir.Table,
    key: str | Sequence[str],
    cols: Sequence[str],
    keep: Any,
    year_start: int = 1,
) -> ir.Table:
    """(``key``, year, kind, k, cols): ``cells`` summed over every standard period.

    ``cells`` holds ``key`` (a column, or several: a median's counts are kept per
    subject and value), calendar year, month and ``cols``; ``keep`` materialises an
    expression used more than once (:meth:`kaoping.engine.blocks.Temp.keep`). With
    ``year_start`` other than 1 the years, halves, quarters and year-to-date ranges are
    fiscal (year and ``k`` as :func:`period_id` names them).
    """
    import ibis

    cells = fiscal_cells(cells, year_start)
    keys = [key] if isinstance(key, str) else list(key)

    def shaped(t: ir.Table, kind: int, k: Any) -> ir.Table:
        out: ir.Table = t.select(
            *keys,
            "year",
            kind=ibis.literal(kind, type="int32"),
            k=k.cast("int32"),
            **{c: t[c].cast("float64") for c in cols},
        )
        return out

    monthly = sums(cells, [*keys, "year", "month"], cols)
    exact = monthly.select(*keys, "year", "month", **{c: monthly[c].cast(EXACT) for c in cols})
    m = keep("months", exact)
    q = keep(
        "quarters",
        sums(m, {**{c: m[c] for c in keys}, "year": m["year"], "k": (m["month"] + 2) // 3 * 3},
             cols),
    )
    h = sums(q, {**{c: q[c] for c in keys}, "year": q["year"], "k": (q["k"] + 5) // 6 * 6}, cols)
    y = sums(h, [*keys, "year"], cols)
    months = ibis.memtable(pd.DataFrame({"month": pd.Series(range(1, 13), dtype="int32")}))
    grid = m.select(*keys, "year").distinct().cross_join(months)
    g = grid.left_join(m, [*keys, "year", "month"])
    zero = ibis.literal(0, type=EXACT)
    g = g.select(*keys, "year", "month", **{c: g[c].fill_null(zero) for c in cols})
    w = ibis.cumulative_window(group_by=[*(g[c] for c in keys), g["year"]], order_by=g["month"])
    ytd = g.select(*keys, "year", "month", **{c: g[c].sum().over(w) for c in cols})
    ytd = ytd.filter(ytd["month"] >= 2)
    pieces = [
        shaped(m, KIND_CODES[PeriodKind.MONTH], m["month"]),
        shaped(q, KIND_CODES[PeriodKind.QUARTER], q["k"]),
        shaped(h, KIND_CODES[PeriodKind.HALF], h["k"]),
        shaped(y, KIND_CODES[PeriodKind.YEAR], ibis.literal(12)),
        shaped(ytd, KIND_CODES[PeriodKind.YTD], ytd["month"]),
    ]
    out: ir.Table = ibis.union(*pieces, distinct=False)
    return out
