"""Results stored as Parquet: one directory per run, published by a manifest written last.

A results directory holds::

    RESULTS/
      runs/<run_id>/<table>/part-*.parquet    every stored table of one run
      manifests/<finished>-<run_id>.json      one per published run, written last

A manifest names the run's tables -- each as the directories holding its rows and, for
the tables of figures, the years each directory supplies: a partial recomputation
(``--years``) writes the years it recomputes and names the kept years in the runs that
wrote them, so nothing unchanged is written again --, the DuckDB SQL of the results
views over them (``indicator_values`` and its halves, compiled from the same Ibis
expressions as the DuckDB warehouse's views) and where the canonical tables were read
from. A writer
(:mod:`kaoping.engine.backends.spark`) writes every table of a run first and its
manifest last, so a reader, which takes the newest manifest, never sees half a run; a
failed run leaves a directory no manifest names.

Readers read through DuckDB: :func:`open_results` gives an in-memory DuckDB connection
whose views are the published run's tables (and the canonical tables), so
``kaoping show``, ``explain``, the API, the pages and the reports read a Spark
computation exactly as they read a DuckDB warehouse. Only this module knows the layout;
it imports neither Spark nor Ibis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import duckdb

__all__ = [
    "CATALOG_PREFIX",
    "MANIFEST_FORMAT",
    "META_FILE",
    "SOURCE_DIGEST",
    "Manifest",
    "catalog_database",
    "latest_manifest",
    "latest_manifest_path",
    "manifest_name",
    "open_results",
    "read_meta",
    "run_dirs",
    "source_candidates",
    "source_path",
    "superseded",
]

MANIFEST_FORMAT = 2
RUNS_DIR = "runs"
MANIFESTS_DIR = "manifests"
#: beside exported canonical tables: the warehouse's data version at export
META_FILE = "_kaoping.json"
#: a source of this prefix names a database of the Spark session's catalogue
#: (``catalog:kaoping``), not a directory of Parquet
CATALOG_PREFIX = "catalog:"
#: in a run's record: the digest of a source without a data version of its own (a
#: catalogue, Parquet no export wrote), its version derived from its files
SOURCE_DIGEST = "source_digest"


@dataclass(frozen=True)
class Manifest:
    """A published run (the JSON file's content)."""

    run_id: str
    finished_at: str
    #: table name -> where its rows are: [{"path": a directory, relative to the results
    #: directory, "years": the years of figures read from it (pid // 100), or None for
    #: all its rows}, ...]
    tables: dict[str, list[dict[str, Any]]]
    #: view name -> DuckDB SELECT over the tables, in the order they are created
    views: dict[str, str]
    #: where the canonical tables were read from: a directory of Parquet, or
    #: ``catalog:DATABASE`` (a database of the Spark catalogue, which readers cannot read)
    source: str
    data_version: int
    #: the run as ``compute_runs`` lists it (run_id, started_at, years, summary...)
    run: dict[str, Any]

    def to_json(self) -> str:
        body = {"format": MANIFEST_FORMAT, **self.__dict__}
        return json.dumps(body, ensure_ascii=False, default=_iso)

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        raw: dict[str, Any] = json.loads(text)
        if raw.get("format") != MANIFEST_FORMAT:
            raise ValueError(
                f"{where}: a results manifest of format {raw.get('format')!r}; this "
                f"kaoping reads format {MANIFEST_FORMAT}"
            )
        raw.pop("format")
        return cls(**raw)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def run_dir(run_id: str) -> str:
    return f"{RUNS_DIR}/{run_id}"


def manifest_name(finished: datetime, run_id: str) -> str:
    """The manifest's path in the results directory; sorting the names sorts the runs."""
    return f"{MANIFESTS_DIR}/{finished.strftime('%Y%m%dT%H%M%S%f')}-{run_id}.json"


def run_dirs(manifest: Manifest) -> set[str]:
    """The run directories (``runs/<run_id>``) ``manifest`` reads from: its own and, after
    a partial recomputation, those of the runs whose kept years it names."""
    return {
        "/".join(e["path"].split("/")[:2]) for entries in manifest.tables.values() for e in entries
    }


def superseded(manifests: Sequence[tuple[str, Manifest]], keep: int) -> tuple[list[str], list[str]]:
    """What may be deleted once the newest run and the ``keep`` runs published before it
    are kept: (the run directories only older manifests name, those manifests' names).

    ``manifests`` are (name, content) in name order, oldest first. A directory a kept
    manifest names stays, whichever run wrote it (a kept year lies in an older run's
    directory); a directory no manifest names -- a run still being written, or one
    killed before its manifest -- is not listed: it may be another writer's.
    """
    kept = manifests[-(keep + 1):] if manifests else []
    older = manifests[: len(manifests) - len(kept)]
    needed = set().union(*(run_dirs(m) for _, m in kept))
    dirs = set().union(*(run_dirs(m) for _, m in older)) - needed
    return sorted(dirs), [name for name, _ in older]


def latest_manifest_path(results: Path | str) -> Path:
    """The manifest of the newest published run of ``results``."""
    found = sorted((Path(results) / MANIFESTS_DIR).glob("*.json"))
    if not found:
        raise FileNotFoundError(
            f"no published results in {results}: run `kaoping compute --engine spark "
            f"--results {results}` first"
        )
    return found[-1]


def latest_manifest(results: Path | str) -> Manifest:
    """The newest published run of ``results``."""
    path = latest_manifest_path(results)
    return Manifest.from_json(path.read_text(encoding="utf-8"), str(path))


def catalog_database(source: Path | str) -> str | None:
    """The database of the Spark catalogue ``source`` names (``catalog:DATABASE``), None
    for a directory of Parquet."""
    text = str(source)
    if not text.startswith(CATALOG_PREFIX):
        return None
    database = text[len(CATALOG_PREFIX):].strip()
    if not database:
        raise ValueError(f"{text!r}: name the database, catalog:DATABASE")
    return database


def source_candidates(source: Path | str, table: str) -> tuple[str, str]:
    """Where the canonical table ``table`` may lie in the Parquet directory ``source``: a
    file ``table.parquet`` (what `kaoping export --parquet` and `kaoping generate` write)
    or a directory ``table/`` of parts (what a cluster's jobs write)."""
    base = str(source).rstrip("/")
    return f"{base}/{table}.parquet", f"{base}/{table}"


def source_path(source: Path | str, table: str) -> str | None:
    """The local file or directory of ``table`` in ``source``, None when neither exists
    (or the source is a Spark catalogue's database)."""
    if catalog_database(source) is not None:
        return None
    for candidate in source_candidates(source, table):
        if Path(candidate).exists():
            return candidate
    return None


def read_meta(source: Path | str) -> dict[str, Any]:
    """The export's metadata (the data version), or {} for Parquet kaoping did not write."""
    path = Path(str(source)) / META_FILE
    if "://" in str(source) or catalog_database(source) is not None or not path.exists():
        return {}
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return raw


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _parquet_view(con: duckdb.DuckDBPyConnection, name: str, path: str) -> None:
    con.execute(f'CREATE VIEW "{name}" AS {_read(path)}')


def _read(path: str) -> str:
    where = f"{path}/*.parquet" if Path(path).is_dir() else path
    # a cube's tables are partitions of one dataset (``cube_0/subject_type=organ/``):
    # the directory's name is not a column of the table
    return f"SELECT * FROM read_parquet({_quote(where)}, hive_partitioning = false)"


def _table_view(
    con: duckdb.DuckDBPyConnection, root: Path, name: str, entries: list[dict[str, Any]]
) -> None:
    """The view ``name`` of a run's table: the rows of its entries' directories, of the
    years each supplies (see :class:`Manifest`)."""
    selects = []
    for entry in entries:
        select = _read(str(root / entry["path"]))
        if entry.get("years") is not None:
            years = ", ".join(str(int(y)) for y in entry["years"])
            select += f' WHERE "pid" // 100 IN ({years})'
        selects.append(select)
    con.execute(f'CREATE VIEW "{name}" AS {" UNION ALL ".join(selects)}')


def open_results(results: Path | str) -> tuple[duckdb.DuckDBPyConnection, Manifest]:
    """An in-memory DuckDB connection over the newest published run of ``results``: its
    tables, the results views, the canonical tables it was computed from, and the
    source's data version as ``kaoping_meta`` (so that a reader can tell whether the
    figures are older than the data)."""
    import duckdb

    from kaoping.model.schema import TABLES
    from kaoping.warehouse import DATA_CHANGED_AT, DATA_VERSION

    root = Path(results)
    manifest = latest_manifest(root)
    con = duckdb.connect()
    try:
        for name, entries in manifest.tables.items():
            _table_view(con, root, name, entries)
        for name, sql in manifest.views.items():
            con.execute(f'CREATE VIEW "{name}" AS {sql}')
        for table in TABLES:
            path = source_path(manifest.source, table)
            if path is not None:
                _parquet_view(con, table, path)
        _runs_table(con, manifest.run)
        meta = read_meta(manifest.source)
        if manifest.run.get(SOURCE_DIGEST) and DATA_VERSION not in meta:
            # a source without a version of its own (DuckDB cannot read a Spark
            # catalogue at all): the newest data known are those the run read, its
            # version derived from the tables' files (docs/spark.md)
            meta = {DATA_VERSION: manifest.data_version,
                    DATA_CHANGED_AT: manifest.run.get(DATA_CHANGED_AT)}
        con.execute("CREATE TABLE kaoping_meta (key VARCHAR, value VARCHAR)")
        for key in (DATA_VERSION, DATA_CHANGED_AT):
            if meta.get(key) is not None:
                con.execute("INSERT INTO kaoping_meta VALUES (?, ?)", [key, str(meta[key])])
    except BaseException:
        con.close()
        raise
    return con, manifest


def _runs_table(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> None:
    """``compute_runs`` of the DuckDB warehouse, holding the published run."""
    from kaoping.engine.results import RUNS_TABLE

    con.execute(
        f"CREATE TABLE {RUNS_TABLE} (run_id VARCHAR, started_at TIMESTAMP, "
        "finished_at TIMESTAMP, years VARCHAR, indicators INTEGER, rows_written BIGINT, "
        "catalogue_digest VARCHAR, summary VARCHAR, data_version BIGINT)"
    )
    con.execute(
        f"INSERT INTO {RUNS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run["run_id"],
            datetime.fromisoformat(str(run["started_at"])),
            datetime.fromisoformat(str(run["finished_at"])),
            json.dumps(run["years"]),
            run["indicators"],
            run["rows_written"],
            run["catalogue_digest"],
            json.dumps(run["summary"]),
            run.get("data_version"),
        ],
    )
