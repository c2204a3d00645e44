"""The compute-backend seam: what a computation needs of the engine it runs on.

Ibis is the query seam -- every figure is an Ibis expression, and nothing in
:mod:`~kaoping.engine.compile`, :mod:`~kaoping.engine.periodsums`,
:mod:`~kaoping.engine.figures`, :mod:`~kaoping.engine.stats` or
:mod:`~kaoping.engine.rank` knows which engine runs it. What is not portable is
everything around the queries: holding an intermediate result (DuckDB has temporary
tables, Spark has none), writing the results and publishing one run atomically (a
DuckDB transaction with renames, a Parquet run published by its manifest), and tuning.
A :class:`ComputeBackend` is that, for one engine:

- :class:`kaoping.engine.backends.duckdb.DuckDBCompute` -- the warehouse file, today's
  behaviour;
- :class:`kaoping.engine.backends.spark.SparkCompute` -- Apache Spark, canonical tables
  read from Parquet and results written as a Parquet run
  (:mod:`kaoping.engine.backends.parquet`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from kaoping.engine.compile import Plan
    from kaoping.engine.figures import SubjectType
    from kaoping.engine.store import Dimensions

__all__ = ["ComputeBackend", "Staging"]


class Staging(Protocol):
    """The results of one run, written cube by cube and published at the end."""

    def write(self, index: int, subjects: SubjectType, figures: ir.Table | None) -> None:
        """Stage the figures of ``subjects`` of the ``index``-th cube of the plan (None:
        an empty table, no figures computed for it)."""

    def commit(
        self,
        dims: Dimensions,
        *,
        replace_years: Sequence[int] | None,
        written_years: Sequence[int],
        run: dict[str, object],
    ) -> int:
        """Publish everything staged at once; returns the number of figures."""

    def discard(self) -> None:
        """Forget what was staged (a failed run leaves the published results)."""


class ComputeBackend(Protocol):
    """One engine a computation runs on (see the module's docstring)."""

    #: the Ibis backend every query of the computation is built and run on
    ibis: Any

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute ``expr`` once and hold it under ``name`` until :meth:`drop`."""

    def drop(self, names: Sequence[str]) -> None:
        """Let go of intermediates held by :meth:`materialise`."""

    def tuned(self) -> AbstractContextManager[None]:
        """Engine settings for the length of a computation."""

    def data_version(self) -> int:
        """The version of the canonical data computed from (recorded with the run)."""

    def stored_years(self) -> set[int]:
        """The years of the published results (a partial computation keeps the others)."""

    def subject_keys(self, subjects: pd.DataFrame, *, keep_stored: bool) -> pd.DataFrame:
        """``subjects`` with their integer keys (see :func:`kaoping.engine.store.subject_keys`)."""

    def staging(self, plan: Plan, run_id: str) -> Staging:
        """Where the run ``run_id``'s results are written before they are published."""
