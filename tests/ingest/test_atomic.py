"""An import is all or nothing, even when the process is killed just before it commits."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.ingest.ingest_data import checksum

from kaoping.ingest import PAUSE_ENV, ImportProgress, import_files
from kaoping.warehouse import connect, writing

TABLES = ("organs", "prosecutors", "crimes", "persons", "quarantine", "imports")


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    return {name: checksum(con, name) for name in TABLES}


def large_persons(path: Path, rows: int) -> Path:
    """Several row groups of persons: rewrites of S001/S002 first, new suspects, some bad."""
    ids = ["S001", "S002", *(f"N{i}" for i in range(rows - 2))]
    pq.write_table(
        pa.table(
            {
                "person_id": ids,
                "case_id": [f"K{i}" for i in range(rows)],
                "organ_code": ["110108"] * rows,
                "crime_code": ["C264"] * rows,
                "is_minor": ["也许" if i % 1000 == 7 else "否" for i in range(rows)],
            }
        ),
        path,
    )
    return path


@pytest.fixture
def loaded(
    db_path: Path, reference_files: list[Path], persons_gbk: Path
) -> dict[str, tuple[int, int]]:
    with connect(db_path) as con:
        import_files(con, [*reference_files, persons_gbk])
        before = snapshot(con)
    assert before["persons"][0] == 3 and before["quarantine"][0] == 9
    return before


def test_failure_half_way_rolls_everything_back(
    db_path: Path, loaded: dict[str, tuple[int, int]], reference_files: list[Path], tmp_path: Path
) -> None:
    big = large_persons(tmp_path / "persons_big.parquet", 5_000)

    def explode(event: ImportProgress) -> None:
        if event.table == "persons" and event.phase == "done":
            raise RuntimeError("disk on fire")

    con = connect(db_path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_files(con, [*reference_files, big], progress=explode)

    assert snapshot(con) == loaded
    leftovers = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_kaoping%'"
    ).fetchall()
    assert leftovers == []
    # and the connection is still good for the next import
    assert import_files(con, [big])[0].rows_loaded == 4_995
    con.close()


def test_killed_import_leaves_the_warehouse_unchanged(
    db_path: Path, loaded: dict[str, tuple[int, int]], tmp_path: Path
) -> None:
    big = large_persons(tmp_path / "persons_big.parquet", 200_000)
    published = (db_path.read_bytes(), db_path.stat().st_mtime_ns)
    size_before = db_path.stat().st_size
    env = {**os.environ, PAUSE_ENV: "60"}
    command = [
        sys.executable,
        "-c",
        "from kaoping.cli import main; main()",
        "import",
        str(big),
        "--db",
        str(db_path),
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # `kaoping import` writes a private copy of the warehouse and publishes it on success
    private = db_path.with_name(f".{db_path.name}.next-{proc.pid}")
    try:
        assert wait_for_line(proc, "ready to commit", timeout=120), "import never got to COMMIT"
        # DuckDB has already written the new row groups into the copy, uncommitted; the
        # published file has not been touched
        written = sum(p.stat().st_size for p in (private, Path(f"{private}.wal")) if p.exists())
        assert written > size_before
        assert (db_path.read_bytes(), db_path.stat().st_mtime_ns) == published
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert (db_path.read_bytes(), db_path.stat().st_mtime_ns) == published
    with connect(db_path, read_only=True) as con:
        assert snapshot(con) == loaded
    # the next writer clears the killed one's copy, and the warehouse takes the lost import
    with writing(db_path, "the import again") as con:
        assert not private.exists()
        assert import_files(con, [big])[0].rows_loaded == 199_800
    assert not list(tmp_path.glob(f".{db_path.name}.next-*"))
    with connect(db_path, read_only=True) as con:
        assert snapshot(con)["persons"][0] == 199_800 + 1  # S001, S002 rewritten; S009 kept


def wait_for_line(proc: subprocess.Popen[bytes], marker: str, timeout: float) -> bool:
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline, seen = time.monotonic() + timeout, b""
    while time.monotonic() < deadline and proc.poll() is None:
        if selector.select(timeout=0.5):
            chunk = os.read(proc.stderr.fileno(), 65536)
            seen += chunk
            if marker.encode() in seen:
                return True
    return False
