"""The Spark compute backend: the catalogue on Apache Spark, from Parquet to Parquet.

The canonical tables are read from a directory of Parquet (``TABLE.parquet`` or
``TABLE/``: what `kaoping export --parquet` and `kaoping generate --format parquet`
write), checked against the data model and registered as Spark views; the engine's Ibis
queries then run on Spark through Ibis's pyspark backend. Intermediates are locally
checkpointed views (the pyspark backend has no temporary tables, and a checkpoint cuts
the lineage a re-used query would otherwise recompute). The results are written as one
Parquet run and published by its manifest (:mod:`kaoping.engine.backends.parquet`).

Needs the ``spark`` extra (``pip install -e '.[spark]'``) and Java 17.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from kaoping.engine.backends.parquet import (
    Manifest,
    manifest_name,
    read_meta,
    run_dir,
    source_candidates,
)

if TYPE_CHECKING:
    import ibis.backends.pyspark
    import ibis.expr.types as ir
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from kaoping.engine.compile import Plan
    from kaoping.engine.figures import SubjectType
    from kaoping.engine.store import Dimensions

__all__ = ["SparkCompute", "spark_session"]

#: DuckDB type (as kaoping's stored tables are declared) -> Spark SQL type
_SPARK_TYPES = {
    "VARCHAR": "STRING",
    "INTEGER": "INT",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
}


#: DuckDB type -> Arrow type, for the small tables written from pandas
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}


def spark_session(master: str, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession on ``master`` (``local[2]``, ``yarn``, ``spark://host:7077``,
    ``k8s://...``) with ``conf`` set; an existing session is reused, as Spark does."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("kaoping")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _compiler() -> Any:
    """Ibis's pyspark compiler with what kaoping needs and Ibis 12 lacks: ``BitOr``
    (Spark has ``bit_or``; the exact distinct counts OR month masks together)."""
    import ibis.expr.operations as ops
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    class Compiler(PySparkCompiler):  # type: ignore[misc]
        __slots__ = ()
        SIMPLE_OPS: ClassVar = {**PySparkCompiler.SIMPLE_OPS, ops.BitOr: "bit_or"}

    return Compiler()


def ibis_backend(session: SparkSession) -> ibis.backends.pyspark.Backend:
    """An Ibis backend over ``session`` that compiles everything the engine builds."""
    import ibis

    backend = ibis.pyspark.connect(session)
    backend.compiler = _compiler()
    return backend


class SparkCompute:
    """Compute on ``session`` from the canonical tables in ``source`` (a directory of
    Parquet, local or a Hadoop URI) into the results directory ``results``."""

    def __init__(
        self,
        session: SparkSession,
        source: str | Path,
        results: str | Path,
        *,
        hold: str = "checkpoint",
    ) -> None:
        if hold not in ("checkpoint", "cache"):
            raise ValueError(f"hold={hold!r}: checkpoint or cache")
        self.session = session
        self.hold = hold
        self.source = _absolute(source)
        self.results = _absolute(results)
        self.ibis = ibis_backend(session)
        self._held: dict[str, DataFrame] = {}
        for table in _model_tables():
            register_source(session, self.source, table)

    # --- intermediates --------------------------------------------------------------

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        self.ibis.create_view(name, expr, overwrite=True)
        df = self.session.table(name)
        if self.hold == "cache":
            # computed by the first query that reads it, kept for the others: no job of
            # its own, but the lineage stays in every later plan
            df.cache()
        else:
            # eager: computed now, once, and every later query reads the checkpoint
            df = df.localCheckpoint(eager=True)
            df.createOrReplaceTempView(name)
        self._held[name] = df
        table: ir.Table = self.ibis.table(name)
        return table

    def drop(self, names: Sequence[str]) -> None:
        for name in names:
            self.session.catalog.dropTempView(name)
            df = self._held.pop(name, None)
            if df is not None:
                df.unpersist()

    @contextmanager
    def tuned(self) -> Iterator[None]:
        # Spark is tuned where it runs (--spark-conf, spark-defaults.conf), not per run
        yield

    # --- what the run records and keeps ---------------------------------------------

    def data_version(self) -> int:
        from kaoping.warehouse import DATA_VERSION

        return int(read_meta(self.source).get(DATA_VERSION, 0))

    def stored_years(self) -> set[int]:
        # every Spark run is published whole: there is nothing kept to merge with
        return set()

    def subject_keys(self, subjects: pd.DataFrame, *, keep_stored: bool) -> pd.DataFrame:
        import pandas as pd

        out = subjects.reset_index(drop=True).copy()
        out.insert(0, "subject_key", pd.Series(range(1, len(out) + 1), dtype="int32"))
        return out.astype({"level": "int32"})

    def staging(self, plan: Plan, run_id: str) -> ParquetStaging:
        return ParquetStaging(self, plan, run_id)

    # --- writing --------------------------------------------------------------------

    def write_expr(self, expr: ir.Table, path: str) -> None:
        """Write ``expr`` (its in-memory tables registered with Spark) to ``path``."""
        name = f"__kaoping_write_{uuid.uuid4().hex[:8]}"
        self.ibis.create_view(name, expr, overwrite=True)
        try:
            self.write(self.session.table(name), path)
        finally:
            self.session.catalog.dropTempView(name)

    def write(self, df: DataFrame, path: str, *, small: bool = False) -> None:
        (df.coalesce(1) if small else df).write.mode("errorifexists").parquet(path)

    def write_empty(self, columns: Mapping[str, str], path: str) -> None:
        """Write an empty table of ``columns`` (name -> DuckDB type) to ``path``."""
        schema = ", ".join(f"`{c}` {_SPARK_TYPES[t]}" for c, t in columns.items())
        self.write(self.session.createDataFrame([], schema=schema), path)

    def write_frame(self, frame: pd.DataFrame, columns: Mapping[str, str], path: str) -> None:
        """Write the pandas ``frame``'s ``columns`` (name -> DuckDB type) to ``path``."""
        schema = pa.schema([(c, _ARROW_TYPES[t]) for c, t in columns.items()])
        # from pandas, a missing number (NaN) becomes NULL, as DuckDB reads it
        table = pa.Table.from_pandas(frame[list(columns)], schema=schema, preserve_index=False)
        self.write(self.session.createDataFrame(table), path, small=True)

    def write_text(self, path: str, text: str) -> None:
        """Write a small file through Hadoop's file system, so that a manifest lands on
        HDFS or an object store as the Parquet does."""
        fs, hpath = self._fs(path)
        out = fs.create(hpath, False)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()

    def delete(self, path: str) -> None:
        fs, hpath = self._fs(path)
        fs.delete(hpath, True)

    def exists(self, path: str) -> bool:
        return exists(self.session, path)

    def _fs(self, path: str) -> tuple[Any, Any]:
        return _hadoop_fs(self.session, path)


