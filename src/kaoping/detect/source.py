"""The warehouse tables the detectors read, through Ibis over the DuckDB warehouse.

Detectors need a few per-organ counts (conclusions per day, decisions per period) and, for
a flagged organ, the ids of the records behind the flag. Counts are aggregated in the
database; only the small per-organ (or per-organ-and-day) results come back to Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from kaoping.detect.models import MAX_RECORDS

if TYPE_CHECKING:
    import duckdb
    import ibis.backends.duckdb
    import ibis.expr.types as ir

    from kaoping.engine.hierarchy import Hierarchy

#: builds a boolean filter over the persons table
Where = Callable[["ir.Table"], "ir.BooleanValue"]
#: the columns :meth:`Source.records_of` numbers its rows in
_ASKED, _NUMBER, _COUNTED = "kaoping_asked", "kaoping_number", "kaoping_counted"


class Source:
    """One warehouse, opened once for every detector of a run."""

    def __init__(self, con: duckdb.DuckDBPyConnection | ibis.backends.duckdb.Backend) -> None:
        """``con``: a DuckDB connection to the warehouse, or an Ibis backend over one (as
        :class:`kaoping.api.Warehouse` holds)."""
        import duckdb

        from kaoping.warehouse import ibis_connection

        self.backend: ibis.backends.duckdb.Backend = (
            ibis_connection(con) if isinstance(con, duckdb.DuckDBPyConnection) else con
        )

    @property
    def persons(self) -> ir.Table:
        return self.backend.table("persons")

    @cached_property
    def hierarchy(self) -> Hierarchy:
        from kaoping.engine.compute import load_organs

        return load_organs(self.backend)

    @cached_property
    def names(self) -> dict[str, tuple[str, str]]:
        """organ_code -> (Chinese name, English name)."""
        organs = self.hierarchy.organs
        codes = organs["organ_code"].astype(str)
        zh, en = organs["name_zh"].fillna("").astype(str), organs["name_en"].fillna("").astype(str)
        return {c: (z, e) for c, z, e in zip(codes, zh, en, strict=True)}

    def frame(self, expr: ir.Table) -> pd.DataFrame:
        return self.backend.execute(expr)

    def daily(self, column: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Cases per organ and day of ``column`` in [start, end): organ_code, day (a
        midnight timestamp), n.

        Cases, not persons: the suspects of one case are usually concluded together, so
        counting persons would make one eight-suspect case look like a rush. A case counts
        once, on the first day in the range one of its suspects has ``column``."""
        p = self.persons
        rows = p.filter(p[column] >= start, p[column] < end)
        cases = rows.group_by(["organ_code", "case_id"]).aggregate(day=rows[column].min())
        expr = cases.group_by(["organ_code", "day"]).aggregate(n=cases.count())
        out = self.frame(expr)
        # midnight timestamps, not dates: a window's comparisons (base.in_window) are
        # then vectorised, where a column of date objects took a second of each period's
        # detections comparing them one by one
        out["day"] = pd.to_datetime(out["day"]).astype("datetime64[ns]")
        return out

    def last_date(self, column: str) -> dt.date | None:
        value = self.backend.execute(self.persons[column].max())
        if value is None or pd.isna(value):
            return None
        day: dt.date = pd.Timestamp(value).date()
        return day

    def records_of(
        self, asked: Sequence[tuple[str, Where]]
    ) -> list[tuple[list[str], int]]:
        """For each (organ, filter), the ids (at most :data:`MAX_RECORDS`, in id order)
        and the number of the persons matching, in one query: a detector's detections
        each asked their own (33 per period at 2,000,000 persons, a third of the
        detectors' time), and each query costs DuckDB a plan and a scan however few
        rows it finds."""
        import ibis

        if not asked:
            return []
        p = self.persons
        parts = [
            p.filter(p.organ_code == organ, where(p)).select(
                "person_id", **{_ASKED: ibis.literal(i, type="int64")})
            for i, (organ, where) in enumerate(asked)
        ]
        rows = parts[0].union(*parts[1:], distinct=False) if len(parts) > 1 else parts[0]
        numbered = rows.mutate(**{
            _NUMBER: ibis.row_number().over(group_by=_ASKED, order_by="person_id"),
            _COUNTED: rows.count().over(group_by=_ASKED),
        })
        frame = self.backend.execute(numbered.filter(numbered[_NUMBER] < MAX_RECORDS))
        frame = frame.sort_values([_ASKED, _NUMBER], kind="stable")
        out: list[tuple[list[str], int]] = [([], 0) for _ in asked]
        for i, group in frame.groupby(_ASKED, sort=False):
            out[int(i)] = ([str(v) for v in group["person_id"]], int(group[_COUNTED].iloc[0]))
        return out
