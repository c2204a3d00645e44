"""Ibis building blocks of the computation: sums, joins, membership and info tables.

Small, generic pieces that :mod:`kaoping.engine.compute` assembles; each builds one
expression and knows nothing of indicators.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.engine.periods import Period

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir

__all__ = ["PREV", "Temp", "conform", "join_figures", "period_months", "period_table", "sums"]

#: suffix of the columns that hold the same period a year earlier
PREV = "__prev"


class Temp:
    """Temporary tables of one run, dropped at the end whatever happens."""

    def __init__(self, con: duckdb.DuckDBPyConnection, backend: Any) -> None:
        self.con, self.backend = con, backend
        self.prefix = f"__kaoping_{uuid.uuid4().hex[:8]}_"
        self.names: list[str] = []
        self.made = 0

    def keep(self, name: str, expr: ir.Table) -> ir.Table:
        """Materialise ``expr`` (a query used more than once, or a plan worth cutting)."""
        full = f"{self.prefix}{self.made}_{name}"
        self.made += 1
        table: ir.Table = self.backend.create_table(full, expr, temp=True)
        self.names.append(full)
        return table

    def mark(self) -> int:
        """A point to :meth:`drop` back to (the tables kept after it go)."""
        return len(self.names)

    def drop(self, since: int = 0) -> None:
        """Drop the tables kept since ``since`` (all by default), freeing their memory."""
        # ibis's drop_table is broken with sqlglot 30, so the cleanup speaks DuckDB
        for name in self.names[since:]:
            self.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')
        del self.names[since:]


def sums(t: ir.Table, keys: Sequence[str] | dict[str, Any], cols: Iterable[str]) -> ir.Table:
    aggs = {c: t[c].sum() for c in cols}
    if isinstance(keys, dict):
        out: ir.Table = t.group_by(**keys).aggregate(**aggs)
    else:
        out = t.group_by(list(keys)).aggregate(**aggs)
    return out


def join_figures(base: ir.Table, per: ir.Table, cols: Sequence[str]) -> ir.Table:
    """``base`` with the figures ``cols`` of ``per`` for its period and, suffixed
    ``__prev``, for the same period a year earlier (0 where ``per`` has no row).

    ``base`` holds subject, period and previous_period; ``per`` subject, period and cols.
    """
    cur = per.select(__s=per["subject"], __p=per["period"], **{c: per[c] for c in cols})
    prev = per.select(__s=per["subject"], __p=per["period"], **{c + PREV: per[c] for c in cols})
    j = base.left_join(cur, [base["subject"] == cur["__s"], base["period"] == cur["__p"]])
    j = j.select(*base.columns, **{c: j[c].fill_null(0.0) for c in cols})
    k = j.left_join(prev, [j["subject"] == prev["__s"], j["previous_period"] == prev["__p"]])
    out: ir.Table = k.select(*j.columns, **{c + PREV: k[c + PREV].fill_null(0.0) for c in cols})
    return out


def conform(t: ir.Table, keys: Sequence[str], cols: Sequence[str]) -> ir.Table:
    """``t`` with exactly ``keys`` + ``cols``, zero for the columns it lacks."""
    import ibis

    present = set(t.columns)
    zero = ibis.literal(0.0, type="float64")
    out: ir.Table = t.select(
        *keys, **{c: (t[c].cast("float64") if c in present else zero) for c in cols}
    )
    return out


def period_months(periods: Sequence[Period]) -> ir.Table:
    """(period, year, month, first): the months of each period, and where it starts."""
    import ibis

    rows = [(p.label, y, m, p.first) for p in periods for (y, m) in p.months]
    frame = pd.DataFrame(rows, columns=["period", "year", "month", "first"]).astype(
        {"year": "int32", "month": "int32", "first": "int64"}
    )
    return ibis.memtable(frame)


def period_table(periods: Sequence[Period]) -> ir.Table:
    import ibis

    frame = pd.DataFrame(
        {
            "period": [p.label for p in periods],
            "period_kind": [str(p.kind) for p in periods],
            "year": pd.Series([p.year for p in periods], dtype="int32"),
            "previous_period": [p.previous().label for p in periods],
        }
    )
    return ibis.memtable(frame)