class ParquetStaging:
    """One Spark run's results, written to ``runs/<run_id>/`` and published by its
    manifest."""

    def __init__(self, engine: SparkCompute, plan: Plan, run_id: str) -> None:
        self.engine, self.plan = engine, plan
        self.run_id = run_id
        self.dir = f"{engine.results}/{run_dir(self.run_id)}"
        self.prefix = f"__kaoping_run_{self.run_id[:8]}_"
        self.tables: dict[str, str] = {}

    def _path(self, name: str) -> str:
        self.tables[name] = f"{run_dir(self.run_id)}/{name}"
        return f"{self.dir}/{name}"

    def write(self, index: int, subjects: SubjectType, figures: ir.Table | None) -> None:
        from kaoping.engine.figures import KEY_COLUMNS, part_columns, part_table
        from kaoping.engine.store import _typed

        name = part_table(index, subjects)
        types = {c: KEY_COLUMNS.get(c, "DOUBLE") for c in part_columns(self.plan.parts[index])}
        if figures is None:
            schema = ", ".join(f"`{c}` {_SPARK_TYPES[t]}" for c, t in types.items())
            self.engine.write(
                self.engine.session.createDataFrame([], schema=schema), self._path(name)
            )
        else:
            self.engine.write_expr(_typed(figures, types).order_by("pid"), self._path(name))

    def discard(self) -> None:
        if self.engine.exists(self.dir):
            self.engine.delete(self.dir)

    def commit(
        self,
        dims: Dimensions,
        *,
        replace_years: Sequence[int] | None,
        written_years: Sequence[int],
        run: dict[str, object],
    ) -> int:
        """Write the small tables and the organs' figures, then the manifest; returns
        the number of figures. ``replace_years`` is not needed: a Spark run is always
        published whole (of the years it computed)."""
        from kaoping.engine import results as names
        from kaoping.engine import store
        from kaoping.engine.figures import has_rows, indicator_row_count, part_table

        engine = self.engine
        frames = {
            names.LAYOUT_TABLE: store._layout(self.plan),
            names.SUBJECTS_TABLE: dims.subjects,
            names.PERIODS_TABLE: dims.periods,
            names.PARAMS_TABLE: dims.params,
            names.YEARS_TABLE: dims.years,
        }
        for name, frame in frames.items():
            engine.write_frame(frame, store._TABLES[name], self._path(name))
        for name in self.tables:
            self._register(name)
        pids = dims.periods["pid"].tolist()
        rows = 0
        if has_rows(self.plan, "prosecutor"):
            staged = [
                engine.ibis.table(self.prefix + part_table(i, "prosecutor"))
                for i in range(len(self.plan.parts))
            ]
            rows += indicator_row_count(self.plan, staged, pids)
        prosecutors = store.prosecutor_rows_expr(engine.ibis, self.plan, self.prefix)
        where = self._path(names.PROSECUTOR_ROWS_TABLE)
        if prosecutors is None:
            engine.write_empty(store.PROSECUTOR_ROWS_COLUMNS, where)
        else:
            engine.write_expr(prosecutors, where)
        self._register(names.PROSECUTOR_ROWS_TABLE)
        organ = store.organ_figures_expr(engine.ibis, self.plan, pids, self.prefix)
        organ = organ.order_by("pid", "subject_key")
        engine.write_expr(organ, self._path(names.ORGAN_FIGURES_TABLE))
        rows += self._register(names.ORGAN_FIGURES_TABLE).count()
        finished = datetime.now()
        manifest = Manifest(
            run_id=self.run_id,
            finished_at=finished.isoformat(),
            tables=dict(self.tables),
            views=self._views(),
            source=engine.source,
            data_version=int(str(run.get("data_version") or 0)),
            run={**run, "finished_at": finished.isoformat(), "rows_written": rows},
        )
        # last: from now on readers read this run
        where = f"{engine.results}/{manifest_name(finished, self.run_id)}"
        engine.write_text(where, manifest.to_json())
        for name in self.tables:
            engine.session.catalog.dropTempView(self.prefix + name)
        return rows

    def _register(self, name: str) -> DataFrame:
        df = self.engine.session.read.parquet(f"{self.dir}/{name}")
        df.createOrReplaceTempView(self.prefix + name)
        return df

    def _views(self) -> dict[str, str]:
        """The DuckDB SQL of the results views, compiled from the same Ibis expressions
        as the DuckDB warehouse's views, over tables of the written tables' schemas."""
        import ibis

        from kaoping.engine import store

        engine, prefix = self.engine, self.prefix

        class Written:
            """``.table(name)``: an unbound table of the written table's schema, so that
            the SQL names the table, not a Spark view."""

            def table(self, name: str) -> ir.Table:
                schema = engine.ibis.table(prefix + name).schema()
                return ibis.table(schema, name=name)

        return store.views_sql(Written(), self.plan)


