"""The DuckDB compute backend: a computation inside the warehouse file.

Intermediates are temporary tables; results are written by
:class:`kaoping.engine.store.Staging` and swapped in inside one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kaoping.engine import store

if TYPE_CHECKING:
    import duckdb
    import ibis.backends.duckdb
    import ibis.expr.types as ir
    import pandas as pd

    from kaoping.engine.compile import Plan

__all__ = ["DuckDBCompute"]


class DuckDBCompute:
    """Compute in the DuckDB warehouse ``con`` (writable), storing the results there."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        from kaoping.warehouse import ibis_connection

        self.con = con
        self.ibis: ibis.backends.duckdb.Backend = ibis_connection(con)

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        table: ir.Table = self.ibis.create_table(name, expr, temp=True)
        return table

    def drop(self, names: Sequence[str]) -> None:
        # ibis's drop_table is broken with sqlglot 30, so the cleanup speaks DuckDB
        for name in names:
            self.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')

    @contextmanager
    def tuned(self) -> Iterator[None]:
        # the results need no particular row order; not keeping one lets DuckDB insert in
        # parallel and with less memory
        order = self.con.execute("SELECT current_setting('preserve_insertion_order')")
        keep_order = bool(order.fetchall()[0][0])
        self.con.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            self.con.execute(f"SET preserve_insertion_order = {str(keep_order).lower()}")

    def data_version(self) -> int:
        from kaoping.warehouse import data_version

        return data_version(self.con)

    def stored_years(self) -> set[int]:
        return store.stored_years(self.con)

    def subject_keys(self, subjects: pd.DataFrame, *, keep_stored: bool) -> pd.DataFrame:
        return store.subject_keys(self.con, subjects, keep_stored=keep_stored)

    def staging(self, plan: Plan, run_id: str) -> store.Staging:
        return store.Staging(self.con, self.ibis, plan)
