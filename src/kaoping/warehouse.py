"""The one place that opens the DuckDB warehouse and creates its tables.

The canonical tables are created from the data model (``kaoping.model.schema``), so a new
column is added in one place. Bookkeeping tables (``imports``, ``quarantine``) sit beside
them. No primary-key constraints are declared: DuckDB's ART indexes make bulk upserts of
millions of rows slow and memory-hungry, so uniqueness of natural keys is kept by the
importer (delete-then-insert inside one transaction) and checked by the tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from kaoping.model.schema import TABLES, Table

if TYPE_CHECKING:
    import ibis.backends.duckdb

    from kaoping.versions import Token

BOOKKEEPING_DDL = (
    """
    CREATE TABLE IF NOT EXISTS imports (
        import_id   VARCHAR,
        file        VARCHAR,
        table_name  VARCHAR,
        sha256      VARCHAR,
        encoding    VARCHAR,
        rows_read   BIGINT,
        rows_loaded BIGINT,
        rows_quarantined BIGINT,
        started_at  TIMESTAMP,
        finished_at TIMESTAMP
    )
    """,
    # Added later: who imported, the file's own name, and what the import did to the stored
    # rows. ADD COLUMN IF NOT EXISTS upgrades a warehouse of an earlier version in place;
    # its earlier rows read NULL there (not known).
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS imported_by VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS file_name VARCHAR",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_inserted BIGINT",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_updated BIGINT",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_unchanged BIGINT",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS columns_updated VARCHAR[]",
    "ALTER TABLE imports ADD COLUMN IF NOT EXISTS cells_updated BIGINT",
    """
    CREATE TABLE IF NOT EXISTS kaoping_meta (
        key   VARCHAR,
        value VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS quarantine (
        import_id  VARCHAR,
        file       VARCHAR,
        table_name VARCHAR,
        row_number BIGINT,
        column_name VARCHAR,
        value      VARCHAR,
        reason     VARCHAR,
        record     VARCHAR
    )
    """,
)


def table_ddl(tbl: Table) -> str:
    cols = ",\n    ".join(f'"{c.name}" {c.duckdb_type}' for c in tbl.columns)
    return f'CREATE TABLE IF NOT EXISTS "{tbl.name}" (\n    {cols}\n)'


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table (and column) of the active model that does not exist yet;
    existing data is never touched. A warehouse made with the default model thus takes
    the columns and tables a model extending it adds."""
    have: dict[str, set[str]] = {}
    for table_name, column_name in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    ).fetchall():
        have.setdefault(str(table_name), set()).add(str(column_name))
    for tbl in TABLES.values():
        if tbl.name not in have:
            con.execute(table_ddl(tbl))
            continue
        for col in tbl.columns:
            if col.name not in have[tbl.name]:
                con.execute(f'ALTER TABLE "{tbl.name}" ADD COLUMN "{col.name}" {col.duckdb_type}')
    for ddl in BOOKKEEPING_DDL:
        con.execute(ddl)
    _record_model(con)


#: the model a warehouse was created with, and the one that last shaped its tables
MODEL_CREATED = "model_created"
MODEL = "model"


def _record_model(con: duckdb.DuckDBPyConnection) -> None:
    """Write which model (name, file, digest) made the warehouse, once, and which one last
    opened it for writing: a figure computed under another model must be traceable to it."""
    from kaoping.model.selection import active

    model = active()
    stamp = json.dumps(
        {"name": model.name, "source": model.source, "sha256": model.sha256}, sort_keys=True
    )
    if _meta(con, MODEL_CREATED) is None:
        _set_meta(con, MODEL_CREATED, stamp)
    if _meta(con, MODEL) != stamp:
        _set_meta(con, MODEL, stamp)


