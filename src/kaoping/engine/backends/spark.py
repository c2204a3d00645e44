"""The Spark compute backend: the catalogue on Apache Spark, into Parquet.

The canonical tables are read from a directory of Parquet (``TABLE.parquet`` or
``TABLE/``: what `kaoping export --parquet` and `kaoping generate --format parquet`
write) or from a database of the session's Spark/Hive catalogue (``catalog:DATABASE``),
checked against the data model and registered as Spark views; the engine's Ibis
queries then run on Spark through Ibis's pyspark backend. Intermediates are cached views
(the pyspark backend has no temporary tables; ``hold="checkpoint"`` checkpoints them
instead). The results are written as one Parquet run and published by its manifest
(:mod:`kaoping.engine.backends.parquet`). Spark's cost is per job, so what the driver
holds or can read itself -- the small tables, the sources' schemas, the count of
figures -- is written or read from the driver (docs/spark.md, *Jobs*).

Needs the ``spark`` extra (``pip install -e '.[spark]'``) and Java 17.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from kaoping.engine.backends.parquet import (
    CATALOG_PREFIX,
    MANIFESTS_DIR,
    SOURCE_DIGEST,
    Manifest,
    catalog_database,
    manifest_name,
    read_meta,
    run_dir,
    source_candidates,
    superseded,
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

#: the partition column of a cube's dataset: its organs' and prosecutors' tables are
#: ``cube_<i>/subject_type=organ/`` and ``.../subject_type=prosecutor/``
SUBJECT_PARTITION = "subject_type"

#: DuckDB type (as kaoping's stored tables are declared) -> Spark SQL type
_SPARK_TYPES = {
    "VARCHAR": "STRING",
    "INTEGER": "INT",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
}


#: DuckDB type -> Ibis type
_IBIS_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
    "BOOLEAN": "boolean",
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
    Parquet, local or a Hadoop URI, or ``catalog:DATABASE``: a database of the session's
    Spark/Hive catalogue) into the results directory ``results``."""

    def __init__(
        self,
        session: SparkSession,
        source: str | Path,
        results: str | Path,
        *,
        hold: str = "cache",
        keep: int | None = None,
    ) -> None:
        if hold not in ("checkpoint", "cache"):
            raise ValueError(f"hold={hold!r}: checkpoint or cache")
        from kaoping.versions import keep_versions

        self.session = session
        self.hold = hold
        #: the runs kept besides the newest when a run is published (see :meth:`prune_runs`)
        self.keep = keep_versions() if keep is None else max(0, keep)
        self.source = _absolute(source)
        self.results = _absolute(results)
        self.ibis = ibis_backend(session)
        self._held: dict[str, DataFrame] = {}
        for table in _model_tables():
            register_source(session, self.source, table)
        from kaoping.warehouse import DATA_VERSION

        #: the state of a source without a data version of its own -- a catalogue, or
        #: Parquet no export wrote -- as it was registered (its digest, when its files
        #: last changed): what its data version is derived from (:meth:`data_version`)
        self.source_state: dict[str, str] = (
            {}
            if DATA_VERSION in read_meta(self.source)
            else source_state(session, self.source, _model_tables())
        )

    # --- intermediates --------------------------------------------------------------

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        self.ibis.create_view(name, expr, overwrite=True)
        df = self.session.table(name)
        # cache: computed by the first job that reads it, kept for the others -- no job
        # of its own, but the lineage stays in every later plan; checkpoint: computed
        # now, in a job of its own, and every later query reads the checkpoint
        df = df.cache() if self.hold == "cache" else df.localCheckpoint(eager=True)
        # the view is the frame's plan from now on, not the SQL it was made from, so
        # that it outlives the views that SQL names
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
        # Spark is tuned where it runs (--spark-conf, spark-defaults.conf); the one
        # setting kaoping makes is to join without broadcasting: every broadcast of a
        # small table (periods, organ keys, the ancestor closure) is a job of its own,
        # dozens per cube, and the organ x period grid broadcast needs gigabytes of the
        # driver's memory
        conf = self.session.conf
        key = "spark.sql.autoBroadcastJoinThreshold"
        before = conf.get(key)
        conf.set(key, "-1")
        try:
            yield
        finally:
            if before is None:
                conf.unset(key)
            else:
                conf.set(key, before)

    # --- what the run records and keeps ---------------------------------------------

    def data_version(self) -> int:
        """The export's data version (``_kaoping.json``) for a directory of Parquet. A
        catalogue (or Parquet no export wrote) holds none: its version is derived from
        the tables' files, counted in
        this results directory -- the published run's version when the files are the
        ones it read (the same digest), one more when they changed -- so that it grows
        as the data change, as an import's does."""
        from kaoping.warehouse import DATA_VERSION

        if not self.source_state:
            return int(read_meta(self.source).get(DATA_VERSION, 0))
        published = self.published()
        if published is None:
            return 1
        same = published.run.get(SOURCE_DIGEST) == self.source_state[SOURCE_DIGEST]
        return int(published.data_version or 0) + (0 if same else 1)

    def published(self) -> Manifest | None:
        """The newest published run of the results directory (None before the first)."""
        names = self._manifests()
        if not names:
            return None
        return Manifest.from_json(self._read_text(names[-1]), names[-1])

    def _manifests(self) -> list[str]:
        """The published manifests' paths, oldest first (the names sort by time)."""
        fs, hpath = self._fs(f"{self.results}/{MANIFESTS_DIR}")
        if not fs.exists(hpath):
            return []
        names = sorted(str(f.getPath().toString()) for f in fs.listStatus(hpath) if f.isFile())
        return [n for n in names if n.endswith(".json")]

    def prune_runs(self, keep: int | None = None) -> list[str]:
        """Delete the runs older than the newest and the ``keep`` before it (default: the
        engine's ``keep``, ``KAOPING_KEEP_VERSIONS``): the run directories only their
        manifests name, then those manifests (a directory first, so that no manifest is
        left naming a deleted run after a failure in between). Returns the directories
        deleted. A reader of a deleted run's manifest -- one that opened it before the
        ``keep`` runs after it were published -- loses it, as a reader of a deleted
        warehouse version would."""
        names = self._manifests()
        manifests = [(n, Manifest.from_json(self._read_text(n), n)) for n in names]
        dirs, old = superseded(manifests, self.keep if keep is None else max(0, keep))
        for rel in dirs:
            if self.exists(f"{self.results}/{rel}"):
                self.delete(f"{self.results}/{rel}")
        for name in old:
            self.delete(name)
        return dirs

    def stored(self, manifest: Manifest, name: str) -> pd.DataFrame:
        """The published table ``name`` of ``manifest``'s run, whole (a small table)."""
        from kaoping.engine import store

        schema = _schema(store._TABLES[name])
        paths = [f"{self.results}/{e['path']}" for e in manifest.tables[name]]
        frame: pd.DataFrame = self.session.read.schema(schema).parquet(*paths).toPandas()
        return frame

    def stored_grid(self, manifest: Manifest) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The organs' grid of ``manifest``'s run: (indicator, pid) computed and
        (subject_key, year) of the organs computed. A run published before the grid was
        stored stored its organs' figures whole, so their keys are the grid (a job)."""
        from kaoping.engine import results as names

        if names.ORGAN_PERIODS_TABLE in manifest.tables:
            return (
                self.stored(manifest, names.ORGAN_PERIODS_TABLE),
                self.stored(manifest, names.ORGAN_YEARS_TABLE),
            )
        from functools import reduce

        from pyspark.sql import functions as F

        parts = []
        for entry in manifest.tables[names.ORGAN_FIGURES_TABLE]:
            df = self.session.read.parquet(f"{self.results}/{entry['path']}")
            df = df.select("indicator", "pid", "subject_key")
            if entry.get("years") is not None:
                df = df.filter(F.expr("pid div 100").isin([int(y) for y in entry["years"]]))
            parts.append(df)
        figures = reduce(lambda a, b: a.unionByName(b), parts)
        pairs = figures.select("indicator", "pid").distinct().toPandas()
        organs = figures.select(
            "subject_key", F.expr("CAST(pid div 100 AS INT)").alias("year")
        ).distinct().toPandas()
        return pairs, organs

    def stored_years(self) -> set[int]:
        from kaoping.engine.results import PERIODS_TABLE

        manifest = self.published()
        if manifest is None:
            return set()
        return {int(y) for y in self.stored(manifest, PERIODS_TABLE)["year"]}

    def subject_keys(self, subjects: pd.DataFrame, *, keep_stored: bool) -> pd.DataFrame:
        import pandas as pd

        from kaoping.engine import store
        from kaoping.engine.results import SUBJECTS_TABLE

        manifest = self.published() if keep_stored else None
        old = self.stored(manifest, SUBJECTS_TABLE) if manifest is not None else pd.DataFrame()
        return store.keyed_subjects(subjects, old)

    def staging(self, plan: Plan, run_id: str) -> ParquetStaging:
        return ParquetStaging(self, plan, run_id)

    # --- writing --------------------------------------------------------------------

    def frame(self, expr: ir.Table) -> DataFrame:
        """``expr`` as a Spark frame, its plan resolved now: it outlives the views and
        intermediates it names (a held one dropped is recomputed, not missed)."""
        name = f"__kaoping_write_{uuid.uuid4().hex[:8]}"
        self.ibis.create_view(name, _unordered(expr), overwrite=True)
        try:
            return self.session.table(name)
        finally:
            self.session.catalog.dropTempView(name)

    def write_expr(self, expr: ir.Table, path: str, order: Sequence[str] = ()) -> None:
        """Write ``expr`` (its in-memory tables registered with Spark) to ``path``, each
        file in ``order`` -- a reader's period then skips most row groups; a global
        sort would be a job of its own."""
        df = self.frame(expr)
        self.write(df.sortWithinPartitions(*order) if order else df, path)

    def write(self, df: DataFrame, path: str, *, partition_by: Sequence[str] = ()) -> None:
        df.write.mode("errorifexists").partitionBy(*partition_by).parquet(path)

    def write_empty(self, columns: Mapping[str, str], path: str) -> None:
        """Write an empty table of ``columns`` (name -> DuckDB type) to ``path``."""
        schema = pa.schema([(c, _ARROW_TYPES[t]) for c, t in columns.items()])
        self._write_arrow(schema.empty_table(), path)

    def write_frame(self, frame: pd.DataFrame, columns: Mapping[str, str], path: str) -> None:
        """Write the pandas ``frame``'s ``columns`` (name -> DuckDB type) to ``path``."""
        schema = pa.schema([(c, _ARROW_TYPES[t]) for c, t in columns.items()])
        # from pandas, a missing number (NaN) becomes NULL, as DuckDB reads it
        table = pa.Table.from_pandas(frame[list(columns)], schema=schema, preserve_index=False)
        self._write_arrow(table.replace_schema_metadata(None), path)

    def _write_arrow(self, table: pa.Table, path: str) -> None:
        """Write a small table as the one Parquet file of the directory ``path``, from
        the driver: a Spark write would be a job of its own (a second each) for a table
        the driver holds already."""
        import pyarrow.parquet as pq

        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        self.write_bytes(f"{path}/part-00000.parquet", sink.getvalue().to_pybytes())

    def write_text(self, path: str, text: str) -> None:
        """Write a small file through Hadoop's file system, so that a manifest lands on
        HDFS or an object store as the Parquet does."""
        self.write_bytes(path, text.encode("utf-8"))

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write ``data`` to the file ``path`` through Hadoop's file system (local, HDFS,
        an object store: wherever the run's Parquet goes)."""
        fs, hpath = self._fs(path)
        out = fs.create(hpath, False)
        try:
            out.write(bytearray(data))
        finally:
            out.close()

    def count_rows(self, path: str) -> int:
        """The rows of the Parquet under ``path``, from the files' footers, read on the
        driver (a Spark count is a job)."""
        return sum(_footer(self.session, f)[0] for f in _parquet_files(self.session, path))

    def _read_text(self, path: str) -> str:
        fs, hpath = self._fs(path)
        stream = fs.open(hpath)
        try:
            reader = self.session._jvm.java.io.BufferedReader(  # type: ignore[union-attr]
                self.session._jvm.java.io.InputStreamReader(stream, "UTF-8")  # type: ignore[union-attr]
            )
            return "\n".join(iter(reader.readLine, None))
        finally:
            stream.close()

    def delete(self, path: str) -> None:
        fs, hpath = self._fs(path)
        fs.delete(hpath, True)

    def exists(self, path: str) -> bool:
        return exists(self.session, path)

    def _fs(self, path: str) -> tuple[Any, Any]:
        return _hadoop_fs(self.session, path)


