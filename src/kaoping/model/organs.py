"""Where the active model keeps its organs, and how a table's records name their organ.

The engine rolls every figure up the organ tree. Which table holds the tree, which of its
columns are the code, the parent and the level, and which column of a record names its
organ are the model's to say (``hierarchy:`` and ``references:`` in the model file), not
the engine's: a procuratorate's ``organs.organ_code`` is a county prosecutor's
``offices.office_code``. Inside the engine the organ keeps the names ``organ_code``,
``parent_code``, ``level``, ``name_zh`` and ``name_en``; this module maps them onto the
model's columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaoping.model.selection import active
from kaoping.model.types import DataModel

__all__ = [
    "PROSECUTOR_COLUMN",
    "PROSECUTOR_TABLE",
    "OrganColumns",
    "has_prosecutors",
    "organ_column",
    "organ_columns",
    "organs_sql",
]

#: the table of prosecutors and the column by which a record names its prosecutor; a
#: model without them has figures per organ only
PROSECUTOR_TABLE = "prosecutors"
PROSECUTOR_COLUMN = "prosecutor_id"


@dataclass(frozen=True)
class OrganColumns:
    """The model's organ table and the columns the engine reads from it."""

    table: str
    code: str
    parent: str
    level: str
    #: the columns shown as the organ's name in the primary language and in English
    #: (the code column when the model names none)
    name_zh: str
    name_en: str


def _model(model: DataModel | None) -> DataModel:
    return active() if model is None else model


def organ_columns(model: DataModel | None = None) -> OrganColumns:
    """The organ table of ``model`` (the active one by default).

    Raises ValueError when the model declares no ``hierarchy:``: without it nothing can
    be rolled up, and the message says what to add.
    """
    m = _model(model)
    h = m.hierarchy
    if h is None:
        raise ValueError(
            f"data model {m.name} ({m.source}) has no `hierarchy:`; declare the organ table "
            "and its code, parent and level columns to compute indicators (docs/model.md)"
        )
    primary = next(iter(m.required_languages or m.languages), None)
    first = next(iter(h.names.values()), h.code)
    name_zh = h.names.get(primary or "", first) if primary else first
    return OrganColumns(h.table, h.code, h.parent, h.level, name_zh, h.names.get("en", name_zh))


def organ_column(table: str, model: DataModel | None = None) -> str | None:
    """The column by which a record of ``table`` names its organ, or None.

    It is the column that ``references`` the organ table's code column (the code column
    itself for the organ table); of several, the one named like the code column, else
    the first declared.
    """
    m = _model(model)
    o = organ_columns(m)
    if table == o.table:
        return o.code
    target = f"{o.table}.{o.code}"
    found = [c.name for c in m.table(table).columns if c.references == target]
    if o.code in found:
        return o.code
    return found[0] if found else None


def has_prosecutors(model: DataModel | None = None) -> bool:
    """Whether the model keeps prosecutors, so figures per prosecutor can exist."""
    m = _model(model)
    t = m.tables.get(PROSECUTOR_TABLE)
    return t is not None and PROSECUTOR_COLUMN in t.column_names


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def organs_sql(model: DataModel | None = None) -> str:
    """A SELECT of the organ table with the engine's column names (organ_code,
    parent_code as NULL when empty, level, name_zh, name_en), for SQL that reads the tree."""
    o = organ_columns(model)
    return (
        f"SELECT CAST({_ident(o.code)} AS VARCHAR) AS organ_code, "
        f"CAST(NULLIF({_ident(o.parent)}, '') AS VARCHAR) AS parent_code, "
        f"{_ident(o.level)} AS level, "
        f"CAST({_ident(o.name_zh)} AS VARCHAR) AS name_zh, "
        f"CAST({_ident(o.name_en)} AS VARCHAR) AS name_en "
        f"FROM {_ident(o.table)}"
    )
