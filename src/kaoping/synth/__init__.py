"""The synthetic national dataset: every table of the data model, calibrated to SPP figures.

``generate_dataset`` writes one file per table (``persons.parquet``, ``organs.csv``, ...), in
the canonical import format, so the same files exercise the importer that real exports go
through. Persons are streamed chunk by chunk; memory stays bounded whatever N is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kaoping.model.reference import load_crimes, load_organs
from kaoping.model.schema import TABLES, ColumnType, Table
from kaoping.synth import calibration as cal
from kaoping.synth.activities import build_activities
from kaoping.synth.gaming import NOTHING, GamingPlan, gaming_plan, plan_for
from kaoping.synth.persons import crime_mix, person_chunks
from kaoping.synth.profiles import build_profiles
from kaoping.synth.prosecutors import build_prosecutors

Format = Literal["csv", "parquet"]
#: called as progress(table, rows_written, rows_total)
Progress = Callable[[str, int, int], None]

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.TEXT: pa.string(),
    ColumnType.ENUM: pa.string(),
    ColumnType.INTEGER: pa.int32(),
    ColumnType.DECIMAL: pa.decimal128(18, 2),
    ColumnType.BOOLEAN: pa.bool_(),
    ColumnType.DATE: pa.date32(),
}


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in table.columns])


def parse_years(text: str) -> range:
    """'2019-2020' or '2020' -> range(2019, 2021)."""
    try:
        first, _, last = text.partition("-")
        start, stop = int(first), int(last or first)
    except ValueError:
        raise ValueError(f"years must look like 2019-2020 or 2020, got {text!r}") from None
    if not 1979 <= start <= stop <= 2100:
        raise ValueError(f"years {text!r}: expected FIRST-LAST with FIRST <= LAST, 1979-2100")
    return range(start, stop + 1)


class _Writer:
    """One output file, written batch by batch in the chosen format."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: Format) -> None:
        self.schema = schema
        self._w: pq.ParquetWriter | pacsv.CSVWriter
        if fmt == "parquet":
            self._w = pq.ParquetWriter(path, schema, compression="zstd")
        else:
            self._w = pacsv.CSVWriter(
                path, schema, write_options=pacsv.WriteOptions(quoting_style="needed")
            )

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        self._w.write_table(table.select(self.schema.names).cast(self.schema))

    def close(self) -> None:
        self._w.close()


def _from_frame(frame: pd.DataFrame, table: Table) -> pa.Table:
    data = {
        c.name: pa.array(
            [None if pd.isna(v) else v for v in frame[c.name]], type=ARROW_TYPES[c.type]
        )
        for c in table.columns
    }
    return pa.table(data)


def generate_dataset(
    out: Path,
    *,
    persons: int,
    years: range | tuple[int, int] = (2019, 2020),
    seed: int = 7,
    fmt: Format = "parquet",
    progress: Progress | None = None,
    plant: bool = True,
) -> dict[str, Path]:
    """Write every table to ``out``; returns table name -> file written.

    ``plant`` plants gaming in a few known organs (:mod:`kaoping.synth.gaming`;
    :func:`gaming_plan` says which); ``plant=False`` generates honest organs only."""
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if isinstance(years, tuple):
        years = range(years[0], years[1] + 1)
    out.mkdir(parents=True, exist_ok=True)
    organs, crimes = load_organs(), load_crimes()
    profiles = build_profiles(organs, np.random.default_rng([seed, 0]))
    per_year = persons / len(years) / max(cal.at(cal.VOLUME, years[-1]), 0.1)
    pros_table, pros_index = build_prosecutors(profiles, per_year, np.random.default_rng([seed, 2]))
    paths = {name: out / f"{name}.{fmt}" for name in TABLES}

    def whole(name: str, data: pa.Table) -> None:
        w = _Writer(paths[name], arrow_schema(TABLES[name]), fmt)
        w.write(data)
        w.close()
        if progress:
            progress(name, data.num_rows, data.num_rows)

    whole("organs", _from_frame(profiles.organs, TABLES["organs"]))
    whole("crimes", _from_frame(crimes, TABLES["crimes"]))
    whole("prosecutors", pros_table)
    writer = _Writer(paths["persons"], arrow_schema(TABLES["persons"]), fmt)
    done = 0
    try:
        for batch in person_chunks(
            persons=persons,
            years=years,
            seed=seed,
            profiles=profiles,
            mix=crime_mix(crimes, years),
            prosecutors=pros_index,
            plan=plan_for(profiles, seed) if plant else NOTHING,
        ):
            writer.write(batch)
            done += batch.num_rows
            if progress:
                progress("persons", done, persons)
    finally:
        writer.close()
    for name, data in build_activities(profiles, pros_index, years, persons, seed).items():
        whole(name, data)
    return paths


__all__ = [
    "Format",
    "GamingPlan",
    "arrow_schema",
    "gaming_plan",
    "generate_dataset",
    "parse_years",
]