class ParquetStaging:
    """One Spark run's results, written to ``runs/<run_id>/`` and published by its
    manifest.

    A partial run (``--years``) writes only the years it computes; its manifest names
    the other years in the runs that wrote them (see
    :class:`~kaoping.engine.backends.parquet.Manifest`) -- where the DuckDB warehouse
    deletes and inserts a year's rows (:class:`kaoping.engine.store.Staging`).
    """

    def __init__(self, engine: SparkCompute, plan: Plan, run_id: str) -> None:
        self.engine, self.plan = engine, plan
        self.run_id = run_id
        self.dir = f"{engine.results}/{run_dir(self.run_id)}"
        self.prefix = f"__kaoping_run_{self.run_id[:8]}_"
        #: table -> where its rows are (the manifest's entries)
        self.tables: dict[str, list[dict[str, Any]]] = {}
        #: table -> its columns (name -> DuckDB type), to read it without a job
        self.schemas: dict[str, dict[str, str]] = {}
        #: a cube's figures staged and not yet written: (index, subjects, frame)
        self._pending: list[tuple[int, SubjectType, DataFrame]] = []

    def _path(self, name: str, columns: Mapping[str, str], years: Sequence[int] | None) -> str:
        rel = f"{run_dir(self.run_id)}/{name}"
        self.tables[name] = [{"path": rel, "years": None if years is None else list(years)}]
        self.schemas[name] = dict(columns)
        return f"{self.dir}/{name}"

    def write(self, index: int, subjects: SubjectType, figures: ir.Table | None) -> None:
        """Stage a cube's figures of ``subjects``: held until the cube's other subjects
        come, then both written by one job (see :meth:`_flush`)."""
        from kaoping.engine.figures import KEY_COLUMNS, part_columns
        from kaoping.engine.store import _typed

        if self._pending and self._pending[0][0] != index:
            self._flush()
        types = {c: KEY_COLUMNS.get(c, "DOUBLE") for c in part_columns(self.plan.parts[index])}
        if figures is None:
            self.engine.write_empty(types, self._cube_path(index, subjects, types, None))
        else:
            # resolved now, while the cube's intermediates are held
            self._pending.append((index, subjects, self.engine.frame(_typed(figures, types))))
        if len(self._pending) == 2 or subjects == "prosecutor":
            self._flush()

    def _cube_path(
        self, index: int, subjects: SubjectType, types: Mapping[str, str], under: str | None
    ) -> str:
        """Where the table of ``subjects`` of cube ``index`` goes: its own directory, or
        ``under``'s partition of them."""
        from kaoping.engine.figures import part_table

        name = part_table(index, subjects)
        if under is None:
            # the years are known at commit; until then the table's rows are all this run's
            return self._path(name, types, None)
        rel = f"{run_dir(self.run_id)}/{under}/{SUBJECT_PARTITION}={subjects}"
        self.tables[name] = [{"path": rel, "years": None}]
        self.schemas[name] = dict(types)
        return f"{self.dir}/{under}"

    def _flush(self) -> None:
        """Write the cube's figures held: the organs' and the prosecutors' by one job,
        one dataset partitioned by subject type (a job is a second or more whatever its
        size), each file in period order."""
        from functools import reduce

        from pyspark.sql import functions as F

        from kaoping.engine.figures import KEY_COLUMNS, part_columns

        pending, self._pending = self._pending, []
        if not pending:
            return
        index = pending[0][0]
        types = {c: KEY_COLUMNS.get(c, "DOUBLE") for c in part_columns(self.plan.parts[index])}
        if len(pending) == 1:
            _, subjects, df = pending[0]
            where = self._cube_path(index, subjects, types, None)
            self.engine.write(df.sortWithinPartitions("pid"), where)
            return
        under = f"cube_{index}"
        frames = [df.withColumn(SUBJECT_PARTITION, F.lit(subjects)) for _, subjects, df in pending]
        where = ""
        for _, subjects, _ in pending:
            where = self._cube_path(index, subjects, types, under)
        both = reduce(lambda a, b: a.unionByName(b), frames)
        self.engine.write(
            both.sortWithinPartitions(SUBJECT_PARTITION, "pid"),
            where,
            partition_by=[SUBJECT_PARTITION],
        )

    def discard(self) -> None:
        self._pending = []
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
        """Write the small tables and the figures picked from the cubes' tables, then the
        manifest; returns the number of figures written.

        With ``replace_years`` None the run is published whole; otherwise (as
        :meth:`kaoping.engine.store.Staging.commit`) only the figures of
        ``written_years`` are this run's, the published run's other years are kept --
        named in the manifest where they lie, not written again -- and the organs'
        figures of a kept year that follows a replaced one are picked again, with the
        new previous year.
        """
        from kaoping.engine import results as names
        from kaoping.engine import store

        engine = self.engine
        self._flush()
        written = sorted(int(y) for y in written_years)
        for name in list(self.tables):
            self.tables[name][0]["years"] = written
        published = engine.published() if replace_years else None
        kept: list[int] = []
        if published is not None:
            kept = sorted(engine.stored_years() - set(replace_years or ()))
        pids = dims.periods["pid"].tolist()
        rebuilt = list(pids)
        if kept:
            assert published is not None
            store.check_layout(
                engine.stored(published, names.LAYOUT_TABLE), store._layout(self.plan), kept
            )
            dims = store.merged_dimensions(
                dims,
                replace_years or (),
                engine.stored(published, names.PERIODS_TABLE),
                engine.stored(published, names.YEARS_TABLE),
                *engine.stored_grid(published),
            )
            follows = {y + 1 for y in replace_years or ()} & set(kept)
            periods = dims.periods
            rebuilt += periods.loc[periods["year"].isin(list(follows)), "pid"].tolist()
            for name in self.tables:
                self.tables[name] += _kept(published.tables[name], written)
        frames = {
            names.LAYOUT_TABLE: store._layout(self.plan),
            names.SUBJECTS_TABLE: dims.subjects,
            names.PERIODS_TABLE: dims.periods,
            names.PARAMS_TABLE: dims.params,
            names.YEARS_TABLE: dims.years,
            names.ORGAN_PERIODS_TABLE: dims.organ_periods,
            names.ORGAN_YEARS_TABLE: dims.organ_years,
        }
        for name, frame in frames.items():
            engine.write_frame(
                frame, store._TABLES[name], self._path(name, store._TABLES[name], None)
            )
        for name in self.tables:
            self._register(name)
        # the prosecutors' rows of the years written, the organs' figures of the periods
        # rebuilt: picked from the cubes' tables as the manifest will name them
        rows_years = sorted({int(p) // 100 for p in rebuilt} | set(written))
        prosecutors = store.prosecutor_rows_expr(
            engine.ibis, self.plan, self.prefix, _pids_of(dims.periods, written) if kept else None
        )
        columns = store.PROSECUTOR_ROWS_COLUMNS
        where = self._path(names.PROSECUTOR_ROWS_TABLE, columns, written)
        if prosecutors is None:
            engine.write_empty(columns, where)
        else:
            engine.write_expr(prosecutors, where, ["pid", "subject_key"])
        columns = {c: t for c, (t, _) in store.FIGURES_COLUMNS.items()}
        organ = store.organ_figures_expr(engine.ibis, self.plan, rebuilt, self.prefix)
        where = self._path(names.ORGAN_FIGURES_TABLE, columns, rows_years)
        engine.write_expr(organ, where, ["pid", "subject_key"])
        if kept:
            assert published is not None
            for name, years in (
                (names.PROSECUTOR_ROWS_TABLE, written),
                (names.ORGAN_FIGURES_TABLE, rows_years),
            ):
                self.tables[name] += _kept(published.tables[name], years)
        # the figures this run wrote: the organs' grid of the periods rebuilt (its
        # empty cells are not stored, but the results show them), and the prosecutors'
        # rows from the files' footers, no job (a table's own directory holds only the
        # years it supplies)
        rows = dims.grid_size(rebuilt) + engine.count_rows(
            f"{engine.results}/{self.tables[names.PROSECUTOR_ROWS_TABLE][0]['path']}"
        )
        finished = datetime.now()
        manifest = Manifest(
            run_id=self.run_id,
            finished_at=finished.isoformat(),
            tables={n: list(e) for n, e in self.tables.items()},
            views=self._views(),
            source=engine.source,
            data_version=int(str(run.get("data_version") or 0)),
            run={
                **run,
                "finished_at": finished.isoformat(),
                "rows_written": rows,
                **engine.source_state,
            },
        )
        # last: from now on readers read this run
        where = f"{engine.results}/{manifest_name(finished, self.run_id)}"
        engine.write_text(where, manifest.to_json())
        for name in self.tables:
            engine.session.catalog.dropTempView(self.prefix + name)
        # after the manifest: the runs this one replaced go, bar the kept ones
        engine.prune_runs()
        return rows

    def _frame(self, entries: Sequence[Mapping[str, Any]], name: str) -> DataFrame:
        """The rows of ``entries`` (of table ``name``), the years each supplies."""
        from functools import reduce

        from pyspark.sql import functions as F

        schema = _schema(self.schemas[name])
        read = self.engine.session.read
        parts = []
        for entry in entries:
            df = read.schema(schema).parquet(f"{self.engine.results}/{entry['path']}")
            if entry.get("years") is not None:
                df = df.filter(F.expr("pid div 100").isin([int(y) for y in entry["years"]]))
            parts.append(df)
        return reduce(lambda a, b: a.unionByName(b), parts)

    def _register(self, name: str) -> None:
        # with its schema given, a table is read without a job inferring it
        self._frame(self.tables[name], name).createOrReplaceTempView(self.prefix + name)

    def _views(self) -> dict[str, str]:
        """The DuckDB SQL of the results views, compiled from the same Ibis expressions
        as the DuckDB warehouse's views, over tables of the written tables' schemas."""
        import ibis

        from kaoping.engine import store

        schemas = self.schemas

        class Written:
            """``.table(name)``: an unbound table of the written table's schema, so that
            the SQL names the table, not a Spark view."""

            def table(self, name: str) -> ir.Table:
                columns = schemas[name]
                return ibis.table({c: _IBIS_TYPES[t] for c, t in columns.items()}, name=name)

        return store.views_sql(Written(), self.plan)


def _kept(entries: Sequence[Mapping[str, Any]], replaced: Sequence[int]) -> list[dict[str, Any]]:
    """A published table's ``entries`` without the years ``replaced`` (an entry of all
    its rows -- a small table -- is replaced whole, so it is not kept)."""
    out = []
    for entry in entries:
        if entry.get("years") is None:
            continue
        years = [int(y) for y in entry["years"] if int(y) not in set(replaced)]
        if years:
            out.append({"path": entry["path"], "years": years})
    return out


def _pids_of(periods: pd.DataFrame, years: Sequence[int]) -> list[int]:
    return [int(p) for p in periods.loc[periods["year"].isin(list(years)), "pid"]]


def _schema(columns: Mapping[str, str]) -> str:
    """A Spark DDL schema of ``columns`` (name -> DuckDB type)."""
    return ", ".join(f"`{c}` {_SPARK_TYPES[t]}" for c, t in columns.items())


def _unordered(expr: ir.Table) -> ir.Table:
    """``expr`` without its final ORDER BY: a global sort is a job of its own on Spark."""
    import ibis.expr.operations as ops

    op = expr.op()
    if isinstance(op, ops.Sort):
        parent: ir.Table = op.parent.to_expr()
        return parent
    return expr


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
    """Read the canonical ``table`` from ``source`` (a directory of Parquet, or
    ``catalog:DATABASE``: a database of the session's catalogue), check its columns
    against the data model and register it as a Spark view of the model's column types."""
    from kaoping.model.schema import TABLES

    database = catalog_database(source)
    if database is None:
        where, df, types = _parquet_source(session, source, table)
    else:
        where, df = _catalog_source(session, database, table)
        # a catalogue table's schema is the catalogue's: no job reads it
        types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    columns = []
    for col in TABLES[table].columns:
        accepted, target = _ACCEPTED[str(col.type)]
        if col.name not in types:
            raise ValueError(
                f"{where}: no column {col.name!r} ({col.type} expected, see docs/data-format.md)"
            )
        kind = types[col.name].split("(")[0]
        if kind not in accepted:
            raise ValueError(
                f"{where}: column {col.name!r} is {types[col.name]}, {col.type} expected "
                f"(one of {', '.join(accepted)})"
            )
        columns.append(df[col.name].cast(target).alias(col.name))
    df.select(*columns).createOrReplaceTempView(table)


def _parquet_source(
    session: SparkSession, source: str, table: str
) -> tuple[str, DataFrame, dict[str, str]]:
    """(its path, the frame, column -> Spark type) of the canonical ``table`` in the
    Parquet directory ``source``, its schema read on the driver where it can be."""
    from kaoping.model.schema import TABLES

    found = [p for p in source_candidates(source, table) if exists(session, p)]
    if not found:
        file, directory = source_candidates(source, table)
        raise FileNotFoundError(
            f"{source}: no table {table} (expected {file} or a directory {directory}/); "
            "write one with `kaoping export --parquet DIR`"
        )
    path = found[0]
    model = TABLES[table].column_names
    types = _file_types(session, path, model)
    if types is None:  # a type kaoping does not map: Spark infers them (a job)
        df = session.read.parquet(path)
        return path, df, {f.name: f.dataType.simpleString() for f in df.schema.fields}
    given = [c for c in model if c in types]
    df = session.read.schema(", ".join(f"`{c}` {types[c]}" for c in given)).parquet(path)
    return path, df, types


def _catalog_source(session: SparkSession, database: str, table: str) -> tuple[str, DataFrame]:
    """(``database.table``, the frame) of the canonical ``table`` in ``database`` of the
    session's catalogue (Hive's, or Spark's own)."""
    if not session.catalog.databaseExists(database):
        kind = session.conf.get("spark.sql.catalogImplementation", "in-memory")
        raise FileNotFoundError(
            f"{CATALOG_PREFIX}{database}: no database {database} in the Spark catalogue "
            f"(spark.sql.catalogImplementation={kind})"
        )
    name = f"`{database}`.`{table}`"
    if not session.catalog.tableExists(name):
        raise FileNotFoundError(
            f"{CATALOG_PREFIX}{database}: no table {table} in the Spark catalogue's database "
            f"{database} (write one with `DataFrame.write.saveAsTable('{database}.{table}')`)"
        )
    return f"{database}.{table}", session.table(name)


def source_state(session: SparkSession, source: str, tables: Sequence[str]) -> dict[str, str]:
    """The state of the canonical ``tables`` in ``source`` (``catalog:DATABASE`` or a
    directory of Parquet): a digest of each table's name, schema (a catalogue's) and
    files (path, size, modification time) -- a change to a table's data writes files --
    and when a file last changed. Listed on the driver through Hadoop's file system, a
    directory at a time; Spark lists a catalogue table's files itself (``inputFiles``),
    on the driver too unless the table has more partitions than
    ``spark.sql.sources.parallelPartitionDiscovery.threshold``."""
    import hashlib
    import json

    from kaoping.warehouse import DATA_CHANGED_AT

    digest = hashlib.sha256()
    newest = 0
    database = catalog_database(source)
    for table in tables:
        if database is not None:
            df = session.table(f"`{database}`.`{table}`")
            files = sorted(str(f) for f in df.inputFiles())
            schema = df.schema.simpleString()
        else:
            path = next(p for p in source_candidates(source, table) if exists(session, p))
            files = [str(f.toString()) for f in _parquet_files(session, path)]
            schema = ""
        listed: dict[str, tuple[int, int]] = {}
        for parent in sorted({f.rsplit("/", 1)[0] for f in files}):
            fs, hpath = _hadoop_fs(session, parent)
            for status in fs.listStatus(hpath):
                name = str(status.getPath().toString())
                listed[name] = (int(status.getLen()), int(status.getModificationTime()))
        entries = [(f, *(listed[f] if f in listed else _status(session, f))) for f in files]
        newest = max([newest, *(e[2] for e in entries)])
        digest.update(json.dumps([table, schema, entries]).encode())
    state = {SOURCE_DIGEST: digest.hexdigest()}
    if newest:
        state[DATA_CHANGED_AT] = datetime.fromtimestamp(newest / 1000).isoformat()
    return state


def _status(session: SparkSession, path: str) -> tuple[int, int]:
    """(size, modification time in ms) of one file, for a path its directory's listing
    spells otherwise."""
    fs, hpath = _hadoop_fs(session, path)
    status = fs.getFileStatus(hpath)
    return int(status.getLen()), int(status.getModificationTime())


def _parquet_files(session: SparkSession, path: str) -> list[Any]:
    """The data files of ``path`` (a file, or a directory of parts and partitions) as
    Hadoop paths, in name order; hidden files (``_SUCCESS``, ``.crc``) left out, as
    Spark leaves them."""
    fs, hpath = _hadoop_fs(session, path)
    if fs.getFileStatus(hpath).isFile():
        return [hpath]
    out = []
    for status in fs.listStatus(hpath):
        name = str(status.getPath().getName())
        if name.startswith(("_", ".")):
            continue
        if status.isDirectory():
            out += _parquet_files(session, str(status.getPath().toString()))
        else:
            out.append(status.getPath())
    return sorted(out, key=lambda p: str(p.toString()))


def _footer(session: SparkSession, hpath: Any) -> tuple[int, Any]:
    """(rows, Parquet schema) of one Parquet file, from its footer, read on the driver."""
    jvm: Any = session._jvm
    conf = session._jsc.hadoopConfiguration()
    hadoop = jvm.org.apache.parquet.hadoop
    reader = hadoop.ParquetFileReader.open(hadoop.util.HadoopInputFile.fromPath(hpath, conf))
    try:
        return int(reader.getRecordCount()), reader.getFileMetaData().getSchema()
    finally:
        reader.close()


#: a Parquet physical type (without a logical type) -> the Spark type it is read as
_PHYSICAL = {
    "BOOLEAN": "boolean",
    "INT32": "int",
    "INT64": "bigint",
    "FLOAT": "float",
    "DOUBLE": "double",
    "BINARY": "binary",
}


def _spark_type(physical: str, logical: str) -> str | None:
    """The Spark type a top-level Parquet column is read as (``spark.read.parquet``'s
    inference), None for one not mapped here."""
    if not logical or logical == "null":
        return _PHYSICAL.get(physical)
    if logical in ("STRING", "ENUM", "JSON") and physical == "BINARY":
        return "string"
    if logical == "DATE" and physical == "INT32":
        return "date"
    if logical.startswith("DECIMAL(") and physical in ("INT32", "INT64", "BINARY",
                                                       "FIXED_LEN_BYTE_ARRAY"):
        return logical.lower()
    if logical.startswith("INTEGER(") and physical in ("INT32", "INT64"):
        bits, signed = logical[len("INTEGER("):-1].split(",")
        if signed.strip() == "true":
            return {"8": "tinyint", "16": "smallint", "32": "int", "64": "bigint"}[bits]
        return {"8": "smallint", "16": "int", "32": "bigint"}.get(bits)
    return None


def _file_types(
    session: SparkSession, path: str, wanted: Collection[str]
) -> dict[str, str] | None:
    """Column -> Spark type of the ``wanted`` columns the Parquet at ``path`` has (its
    first file's footer, as Spark reads one without merging schemas), worked out on the
    driver: Spark's own inference is a job per table. None when a column's type is not
    mapped here."""
    files = _parquet_files(session, path)
    if not files:
        return None
    _, schema = _footer(session, files[0])
    types = {}
    for field in schema.getFields():
        if str(field.getName()) not in wanted:
            continue
        if not field.isPrimitive() or str(field.getRepetition().name()) == "REPEATED":
            return None
        logical = field.getLogicalTypeAnnotation()
        physical = str(field.asPrimitiveType().getPrimitiveTypeName().name())
        kind = _spark_type(physical, "" if logical is None else str(logical.toString()))
        if kind is None:
            return None
        types[str(field.getName())] = kind
    return types


def exists(session: SparkSession, path: str) -> bool:
    fs, hpath = _hadoop_fs(session, path)
    return bool(fs.exists(hpath))


def _hadoop_fs(session: SparkSession, path: str) -> tuple[Any, Any]:
    jvm: Any = session._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    conf = session._jsc.hadoopConfiguration()
    return hpath.getFileSystem(conf), hpath


def _absolute(path: str | Path) -> str:
    """``path`` as Spark and DuckDB both read it: a URI (or a catalogue's database) as
    it is, a local path absolute (a relative path would be taken from each executor's
    working directory)."""
    text = str(path)
    if "://" in text or catalog_database(text) is not None:
        return text.rstrip("/")
    return str(Path(text).resolve())
