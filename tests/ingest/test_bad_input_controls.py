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
    assert "1 inserted" in " ".join(result.stdout.split())


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


def test_reports_of_a_warehouse_holding_control_characters_are_written(
    db_path: Path, tmp_path: Path
) -> None:
    """Stored before the importer refused them (or written by hand): reports still work."""
    from docx import Document as open_docx

    from kaoping.warehouse import connect

    con = connect(db_path)
    try:
        con.execute(
            "INSERT INTO organs (organ_code, parent_code, level, name_zh, name_en) VALUES "
            "('100000', NULL, 1, 'SPP' || chr(7), 'SPP' || chr(27)), "
            "('110000', '100000', 2, '北京' || chr(1), 'BJ' || chr(11))"
        )
        con.execute(
            "INSERT INTO crimes (crime_code, name_zh, name_en, article, chapter, "
            "serious_violent, statutory_max) VALUES ('C1', '盗窃罪', 'Theft', '264', 5, "
            "false, 'life')"
        )
        con.execute(
            "INSERT INTO prosecutors (prosecutor_id, organ_code, department, display_name) "
            "VALUES ('P1', '110000', 'ordinary_crime', '甲')"
        )
        con.execute(
            "INSERT INTO persons (person_id, case_id, organ_code, prosecutor_id, crime_code, "
            "is_minor, prosecution_review_received, prosecution_review_concluded, "
            "prosecution_decision) VALUES ('p1', 'c1', '110000', 'P1', 'C1', false, "
            "DATE '2020-02-01', DATE '2020-03-01', 'prosecuted')"
        )
    finally:
        con.close()
    db = ["--db", str(db_path)]
    computed = runner.invoke(app, ["compute", "--years", "2020", "-i", "persons_prosecuted", *db])
    assert computed.exit_code == 0, computed.output

    for fmt in ("xlsx", "docx"):
        out = tmp_path / f"report.{fmt}"
        args = ["report", "--organ", "100000", "--period", "2020", "--format", fmt]
        result = runner.invoke(app, [*args, "--lang", "zh", "--out", str(out), *db])

        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    book = load_workbook(tmp_path / "report.xlsx")
    texts = [
        str(c.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert any("北京" in t for t in texts) and not any("\x01" in t for t in texts)
    paragraphs = "".join(p.text for p in open_docx(str(tmp_path / "report.docx")).paragraphs)
    assert "SPP" in paragraphs and "\x07" not in paragraphs
