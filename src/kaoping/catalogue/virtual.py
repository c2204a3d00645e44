"""Virtual columns: attributes of a record that live in another table.

Indicators about persons need crime attributes (chapter of the Criminal Law, serious
violent crime, statutory maximum) that the data model keeps once per crime in ``crimes``.
Rather than copy them onto every person, a catalogue names them as *virtual columns* of
``persons`` -- ``crime_chapter``, ``crime_serious_violent``, ``crime_statutory_max``,
``crime_statutory_max_years`` -- and the engine builds the table a measure runs on with
:func:`source_table` (or :func:`with_virtual_columns` when it already holds the tables):
the base table left-joined to the looked-up table on its key, the looked-up columns
renamed with their prefix. Keys are unique, so the join never changes the row count.

The validator treats virtual columns as ordinary columns of the base table (with the type
and enumeration of the column they come from), so a filter such as
``crime_serious_violent and prosecution_decision = 'prosecuted'`` is checked at load time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kaoping.model.schema import TABLES, Column

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class VirtualColumn:
    """``name`` on the base table is ``table.column`` where ``table.key == base.via``."""

    name: str
    via: str
    table: str
    key: str
    column: str


def _crime(column: str) -> VirtualColumn:
    return VirtualColumn(f"crime_{column}", "crime_code", "crimes", "crime_code", column)


#: base table -> virtual column name -> where it comes from
VIRTUAL_COLUMNS: dict[str, dict[str, VirtualColumn]] = {
    "persons": {
        v.name: v
        for v in (
            _crime("chapter"),
            _crime("serious_violent"),
            _crime("statutory_max"),
            _crime("statutory_max_years"),
        )
    },
}


def table_columns(table_name: str) -> dict[str, Column]:
    """Every column a catalogue may name on ``table_name``: real ones, then virtual ones."""
    out = {c.name: c for c in TABLES[table_name].columns}
    for v in VIRTUAL_COLUMNS.get(table_name, {}).values():
        source = TABLES[v.table].column(v.column)
        out[v.name] = dataclasses.replace(
            source, name=v.name, required=False, description=f"{v.table}.{v.column} via {v.via}"
        )
    return out


class TableSource(Protocol):
    """Anything with ``.table(name)``: an Ibis backend, e.g. ``ibis.duckdb.connect()``."""

    def table(self, name: str, /) -> ir.Table: ...


def with_virtual_columns(
    base: ir.Table, table_name: str, lookup: Callable[[str], ir.Table]
) -> ir.Table:
    """``base`` (the table called ``table_name``) with its virtual columns joined on."""
    virtual = VIRTUAL_COLUMNS.get(table_name, {})
    by_target: dict[tuple[str, str, str], list[VirtualColumn]] = {}
    for v in virtual.values():
        by_target.setdefault((v.table, v.key, v.via), []).append(v)
    out = base
    for (target, key, via), cols in by_target.items():
        other = lookup(target)
        join_key = f"__kaoping_{target}_{key}"
        right = other.select(**{join_key: other[key]}, **{v.name: other[v.column] for v in cols})
        out = out.left_join(right, out[via] == right[join_key]).drop(join_key)
    return out


def source_table(backend: TableSource, table_name: str) -> ir.Table:
    """The table a measure on ``table_name`` runs on, virtual columns included."""
    return with_virtual_columns(backend.table(table_name), table_name, backend.table)


__all__ = [
    "VIRTUAL_COLUMNS",
    "TableSource",
    "VirtualColumn",
    "source_table",
    "table_columns",
    "with_virtual_columns",
]
