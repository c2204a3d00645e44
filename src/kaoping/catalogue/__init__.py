"""Indicator catalogues: typed definitions, their filter language, loading and validation.

The engine needs only :func:`load_catalogue`, the models, and from ``expr``: ``parse``,
``columns``, ``to_ibis`` and ``source_table``.
"""

from kaoping.catalogue.errors import CatalogueError, Problem
from kaoping.catalogue.expr import ExprError, ExprSyntaxError, columns, parse, to_ibis
from kaoping.catalogue.load import check_files, load_catalogue
from kaoping.catalogue.models import (
    ASPECTS,
    FAMILIES,
    SENTENCE_PLACEHOLDERS,
    Aggregation,
    Catalogue,
    Direction,
    Indicator,
    Measure,
    Range,
    ReasonableRange,
    Unit,
)
from kaoping.catalogue.virtual import VIRTUAL_COLUMNS, source_table, with_virtual_columns

__all__ = [
    "ASPECTS",
    "FAMILIES",
    "SENTENCE_PLACEHOLDERS",
    "VIRTUAL_COLUMNS",
    "Aggregation",
    "Catalogue",
    "CatalogueError",
    "Direction",
    "ExprError",
    "ExprSyntaxError",
    "Indicator",
    "Measure",
    "Problem",
    "Range",
    "ReasonableRange",
    "Unit",
    "check_files",
    "columns",
    "load_catalogue",
    "parse",
    "source_table",
    "to_ibis",
    "with_virtual_columns",
]
