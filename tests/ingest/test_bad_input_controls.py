"""Control characters and Rich markup in the data: quarantined at import, harmless on
output -- in the terminal, in an Excel workbook, in a Word document."""

from __future__ import annotations

from pathlib import Path

import duckdb
from openpyxl import Workbook, load_workbook
from tests.ingest.ingest_data import write_text
from typer.testing import CliRunner

from kaoping.cli import app
from kaoping.ingest import import_files, list_quarantine
from kaoping.ingest.controls import printable, xml_safe

runner = CliRunner()
HEADER = "organ_code,parent_code,level,name_zh,name_en\n"
ESC = "\x1b"


def test_a_control_character_in_a_name_is_quarantined(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = HEADER + f"100000,,1,最高{ESC}[31m检察院,SPP\n110000,100000,2,北京\x07,Beijing\n"

    report = import_files(con, [write_text(tmp_path / "organs.csv", text)])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (0, 2)
    reasons = [(q.row_number, q.column, q.reason) for q in list_quarantine(con)]
    assert reasons[0] == (
        2,
        "name_zh",
        f"control character U+001B in '最高{ESC}[31m检察院'; expected printable text",
    )
    assert reasons[1][:2] == (3, "name_zh") and "U+0007" in reasons[1][2]


def test_quarantine_prints_data_as_text_not_escapes_or_markup(
    db_path: Path, tmp_path: Path
) -> None:
    path = write_text(
        tmp_path / "organs.csv", HEADER + f"100000,,1,[bold]最高{ESC}[2J检察院[/],SPP\n"
    )
    runner.invoke(app, ["import", str(path), "--db", str(db_path)])

    result = runner.invoke(app, ["quarantine", "--db", str(db_path)])

    assert result.exit_code == 0, result.output
    assert ESC not in result.output
    flat = "".join(result.output.split())
    assert "\\x1b[2J" in flat and "[bold]" in flat and "[/]" in flat


def test_a_header_with_markup_is_printed_as_written(db_path: Path, tmp_path: Path) -> None:
    text = "organ_code,parent_code,level,name_zh,name_en,[/]备注[red]\n100000,,1,最高检,SPP,x\n"
    path = write_text(tmp_path / "organs.csv", text)

    result = runner.invoke(app, ["import", str(path), "--db", str(db_path)])

    assert result.exit_code == 0, result.output
    assert "ignored columns that are not in organs: [/]备注[red]" in " ".join(result.stderr.split())
    assert "imported 1 rows" in result.stdout


def test_output_helpers() -> None:
    assert printable(f"a{ESC}[31mb\x9bc\td\n") == "a\\x1b[31mb\\x9bc\td\n"
    assert xml_safe("a\x00b\x07c\x1bd\te\ufffe") == "abcd\te"


def test_an_xlsx_report_cell_with_a_control_character_is_written(tmp_path: Path) -> None:
    from kaoping.reports.xlsx import write_text as write_cell

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    write_cell(sheet, 1, 1, f"北京{ESC}市\x07院")
    book.save(tmp_path / "r.xlsx")

    value = load_workbook(tmp_path / "r.xlsx").active["A1"].value  # type: ignore[index]
    assert value == "北京市院"


def test_a_docx_report_with_control_characters_is_written(tmp_path: Path) -> None:
    from docx import Document as open_docx

    from kaoping.reports.document import Bullets, Document, Heading, Paragraph, Table
    from kaoping.reports.docx import write_docx

    document = Document(
        title=f"通报{ESC}",
        subtitle="2020\x07",
        blocks=(
            Heading(f"北京{ESC}[31m院"),
            Paragraph("正文\x00"),
            Bullets(("一\x01",)),
            Table(header=("院\x02",), rows=((f"海淀{ESC}",),)),
        ),
    )

    out = write_docx(document, tmp_path / "r.docx")

    texts = [p.text for p in open_docx(str(out)).paragraphs]
    assert "北京[31m院" in texts and "正文" in texts and ESC not in "".join(texts)
