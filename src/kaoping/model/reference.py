"""Reference code lists shipped with kaoping: the procuratorates and the crimes.

Both lists are the fixed vocabulary every other table points to (``organs.organ_code``,
``crimes.crime_code``): the synthetic-data generator draws from them, the importer checks
references against them and the catalogue groups by them (crime chapter, serious violent
crime, the "three districts and three prefectures"). They are packaged CSV files, read
through :mod:`importlib.resources` so that they work from a wheel or a zip as well as from
a source checkout; ``src/kaoping/model/data/SOURCES.md`` says where they come from.

The loaders cache the parsed frame and hand out a fresh copy on each call, so a caller may
mutate what it gets without corrupting the next caller's list.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from kaoping.model.schema import CRIMES, ORGANS, ColumnType, Table

__all__ = ["load_crimes", "load_organs"]

_DATA_PACKAGE = "kaoping.model.data"


def _read(table: Table, filename: str) -> pd.DataFrame:
    """Read a packaged CSV, typing its columns from the schema.

    Everything is read as text first (so codes like ``000000`` keep their zeros), then
    integer columns become nullable ``Int64``, boolean columns ``bool``, and empty text
    cells ``None`` (so a missing parent is a real missing value, not ``""``).
    """
    source = resources.files("kaoping.model").joinpath("data", filename)
    with source.open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[])
    expected = list(table.column_names)
    if list(frame.columns) != expected:
        raise ValueError(
            f"{filename}: columns {list(frame.columns)} do not match the schema {expected}"
        )
    for col in table.columns:
        values = frame[col.name]
        if col.type is ColumnType.INTEGER:
            frame[col.name] = pd.to_numeric(values.mask(values == "")).astype("Int64")
        elif col.type is ColumnType.BOOLEAN:
            unknown = set(values) - {"true", "false"}
            if unknown:
                raise ValueError(f"{filename}: column {col.name} has non-boolean {unknown}")
            frame[col.name] = values.eq("true").astype(bool)
        else:
            frame[col.name] = values.astype(object).where(values != "", None)
    return frame


@cache
def _organs() -> pd.DataFrame:
    return _read(ORGANS, "organs.csv")


@cache
def _crimes() -> pd.DataFrame:
    return _read(CRIMES, "crimes.csv")


def load_organs() -> pd.DataFrame:
    """The four-level hierarchy of procuratorates, one row per organ.

    Columns follow :data:`kaoping.model.schema.ORGANS`: ``organ_code``, ``parent_code``
    (``None`` for the Supreme People's Procuratorate), ``level`` (``Int64``, 1-4),
    ``name_zh``, ``name_en``, ``division_code`` (GB/T 2260, ``None`` where the organ serves
    no single division) and ``three_regions`` (``bool``). Codes are strings. Returns a copy.
    """
    return _organs().copy()


def load_crimes() -> pd.DataFrame:
    """The crime catalogue (most prosecuted crimes of the Criminal Law, Part II).

    Columns follow :data:`kaoping.model.schema.CRIMES`: ``crime_code``, ``name_zh``,
    ``name_en``, ``article`` (text, e.g. ``133之一``), ``chapter`` (``Int64``, 1-10),
    ``serious_violent`` (``bool``), ``statutory_max`` (a ``statutory_max`` enumeration code)
    and ``statutory_max_years`` (``Int64``, only for fixed-term maxima). Returns a copy.
    """
    return _crimes().copy()
