"""Exact distinct counts over periods, without re-reading the records per period.

A distinct count (cases, prosecutors) is not additive: a case concluded in January and
in February is one case in the first quarter. :func:`kaoping.engine.compile.distinct_parts`
sends the values found in one cell only down the additive path; this module counts the
rest. Every standard period lies within one year, so a value's months in a year can be
written as a 12-bit mask, and a value is in a period exactly when its mask and the
period's share a bit. Values of a subject with the same mask in a year count alike, so
the rows collapse to (subject, year, mask) counts -- a handful per subject -- before they
meet the periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from kaoping.engine.periods import Period

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["distinct_by_period", "period_masks"]


def period_masks(periods: Sequence[Period], ids: Sequence[int]) -> ir.Table:
    """(period, year, mask): each period's id, year and months as bits (January = 1)."""
    import ibis

    rows = []
    for p, pid in zip(periods, ids, strict=True):
        if p.years != {p.year}:
            raise ValueError(f"{p.label} spans years; only periods within a year have masks")
        # months counted from the (fiscal) year's start: the rows are made alike
        # (:func:`kaoping.engine.periodsums.fiscal_cells`)
        rows.append((pid, p.year, sum(1 << (m - 1) for _, m in p.fiscal_months)))
    frame = pd.DataFrame(rows, columns=["period", "year", "mask"]).astype("int32")
    return ibis.memtable(frame)


def distinct_by_period(
    rows: ir.Table, masks: ir.Table, key: str, year_start: int = 1
) -> ir.Table:
    """(subject, period, ``key``): distinct values of ``rows`` per subject and period.

    ``rows`` holds (subject, calendar year, month, value), duplicates allowed; ``masks``
    is :func:`period_masks` of periods whose years start in ``year_start``.
    """
    import ibis

    from kaoping.engine.periodsums import fiscal_cells

    rows = fiscal_cells(rows, year_start)

    bit = ibis.literal(1, type="int32") << (rows["month"] - 1).cast("int32")
    r = rows.mutate(bit=bit.cast("int32"))
    per_value = r.group_by(["subject", "value", "year"]).aggregate(mask=r["bit"].bit_or())
    g = per_value.group_by(["subject", "year", "mask"]).aggregate(n=per_value.count())
    m = masks.rename(period_mask="mask")
    j = g.join(m, "year")
    j = j.filter((j["mask"] & j["period_mask"]) != 0)
    out: ir.Table = j.group_by(["subject", "period"]).aggregate(
        **{key: j["n"].sum().cast("float64")}
    )
    return out