# --- the canonical tables ---------------------------------------------------------------


def _model_tables() -> list[str]:
    from kaoping.model.schema import TABLES

    return list(TABLES)


#: the data model's column types -> the Spark types accepted for them, and the one cast to
_ACCEPTED: dict[str, tuple[tuple[str, ...], str]] = {
    "text": (("string",), "string"),
    "enum": (("string",), "string"),
    "integer": (("int", "bigint", "smallint", "tinyint"), "int"),
    "decimal": (("decimal", "double", "float", "int", "bigint"), "decimal(18,2)"),
    "boolean": (("boolean",), "boolean"),
    "date": (("date",), "date"),
}


def register_source(session: SparkSession, source: str, table: str) -> None:
    """Read the canonical ``table`` from ``source``, check its columns against the data
    model and register it as a Spark view of the model's column types."""
    from kaoping.model.schema import TABLES

    found = [p for p in source_candidates(source, table) if exists(session, p)]
    if not found:
        file, directory = source_candidates(source, table)
        raise FileNotFoundError(
            f"{source}: no table {table} (expected {file} or a directory {directory}/); "
            "write one with `kaoping export --parquet DIR`"
        )
    path = found[0]
    df = session.read.parquet(path)
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    columns = []
    for col in TABLES[table].columns:
        accepted, target = _ACCEPTED[str(col.type)]
        if col.name not in types:
            raise ValueError(
                f"{path}: no column {col.name!r} ({col.type} expected, see docs/data-format.md)"
            )
        kind = types[col.name].split("(")[0]
        if kind not in accepted:
            raise ValueError(
                f"{path}: column {col.name!r} is {types[col.name]}, {col.type} expected "
                f"(one of {', '.join(accepted)})"
            )
        columns.append(df[col.name].cast(target).alias(col.name))
    df.select(*columns).createOrReplaceTempView(table)


def exists(session: SparkSession, path: str) -> bool:
    fs, hpath = _hadoop_fs(session, path)
    return bool(fs.exists(hpath))


def _hadoop_fs(session: SparkSession, path: str) -> tuple[Any, Any]:
    jvm: Any = session._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    conf = session._jsc.hadoopConfiguration()
    return hpath.getFileSystem(conf), hpath


def _absolute(path: str | Path) -> str:
    """``path`` as Spark and DuckDB both read it: a URI as it is, a local path absolute
    (a relative path would be taken from each executor's working directory)."""
    text = str(path)
    return text.rstrip("/") if "://" in text else str(Path(text).resolve())
