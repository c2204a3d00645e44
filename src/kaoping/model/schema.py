"""The canonical data model: the tables a case-management export holds.

This module is the contract between the generator, the importer, the warehouse, the
indicator catalogue and the docs. The model itself is data: the default one is
``kaoping/model/default/model.yaml`` (docs/model.md), read by :mod:`kaoping.model.load`;
another is chosen with ``KAOPING_MODEL`` / ``--model`` (:mod:`kaoping.model.selection`).
Enumerations are stored in codes; their labels double as import aliases.

:data:`TABLES`, :data:`ENUMERATIONS`, :data:`LOAD_ORDER` and :data:`BOOLEAN_ALIASES` are
views of the *active* model, looked up on every use, so the modules that imported them
follow a model chosen after their import. The named tables and enumerations
(:data:`ORGANS`, :data:`PERSONS`, :data:`DEPARTMENT`, ...) are the default model's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from kaoping.model.selection import active, default_model
from kaoping.model.types import (
    DUCKDB_TYPES,
    Column,
    ColumnType,
    DataModel,
    DateOrder,
    Enumeration,
    Hierarchy,
    Level,
    Table,
)

__all__ = [
    "BOOLEAN_ALIASES",
    "DUCKDB_TYPES",
    "ENUMERATIONS",
    "LOAD_ORDER",
    "TABLES",
    "Column",
    "ColumnType",
    "DataModel",
    "DateOrder",
    "Enumeration",
    "Hierarchy",
    "Level",
    "Table",
    "table",
]


class _ActiveTables(Mapping[str, Table]):
    """The active model's tables, by name, in load order."""

    def __getitem__(self, name: str) -> Table:
        return active().tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(active().tables)

    def __len__(self) -> int:
        return len(active().tables)

    def __repr__(self) -> str:
        return f"TABLES({', '.join(self)})"


class _ActiveEnumerations(Mapping[str, Enumeration]):
    """The active model's enumerations, by name."""

    def __getitem__(self, name: str) -> Enumeration:
        return active().enumerations[name]

    def __iter__(self) -> Iterator[str]:
        return iter(active().enumerations)

    def __len__(self) -> int:
        return len(active().enumerations)


class _ActiveBooleans(Mapping[str, bool]):
    """The active model's spellings of true and false."""

    def __getitem__(self, spelling: str) -> bool:
        return active().booleans[spelling]

    def __iter__(self) -> Iterator[str]:
        return iter(active().booleans)

    def __len__(self) -> int:
        return len(active().booleans)


class _ActiveLoadOrder(Sequence[str]):
    """The active model's tables in the order they must be loaded so that references
    resolve."""

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return active().load_order[i]

    def __len__(self) -> int:
        return len(active().tables)

    def __repr__(self) -> str:
        return repr(active().load_order)


TABLES: Mapping[str, Table] = _ActiveTables()
ENUMERATIONS: Mapping[str, Enumeration] = _ActiveEnumerations()
BOOLEAN_ALIASES: Mapping[str, bool] = _ActiveBooleans()
LOAD_ORDER: Sequence[str] = _ActiveLoadOrder()

_DEFAULT: DataModel = default_model()

# --- the default model's tables and enumerations, by name -----------------------------

ORGANS = _DEFAULT.tables["organs"]
PROSECUTORS = _DEFAULT.tables["prosecutors"]
CRIMES = _DEFAULT.tables["crimes"]
PERSONS = _DEFAULT.tables["persons"]
SUGGESTIONS = _DEFAULT.tables["suggestions"]
PETITIONS = _DEFAULT.tables["petitions"]
LEADS = _DEFAULT.tables["leads"]
PROPERTY_RETURNS = _DEFAULT.tables["property_returns"]
QUALITY_REVIEWS = _DEFAULT.tables["quality_reviews"]
PUBLIC_INTEREST_CASES = _DEFAULT.tables["public_interest_cases"]

ARREST_DECISION = _DEFAULT.enumerations["arrest_decision"]
PROSECUTION_DECISION = _DEFAULT.enumerations["prosecution_decision"]
SENTENCING_RECOMMENDATION = _DEFAULT.enumerations["sentencing_recommendation"]
VERDICT = _DEFAULT.enumerations["verdict"]
DIFFICULTY = _DEFAULT.enumerations["difficulty"]
DEPARTMENT = _DEFAULT.enumerations["department"]
STATUTORY_MAX = _DEFAULT.enumerations["statutory_max"]
SUGGESTION_CATEGORY = _DEFAULT.enumerations["suggestion_category"]
LEAD_OUTCOME = _DEFAULT.enumerations["lead_outcome"]
REVIEW_GRADE = _DEFAULT.enumerations["review_grade"]
PUBLIC_INTEREST_FIELD = _DEFAULT.enumerations["public_interest_field"]


def table(name: str) -> Table:
    """The active model's table ``name``; the error lists the known tables."""
    return active().table(name)