def recorded_model(
    con: duckdb.DuckDBPyConnection, *, created: bool = False
) -> dict[str, str] | None:
    """The model (name, source, sha256) that last wrote the warehouse, or with ``created``
    the one it was created with; None for a warehouse older than model files."""
    raw = _meta(con, MODEL_CREATED if created else MODEL)
    return None if raw is None else dict(json.loads(raw))


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, initialise) the warehouse file at ``path``.

    Writing the published warehouse in place would lock out its readers: kaoping's own
    writers go through :func:`writing`, which writes a private copy and publishes it.
    """
    if read_only:
        return connect_version(path)[0]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


def connect_version(path: Path | str) -> tuple[duckdb.DuckDBPyConnection, Token | None]:
    """A read-only connection to the version of the warehouse published now, and that
    version's token: the version opened, not one published a moment before or after
    (:func:`kaoping.versions.opening` says why it is not simply the file's name)."""
    from kaoping.versions import opening

    path = Path(path)
    with opening(path) as (name, token):
        if token is None:
            raise FileNotFoundError(
                f"no warehouse at {path}: run `kaoping import` (or `kaoping demo`) first, "
                "or point --db / KAOPING_DB at an existing one"
            )
        return duckdb.connect(str(name), read_only=True), token


def warehouse_path() -> Path:
    """``KAOPING_DB``, else ``kaoping.duckdb``: what :class:`kaoping.settings.Settings`
    says of the warehouse file, read from the environment directly (the variable's name
    in any case, as pydantic-settings reads it). Why: importing pydantic-settings costs a
    tenth of a second, a tenth of a `kaoping show`."""
    for name, value in os.environ.items():
        if name.upper() == "KAOPING_DB":
            return Path(value)
    return Path("kaoping.duckdb")


def results_dir() -> Path | None:
    """``KAOPING_RESULTS``: a directory of Parquet results (a Spark computation's,
    docs/spark.md) that every reader reads instead of the warehouse file's. Read from the
    environment directly: a point read should not pay for the settings machinery."""
    raw = os.environ.get("KAOPING_RESULTS", "")
    return Path(raw) if raw else None


def connect_reader(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection for a reader: over the newest published Parquet run of
    :func:`results_dir` when set (:func:`kaoping.engine.backends.parquet.open_results`),
    else to the warehouse file at ``path``."""
    results = results_dir()
    if results is None:
        return connect(path, read_only=True)
    from kaoping.engine.backends.parquet import open_results

    return open_results(results)[0]


@contextmanager
def opened(path: Path | str, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def writing(
    path: Path | str,
    what: str,
    *,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a private copy of the warehouse, published atomically
    when the block ends without an error (:mod:`kaoping.versions`); readers keep
    reading the published version meanwhile. Raise :class:`kaoping.versions.Discard` in
    the block to end without publishing."""
    from kaoping.versions import writer

    with writer(path, what, wait=wait, on_wait=on_wait) as tmp:
        con = connect(tmp)
        try:
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()


def ibis_connection(con: duckdb.DuckDBPyConnection) -> ibis.backends.duckdb.Backend:
    """An Ibis backend over an open DuckDB connection, for the engine's portable queries."""
    import ibis

    return ibis.duckdb.from_connection(con)


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, Path]:
    """Write every canonical table to ``directory/TABLE.parquet``, with the data version
    beside them (``_kaoping.json``): the source a Spark computation reads
    (:mod:`kaoping.engine.backends.spark`). Returns table name -> file."""
    import json

    from kaoping.engine.backends.parquet import META_FILE

    directory.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for name in TABLES:
        path = directory / f"{name}.parquet"
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{target}' (FORMAT parquet)")
        out[name] = path
    changed = data_changed_at(con)
    meta = {
        DATA_VERSION: data_version(con),
        DATA_CHANGED_AT: changed.isoformat() if changed else None,
    }
    (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return out


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in TABLES:
        row = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        out[name] = int(row[0]) if row else 0
    return out


# --- the data version -------------------------------------------------------------------
#
# Every import that changes a row bumps the warehouse's data version; every computation
# records the version it computed from. When they differ, the stored figures are older
# than the data, and every reader says so (``kaoping show``, the API, the pages, reports).

DATA_VERSION = "data_version"
DATA_CHANGED_AT = "data_changed_at"


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        rows = con.execute("SELECT value FROM kaoping_meta WHERE key = ?", [key]).fetchall()
    except duckdb.CatalogException:  # a warehouse of an earlier version, opened read-only
        return None
    return str(rows[0][0]) if rows else None


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("DELETE FROM kaoping_meta WHERE key = ?", [key])
    con.execute("INSERT INTO kaoping_meta VALUES (?, ?)", [key, value])


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """How many imports have changed the data (0 for a new or an old warehouse)."""
    raw = _meta(con, DATA_VERSION)
    return int(raw) if raw else 0


def data_changed_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When an import last changed the data."""
    raw = _meta(con, DATA_CHANGED_AT)
    return dt.datetime.fromisoformat(raw) if raw else None


def bump_data_version(con: duckdb.DuckDBPyConnection, when: dt.datetime | None = None) -> int:
    """Record that the data changed (call inside the import's transaction); returns the
    new version."""
    version = data_version(con) + 1
    _set_meta(con, DATA_VERSION, str(version))
    _set_meta(con, DATA_CHANGED_AT, (when or dt.datetime.now()).isoformat())
    return version
