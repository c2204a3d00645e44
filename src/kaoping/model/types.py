"""The data model's objects: what the model file declares, typed for the code that uses it.

They are plain frozen dataclasses, built once by :mod:`kaoping.model.load` from a model
file; every consumer (importer, warehouse, catalogue checker, docs) reads them and none
writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ColumnType(StrEnum):
    """Logical column types; each maps to one DuckDB type and one Arrow type."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"


DUCKDB_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.DECIMAL: "DECIMAL(18,2)",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.ENUM: "VARCHAR",
}


@dataclass(frozen=True)
class Enumeration:
    """A closed set of codes, each with the label exports write for it.

    ``labels`` holds each code's label in the model's primary language (Chinese in the
    default model); ``translations`` every language's. Every label doubles as an import
    alias of its code.
    """

    name: str
    labels: dict[str, str]  # code -> label in the primary language
    extra_aliases: dict[str, str] = field(default_factory=dict)  # alias -> code
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> lang -> label

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str, language: str) -> str:
        """The label of ``code`` in ``language``, else in the primary language."""
        return self.translations.get(code, {}).get(language) or self.labels[code]

    def aliases(self) -> dict[str, str]:
        """Every accepted spelling (code, any label, extra alias) mapped to its code."""
        out = {code: code for code in self.labels}
        out.update({label: code for code, label in self.labels.items()})
        for code, by_language in self.translations.items():
            for label in by_language.values():
                out.setdefault(label, code)
        out.update(self.extra_aliases)
        return out


@dataclass(frozen=True)
class Column:
    """One column. ``label_zh`` is its label in the model's primary language (Chinese in
    the default model, whose name it keeps); ``labels`` holds every language's."""

    name: str
    type: ColumnType
    label_zh: str
    description: str
    required: bool = False
    enum: Enumeration | None = None
    references: str | None = None  # "table.column" this column must match
    aliases: tuple[str, ...] = ()  # further header spellings besides the labels
    minimum: float | None = None
    labels: Mapping[str, str] = field(default_factory=dict)  # language -> label

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    def header_aliases(self) -> tuple[str, ...]:
        others = tuple(v for v in self.labels.values() if v != self.label_zh)
        return (self.name, self.label_zh, *others, *self.aliases)


@dataclass(frozen=True)
class DateOrder:
    """`earlier` must not fall after `later` when both are present."""

    earlier: str
    later: str


@dataclass(frozen=True)
class Table:
    name: str
    label_zh: str  # the label in the model's primary language, as for Column
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_orders: tuple[DateOrder, ...] = ()
    aliases: tuple[str, ...] = ()  # file-name stems that also mean this table
    labels: Mapping[str, str] = field(default_factory=dict)  # language -> label

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Level:
    """One level of the organ hierarchy (1 is the top)."""

    level: int
    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Hierarchy:
    """Which table holds the organs, which of its columns make the tree, and its levels."""

    table: str
    code: str
    parent: str
    level: str
    levels: tuple[Level, ...]
    #: language -> the column holding the organ's name in it, e.g. {zh: name_zh}
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DataModel:
    """A whole model: its tables in load order (a table after those it references)."""

    name: str
    title: Mapping[str, str]
    languages: tuple[str, ...]
    required_languages: tuple[str, ...]
    tables: Mapping[str, Table]
    enumerations: Mapping[str, Enumeration]
    booleans: Mapping[str, bool]
    hierarchy: Hierarchy | None
    source: str  # the file it was read from ("default" for the packaged one)
    sha256: str  # of the file's bytes and its bases', so a warehouse can tell models apart
    extends: str | None = None
    #: the model's suppression rules for publication (docs/publication.md), if it has any
    suppression: Mapping[str, Any] | None = None

    @property
    def load_order(self) -> tuple[str, ...]:
        return tuple(self.tables)

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            known = ", ".join(self.tables)
            raise KeyError(f"unknown table {name!r}; known tables: {known}") from None
