"""CSV bytes the importer used to take silently or refuse without saying where: text in
an encoding that is not Chinese, a NUL byte deep in the file, mixed line endings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.ingest.ingest_data import count

from kaoping.ingest import IngestError, import_files

HEADER = "院代码,上级院代码,层级,院名称,英文名称\n"
ROWS = "100000,,1,最高人民检察院,SPP\n110000,100000,2,北京市人民检察院,Beijing\n"


@pytest.mark.parametrize(
    ("encoding", "text", "looks"),
    [
        (
            "big5",
            "院代碼,上級院代碼,層級,院名稱,英文名稱\n100000,,1,臺灣高等檢察署,High\n"
            "110000,100000,2,臺北地方檢察署,Taipei\n",
            "Big5",
        ),
        (
            "shift_jis",
            "organ_code,parent_code,level,name_zh,name_en\n100000,,1,最高検察庁,SPP\n"
            "110000,100000,2,東京地方検察庁,Tokyo\n",
            "Shift-JIS",
        ),
    ],
)
def test_text_that_is_not_chinese_is_refused_naming_the_encoding(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, encoding: str, text: str, looks: str
) -> None:
    path = tmp_path / "organs.csv"
    path.write_bytes(text.encode(encoding))

    with pytest.raises(IngestError) as caught:
        import_files(con, [path])

    said = str(caught.value)
    assert said.startswith(f"{path}: not UTF-8, and implausible as GBK/GB18030: only ")
    assert f"it reads as {looks}" in said and "save it as UTF-8" in said
    assert count(con, "organs") == 0


def test_gbk_text_still_imports(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "organs.csv"
    path.write_bytes((HEADER + ROWS).encode("gbk"))

    report = import_files(con, [path])[0]

    assert (report.encoding, report.rows_loaded) == ("gb18030", 2)
    names = con.execute("SELECT name_zh FROM organs ORDER BY organ_code").fetchall()
    assert names == [("最高人民检察院",), ("北京市人民检察院",)]


def test_a_nul_byte_after_the_first_mebibyte_is_refused_with_its_offset(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    filler = "".join(f"{200000 + i},100000,2,省院{i},P{i}\n" for i in range(60_000))
    data = (HEADER + ROWS + filler).encode("utf-8")
    assert len(data) > 1 << 20
    at = len(data) - 10
    path = tmp_path / "organs.csv"
    path.write_bytes(data[:at] + b"\x00" + data[at:])

    with pytest.raises(IngestError) as caught:
        import_files(con, [path])

    assert str(caught.value) == (
        f"{path}: binary content (a NUL byte at byte {at:,}), not CSV text"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_mixed_line_endings_are_read_as_lines(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, encoding: str
) -> None:
    text = (
        HEADER.replace("\n", "\r\n")
        + "100000,,1,最高人民检察院,SPP\r\n"
        + "110000,100000,2,北京市人民检察院,Beijing\n"
        + '120000,100000,2,"天津市\r\n人民检察院",Tianjin\r\n'
    )
    path = tmp_path / "organs.csv"
    path.write_bytes(text.encode(encoding))

    report = import_files(con, [path])[0]

    assert (report.rows_read, report.rows_loaded) == (3, 3)
    rows = con.execute("SELECT organ_code, name_en FROM organs ORDER BY 1").fetchall()
    assert rows == [("100000", "SPP"), ("110000", "Beijing"), ("120000", "Tianjin")]
    name = con.execute("SELECT name_zh FROM organs WHERE organ_code = '120000'").fetchall()
    assert name == [("天津市\n人民检察院",)]
