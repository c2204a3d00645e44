"""Pseudonymous data only, private files (issue 17): real-name columns never get in, the
application database is not world-readable, reports carry no server paths."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kaoping.ingest.headers import REAL_NAME_HEADERS, is_real_name_header, match_headers
from kaoping.model.schema import TABLES

from .conftest import Subjects


def _import(db: Path, *files: Path) -> tuple[int, str]:
    from kaoping.cli import app as cli

    r = CliRunner().invoke(cli, ["import", *map(str, files), "--db", str(db)])
    return r.exit_code, r.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_real_name_column_is_dropped_on_import(tmp_path: Path) -> None:
    from kaoping.warehouse import opened

    organs = _write(tmp_path / "organs.csv", "院代码,上级院代码,层级,院名称,英文名称\n"
                    "000000,,1,最高人民检察院,Supreme People's Procuratorate\n")
    pros = _write(tmp_path / "prosecutors.csv", "检察官编号,院代码,部门,显示名,姓名,身份证号\n"
                  "P0000000001,000000,minors,检察官000001,张三,110101199001011234\n")
    db = tmp_path / "w.duckdb"
    code, out = _import(db, organs, pros)
    assert code == 0, out
    assert "real names" in out and "姓名" in out
    with opened(db, read_only=True) as con:
        rows = con.execute("SELECT * FROM prosecutors").fetchall()
    assert rows and "张三" not in str(rows) and "110101199001011234" not in str(rows)
    assert "检察官000001" in str(rows)


def test_a_real_name_column_is_no_display_name(tmp_path: Path) -> None:
    """An export whose only name column is 姓名 loads no prosecutor: display_name is
    required and must be a pseudonym (the header 姓名 used to be accepted for it), so each
    new record is quarantined for the missing display_name, and the name is nowhere."""
    from kaoping.warehouse import opened

    organs = _write(tmp_path / "organs.csv", "院代码,上级院代码,层级,院名称,英文名称\n"
                    "000000,,1,最高人民检察院,Supreme People's Procuratorate\n")
    pros = _write(tmp_path / "prosecutors.csv", "检察官编号,院代码,部门,姓名\n"
                  "P0000000001,000000,minors,张三\n")
    code, out = _import(tmp_path / "w.duckdb", organs, pros)
    assert code == 0, out
    with opened(tmp_path / "w.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM prosecutors").fetchall()[0][0] == 0
        reasons = [r[0] for r in con.execute(
            "SELECT reason FROM quarantine WHERE table_name = 'prosecutors'").fetchall()]
        stored = con.execute("SELECT string_agg(record, ' ') FROM quarantine").fetchall()[0][0]
    assert any("display_name" in r for r in reasons), reasons
    assert "张三" not in (stored or "")


def test_no_column_alias_is_a_real_name_header() -> None:
    for tbl in TABLES.values():
        for col in tbl.columns:
            for alias in col.header_aliases():
                assert not is_real_name_header(alias), (tbl.name, col.name, alias)
    m = match_headers(TABLES["prosecutors"], ["检察官编号", "姓名", "NAME", "显示名"])
    assert m.source.get("display_name") == "显示名"
    assert any("real names" in w and "姓名" in w and "NAME" in w for w in m.warnings())
    assert "姓名" in REAL_NAME_HEADERS


def test_a_new_warehouse_is_not_world_readable(tmp_path: Path) -> None:
    """kaoping's writers publish through kaoping.versions, which makes the file 0640."""
    from kaoping.warehouse import writing

    db = tmp_path / "new.duckdb"
    old = os.umask(0o022)
    try:
        with writing(db, "test") as con:
            con.execute("SELECT 1")
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_the_app_db_is_created_private(tmp_path: Path) -> None:
    from kaoping.appdb import make_engine

    path = tmp_path / "kaoping-app.db"
    old = os.umask(0o022)
    try:
        make_engine(f"sqlite:///{path}").dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side


def _zip_text(body: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                       if n.endswith(".xml"))


def test_reports_name_no_server_path(
    client: TestClient, auth: dict[str, dict[str, str]], subjects: Subjects, warehouse: Path,
) -> None:
    """The report names the warehouse by its file name and the catalogue by its version;
    neither the warehouse's directory nor the catalogue files' directories appear."""
    import kaoping

    package_dir = str(Path(kaoping.__file__).parent)
    for fmt in ("xlsx", "docx"):
        r = client.get(f"/api/organs/{subjects.municipal_m}/report",
                       params={"format": fmt, "period": "2020", "lang": "en"},
                       headers=auth["admin"])
        assert r.status_code == 200, r.text
        text = _zip_text(r.content)
        assert str(warehouse.parent) not in text and package_dir not in text, fmt
        assert "/tmp/" not in text and "/work/" not in text, fmt
        if fmt == "xlsx":
            assert warehouse.name in text and "Catalogue version" in text
            assert ".yaml:" in text  # the definition's file and line, without directories
