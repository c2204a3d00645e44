"""Ibis building blocks of the computation: temporary tables, sums, padding.

Small, generic pieces that :mod:`kaoping.engine.compute` assembles; each builds one
expression and knows nothing of indicators.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from kaoping.engine.backends import ComputeBackend

__all__ = ["Temp", "conform", "sums"]


class Temp:
    """Intermediate tables of one run, dropped at the end whatever happens."""

    def __init__(self, backend: ComputeBackend) -> None:
        self.backend = backend
        self.prefix = f"__kaoping_{uuid.uuid4().hex[:8]}_"
        self.names: list[str] = []
        self.made = 0

    def keep(self, name: str, expr: ir.Table) -> ir.Table:
        """Materialise ``expr`` (a query used more than once, or a plan worth cutting)."""
        full = f"{self.prefix}{self.made}_{name}"
        self.made += 1
        table = self.backend.materialise(full, expr)
        self.names.append(full)
        return table

    def mark(self) -> int:
        """A point to :meth:`drop` back to (the tables kept after it go)."""
        return len(self.names)

    def drop(self, since: int = 0) -> None:
        """Drop the tables kept since ``since`` (all by default), freeing their memory."""
        self.backend.drop(self.names[since:])
        del self.names[since:]


def sums(t: ir.Table, keys: Sequence[str] | dict[str, Any], cols: Iterable[str]) -> ir.Table:
    aggs = {c: t[c].sum() for c in cols}
    if isinstance(keys, dict):
        out: ir.Table = t.group_by(**keys).aggregate(**aggs)
    else:
        out = t.group_by(list(keys)).aggregate(**aggs)
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
