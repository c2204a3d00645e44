"""The data model: tables, columns, enumerations and reference code lists."""

from kaoping.model.schema import ENUMERATIONS, LOAD_ORDER, TABLES, Column, Enumeration, Table, table

__all__ = ["ENUMERATIONS", "LOAD_ORDER", "TABLES", "Column", "Enumeration", "Table", "table"]
